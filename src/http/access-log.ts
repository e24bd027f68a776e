/**
 * One access-log line and one metric observation per HTTP request, registered on the restify server with one
 * call. The line carries method, path (no query string), route, status, duration, size and client address:
 * never a header, so no Authorization bearer, Teams token or METRICS_TOKEN can reach the logs.
 *
 * Probes (/healthz, /readyz, /livez, /metrics) answering below 400 are logged at debug: App Service and
 * container runtimes call them every few seconds and would drown the rest.
 */
import type { Request, Response, Server } from 'restify';
import type { Logger } from '../logger';

export interface HttpObserver {
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

const PROBES = new Set(['/healthz', '/readyz', '/livez', '/metrics']);
const STARTED = Symbol('soc-reminders.request-started');

type TimedRequest = Request & { [STARTED]?: bigint };

/** The route's path pattern, so that labels stay few: a 404 for any URL is one series, "unmatched". */
function routeOf(req: Request): string {
  const route = (req as Request & { getRoute?: () => { path?: string | RegExp } | null }).getRoute?.();
  const path = route?.path;
  return path === undefined ? 'unmatched' : String(path);
}

/**
 * The peer, and what an X-Forwarded-For header claims (App Service, nginx or a load balancer put the client there,
 * but any client can send one): logged apart and bounded, so a made-up header never passes for the address.
 */
function clientAddresses(req: Request): { remoteAddress?: string; forwardedFor?: string } {
  const forwarded = req.headers['x-forwarded-for'];
  const claimed = (Array.isArray(forwarded) ? forwarded.join(', ') : forwarded)?.slice(0, 200);
  return { remoteAddress: req.socket?.remoteAddress, ...(claimed ? { forwardedFor: claimed } : {}) };
}

export function registerAccessLog(server: Server, logger: Logger, observer: HttpObserver): void {
  const log = logger.child({ component: 'http' });
  // `pre` runs before routing, so even requests that match no route are timed.
  server.pre((req: Request, _res: Response, next: () => void) => {
    (req as TimedRequest)[STARTED] = process.hrtime.bigint();
    next();
  });
  server.on('after', (req: Request, res: Response) => {
    const started = (req as TimedRequest)[STARTED];
    const seconds = started === undefined ? 0 : Number(process.hrtime.bigint() - started) / 1e9;
    const route = routeOf(req);
    const status = res.statusCode;
    observer.httpRequest(req.method ?? 'GET', route, status, seconds);
    const path = (req.url ?? '').split('?')[0];
    const line = {
      req: { method: req.method, path, route, ...clientAddresses(req), userAgent: req.headers['user-agent']?.slice(0, 300) },
      res: { status, bytes: Number(res.getHeader('content-length')) || undefined },
      ms: Math.round(seconds * 1e4) / 10,
    };
    if (status >= 500) log.warn(line, 'request');
    else if (PROBES.has(path) && status < 400) log.debug(line, 'request');
    else log.info(line, 'request');
  });
}
