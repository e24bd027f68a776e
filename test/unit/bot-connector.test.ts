/**
 * The Bot Connector client (src/teams/bot-connector.ts) against a real HTTP server standing for Teams' Bot Connector
 * service: what reaches Teams (paths under a regional service URL, ids encoded, the token), and that every answer
 * reaches the caller once, unretried, with what the delivery worker needs from it (status, error code, Retry-After).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BotConnector, BotConnectorError, unsupportedProxyVariable } from '../../src/teams/bot-connector';
import { toDeliveryFailure } from '../../src/teams/teams-poster';
import { startForwardProxy } from '../support/forward-proxy';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization?: string;
  readonly body: unknown;
}

/**
 * Writes the status line and headers and gives the response back to end. Not `res.writeHead(...).end(...)`:
 * restify, once any test file in this Jest process has loaded it, replaces ServerResponse.prototype.writeHead
 * process-wide with one that returns nothing, and the chained `.end` would throw and leave the call unanswered.
 */
function reply(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders = {}): http.ServerResponse {
  res.writeHead(status, headers);
  return res;
}

describe('BotConnector', () => {
  let server: http.Server;
  let base: string;
  const seen: Seen[] = [];
  let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: text ? JSON.parse(text) : undefined });
        answer(req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    answer = (_req, res) => reply(res, 201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: '19:new@thread.tacv2;messageid=1700000000001', activityId: '1700000000001' }));
  });

  it('calls the API under the service URL\'s regional path, with the ids encoded and the token given', async () => {
    const connector = new BotConnector();
    const call = { serviceUrl: `${base}/amer/`, authorization: 'Bearer t0ken' };
    const created = await connector.createConversation(call, { isGroup: true, activity: { type: 'message' } });
    expect(created).toEqual({ id: '19:new@thread.tacv2;messageid=1700000000001', activityId: '1700000000001' });
    await connector.sendToConversation({ serviceUrl: `${base}/amer`, authorization: undefined }, '19:c@thread.tacv2;messageid=17', { type: 'message' });
    await connector.updateActivity(call, '19:c@thread.tacv2;messageid=17', '17', { type: 'message', id: '17' });
    expect(seen.map((s) => [s.method, s.url, s.authorization])).toEqual([
      ['POST', '/amer/v3/conversations', 'Bearer t0ken'],
      ['POST', '/amer/v3/conversations/19%3Ac%40thread.tacv2%3Bmessageid%3D17/activities', undefined],
      ['PUT', '/amer/v3/conversations/19%3Ac%40thread.tacv2%3Bmessageid%3D17/activities/17', 'Bearer t0ken'],
    ]);
    expect(seen[0]!.body).toEqual({ isGroup: true, activity: { type: 'message' } });
  });

  it('keeps every call under the service URL\'s path: no query or fragment of it, and no `.` or `..` id that would climb out', async () => {
    const connector = new BotConnector();
    await connector.sendToConversation({ serviceUrl: `${base}/amer?x=1#f/`, authorization: undefined }, 'a:1', {});
    expect(seen.map((s) => s.url)).toEqual(['/amer/v3/conversations/a%3A1/activities']);
    for (const id of ['..', '.', '']) {
      await expect(connector.updateActivity({ serviceUrl: `${base}/amer/`, authorization: 'Bearer t0ken' }, 'a:1', id, {})).rejects.toThrow(/not a usable Bot Connector id/);
      await expect(connector.sendToConversation({ serviceUrl: `${base}/amer/`, authorization: 'Bearer t0ken' }, id, {})).rejects.toThrow(/not a usable Bot Connector id/);
    }
    expect(seen).toHaveLength(1);
  });

  it('refuses an answer too long to be Teams\' rather than take its cut-off ids for a success', async () => {
    answer = (_req, res) => reply(res, 201, { 'Content-Type': 'application/json' }).end(`{"id":"${'x'.repeat(2 << 20)}"}`);
    const error = await new BotConnector().createConversation({ serviceUrl: base, authorization: undefined }, {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'EANSWERTOOLARGE' });
  });

  it('hands a 429 to the caller at once, with its Retry-After and code, and sends nothing again', async () => {
    answer = (_req, res) => reply(res, 429, { 'Retry-After': '2', 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'Throttled', message: 'Too many requests' } }));
    const error = await new BotConnector().createConversation({ serviceUrl: base, authorization: 'Bearer secret-token' }, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BotConnectorError);
    expect(error).toMatchObject({ statusCode: 429, code: 'Throttled', retryAfterSeconds: 2 });
    expect((error as Error).message).not.toContain('secret-token');
    expect(toDeliveryFailure(error)).toMatchObject({ kind: 'throttled', status: 429, code: 'Throttled', retryAfterMs: 2000 });
    expect(seen).toHaveLength(1);
  });

  it.each([
    [500, 'transient'],
    [408, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
    [403, 'forbidden'],
    [404, 'gone'],
    [413, 'too-large'],
    [400, 'permanent'],
  ])('answers %i once, unretried, as %s', async (status, kind) => {
    answer = (_req, res) => reply(res, status).end('not json');
    const error = await new BotConnector().sendToConversation({ serviceUrl: base, authorization: undefined }, 'a:1', {}).catch((e: unknown) => e);
    expect(toDeliveryFailure(error)).toMatchObject({ kind, status });
    expect(seen).toHaveLength(1);
  });

  it('gives up on a call with no answer by its deadline, as a transient failure', async () => {
    answer = () => undefined; // Teams took the request and never answered.
    const started = Date.now();
    const error = await new BotConnector({ timeoutMs: 300 }).createConversation({ serviceUrl: base, authorization: undefined }, {}).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(toDeliveryFailure(error)).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
  });

  it('goes through the proxy HTTP_PROXY names, and direct for a host NO_PROXY lists', async () => {
    const proxy = await startForwardProxy();
    try {
      const viaProxy = new BotConnector({ proxy: { HTTP_PROXY: proxy.url } });
      expect(await viaProxy.createConversation({ serviceUrl: `${base}/amer/`, authorization: 'Bearer t0ken' }, {})).toMatchObject({ activityId: '1700000000001' });
      expect(proxy.relayed).toEqual([`POST ${base}/amer/v3/conversations`]);
      expect(seen.at(-1)).toMatchObject({ url: '/amer/v3/conversations', authorization: 'Bearer t0ken' });
      const bypassed = new BotConnector({ proxy: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
      await bypassed.createConversation({ serviceUrl: base, authorization: undefined }, {});
      expect(proxy.relayed).toHaveLength(1);
      expect(seen).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
  });

  it('takes a 2xx without a body as success naming nothing, and a refused connection as transient', async () => {
    answer = (_req, res) => reply(res, 200).end();
    await expect(new BotConnector().updateActivity({ serviceUrl: base, authorization: undefined }, 'a:1', '1', {})).resolves.toBeUndefined();
    expect(await new BotConnector().createConversation({ serviceUrl: base, authorization: undefined }, {})).toEqual({});
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await new BotConnector().createConversation({ serviceUrl: `http://127.0.0.1:${port}/`, authorization: undefined }, {}).catch((e: unknown) => e);
    expect(toDeliveryFailure(error)).toMatchObject({ kind: 'transient', code: 'ECONNREFUSED' });
  });

  it('names a proxy variable a Node without proxy support would ignore, so start-up can warn', () => {
    expect(unsupportedProxyVariable({ HTTPS_PROXY: 'http://proxy:3128' }, '22.12.0')).toBe('HTTPS_PROXY');
    expect(unsupportedProxyVariable({ http_proxy: 'http://proxy:3128' }, '24.4.1')).toBe('http_proxy');
    expect(unsupportedProxyVariable({ HTTPS_PROXY: 'http://proxy:3128' }, '22.21.0')).toBeUndefined();
    expect(unsupportedProxyVariable({ HTTPS_PROXY: 'http://proxy:3128' }, '24.5.0')).toBeUndefined();
    expect(unsupportedProxyVariable({ HTTPS_PROXY: 'http://proxy:3128' }, '26.0.0')).toBeUndefined();
    expect(unsupportedProxyVariable({ NO_PROXY: '*' }, '22.12.0')).toBeUndefined();
  });
});
