/**
 * The restify server: routes are registered by the composition root; this file owns listening, JSON errors
 * and a clean stop.
 */
import restify, { type Server } from 'restify';
import type { Logger } from '../logger';

export interface HttpServer {
  readonly server: Server;
  listen(port: number, host?: string): Promise<number>;
  stop(): Promise<void>;
}

export function createHttpServer(logger: Logger): HttpServer {
  const server = restify.createServer({ name: 'soc-reminders', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.on('restifyError', (req, res, err, cb) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) logger.error({ err, url: req.url }, 'request failed');
    cb();
    void res;
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
