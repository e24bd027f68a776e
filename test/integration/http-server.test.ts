/**
 * What the restify server answers when a handler fails: a 500 that says nothing of the failure (the log has it),
 * for the one request only. (404 and 405 for paths and methods with no route: http-edge.test.ts.)
 */
import type { Request, Response } from 'restify';
import { createHttpServer, type HttpServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';

describe('the HTTP server when a handler fails', () => {
  const logged: string[] = [];
  let http: HttpServer;
  let base: string;

  beforeAll(async () => {
    http = createHttpServer(createLogger('info', { write: (line: string) => void logged.push(line) }));
    http.server.get('/rejects', async () => {
      throw new Error('relation "occurrences" does not exist: select ack_aad_id from occurrences where tenant_id = $1');
    });
    http.server.get('/rejects-with-a-string', async () => {
      throw 'postgres://soc:hunter2@db/soc refused';
    });
    http.server.get('/ok', async (_req: Request, res: Response) => {
      res.json({ ok: true });
    });
    base = `http://127.0.0.1:${await http.listen(0, '127.0.0.1')}`;
  });
  afterAll(() => http.stop());

  it('answers 500 without the error text, logs it, and keeps serving', async () => {
    for (const path of ['/rejects', '/rejects-with-a-string']) {
      const res = await fetch(base + path);
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toEqual({ error: { code: 'InternalError', message: 'The server failed to handle the request.' } });
      expect(text).not.toMatch(/occurrences|hunter2|postgres/);
    }
    expect(logged.join('')).toMatch(/"msg":"request failed"/);
    expect(logged.join('')).toMatch(/relation \\"occurrences\\" does not exist/);
    expect((await fetch(`${base}/ok`)).status).toBe(200);
  });
});
