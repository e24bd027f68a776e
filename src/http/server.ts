/**
 * The restify server: routes are registered by `routes.ts` (called from the composition root); this file owns
 * listening, the limits and timeouts every connection lives under, JSON errors, and a clean stop.
 *
 * No restify body parser is installed, here or on any route: bodies are read by `json-body.ts`, which accepts
 * uncompressed JSON only. A handler that throws or rejects is answered 500 by restify (after `restifyError`
 * below); a path with no route 404, a route with another method 405; a request Node cannot parse (junk method,
 * bad framing, conflicting Content-Length and Transfer-Encoding) gets Node's own 400 and the connection closed.
 */
import type { Socket } from 'node:net';
import pino from 'pino';
import type { RequestHandler, Router, Server } from 'restify';
import type { Logger } from '../logger';

/**
 * restify's own modules, not its index: `require('restify')` also loads every bundled plugin (body parsers,
 * throttles, static files, audit logs: 9 MB resident measured on Node 24), and this server uses one of them.
 * The three lines of createServer() it needs are in createHttpServer below; restify has no `exports` map, and
 * its package is pinned.
 */
const RestifyServer = require('restify/lib/server') as new (options: { name: string; handleUncaughtExceptions: boolean; log: unknown; router: Router }) => Server;
const RestifyRouter = require('restify/lib/router') as new (options: { log: unknown }) => Router;
const restifyQueryParser = require('restify/lib/plugins/query') as (options: { mapParams: boolean }) => RequestHandler;

/**
 * Limits on every connection, chosen for Bot Framework traffic: one small JSON POST per activity, sent whole and
 * fast by Microsoft's service, which gives up on a bot after 15 seconds anyway. A slower client is not a client
 * we need to wait for.
 */
export const CONNECTION_LIMITS = Object.freeze({
  /**
   * The request line and headers must arrive within 10 s of the first byte (Node's default 60 s lets one
   * machine hold hundreds of sockets open by trickling a header byte at a time: slowloris). Answer: 408.
   */
  headersTimeoutMs: 10_000,
  /**
   * The whole request, body included, within 30 s: 512 KB at 20 KB/s still fits, and Bot Framework has stopped
   * waiting long before (Node's default is 5 minutes). Counts receiving only, not the handler's work. Answer: 408.
   */
  requestTimeoutMs: 30_000,
  /** How often Node checks the two timeouts above (default 30 s, which would triple the 10 s). */
  connectionsCheckingIntervalMs: 1_000,
  /**
   * An idle keep-alive connection is closed after 5 s (Node's default, kept on purpose): Bot Framework opens
   * connections as it needs them, and idle sockets are what an attacker would pile up. Behind a proxy that reuses
   * connections for longer (Azure Application Gateway, nginx), set its upstream idle timeout below 5 s.
   */
  keepAliveTimeoutMs: 5_000,
  /**
   * A socket with no traffic either way for 60 s is destroyed, also while a response is being written: a client
   * that stops reading its answer does not keep the answer in memory for ever (Node's default: no limit).
   */
  socketIdleTimeoutMs: 60_000,
  /**
   * Request line plus headers at most 16 KiB (Node's default, stated here on purpose): a Bot Framework request
   * carries a ~1-2 KB bearer token and a dozen headers. Larger: 431.
   */
  maxHeaderBytes: 16 * 1024,
  /** Headers past the 100th are dropped unparsed (Node's default 2000); Bot Framework sends about 15. */
  maxHeadersCount: 100,
  /**
   * Open connections at most; further ones are closed as soon as they are accepted. Each costs a socket, a parser
   * and up to 16 KiB of headers (~50 KB), so this keeps connections under ~50 MB and below the descriptor limit.
   */
  maxConnections: 1024,
});

export interface HttpServer {
  readonly server: Server;
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

/** What a 5xx says: the error's own message (an SQL error, a stack) stays in the log. */
const INTERNAL_ERROR = Object.freeze({ error: Object.freeze({ code: 'InternalError', message: 'The server failed to handle the request.' }) });

/** Answer to a WebSocket or h2c upgrade request: nothing here speaks another protocol. */
const UPGRADE_REFUSED_BODY = JSON.stringify({ error: { code: 'BadRequest', message: 'Protocol upgrades are not supported here.' } });
const UPGRADE_REFUSED =
  `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(UPGRADE_REFUSED_BODY)}\r\n\r\n` +
  UPGRADE_REFUSED_BODY;

export function createHttpServer(logger: Logger): HttpServer {
  // What restify.createServer() does with these options: a pino logger of its own (as before; restify logs at
  // trace level, and a warning for a handler that returns a value), a router, the server.
  const options = { name: 'soc-reminders', handleUncaughtExceptions: false, log: pino({ name: 'soc-reminders' }) };
  const server = new RestifyServer({ ...options, router: new RestifyRouter(options) });
  applyConnectionLimits(server);
  server.use(restifyQueryParser({ mapParams: false }));
  server.on('restifyError', (req, res, err, cb) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) {
      logger.error({ err, url: req.url }, 'request failed');
      // restify would send `String(err)` as the message of any error that is not one of its own. Sent through
      // restify (res.json), which marks the response sent so that restify does not try to answer again.
      if (!res.headersSent) {
        res.status(500);
        res.json(INTERNAL_ERROR);
      }
    }
    cb();
  });
  // restify listens for 'upgrade' on Node's server (to re-emit it), so Node hands such requests over instead of
  // routing them; with nobody taking them, the socket stayed open with no answer and no timeout.
  server.on('upgrade', (_req: unknown, socket: Socket) => {
    socket.on('error', () => undefined);
    socket.end(UPGRADE_REFUSED);
    socket.setTimeout(1000, () => socket.destroy());
  });
  return {
    server,
    listen(port: number, host?: string): Promise<number> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host ?? '0.0.0.0', () => {
          server.removeListener('error', reject);
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      });
    },
    stop(): Promise<void> {
      return new Promise((resolve) => {
        // Keep-alive sockets would hold close() open for their timeout: end each one as soon as it is idle.
        const http = server.server as unknown as { closeIdleConnections?: () => void };
        const sweep = setInterval(() => http.closeIdleConnections?.(), 50);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        http.closeIdleConnections?.();
      });
    },
  };
}

/** Sets CONNECTION_LIMITS on Node's server under restify (which creates it without options). Before listen(). */
function applyConnectionLimits(server: Server): void {
  const http = server.server;
  http.headersTimeout = CONNECTION_LIMITS.headersTimeoutMs;
  http.requestTimeout = CONNECTION_LIMITS.requestTimeoutMs;
  http.keepAliveTimeout = CONNECTION_LIMITS.keepAliveTimeoutMs;
  http.maxHeadersCount = CONNECTION_LIMITS.maxHeadersCount;
  http.maxConnections = CONNECTION_LIMITS.maxConnections;
  http.setTimeout(CONNECTION_LIMITS.socketIdleTimeoutMs);
  // Not in @types/node as writable properties, but read by Node 20's server: the checking interval when it starts
  // listening, the header size limit for each new connection (lib/_http_server.js).
  const untyped = http as unknown as { connectionsCheckingInterval: number; maxHeaderSize: number };
  untyped.connectionsCheckingInterval = CONNECTION_LIMITS.connectionsCheckingIntervalMs;
  untyped.maxHeaderSize = CONNECTION_LIMITS.maxHeaderBytes;
}
