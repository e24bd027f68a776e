/**
 * The three Bot Connector REST calls the delivery worker makes (API v3: create a conversation, send to one, update an
 * activity), posted with Node's own HTTP client instead of botbuilder's. The bodies are the ones botbuilder sent for
 * the same calls; the bearer token still comes from botbuilder's credentials (BotAdapter.outboundAuthorization), so
 * every way of configuring them works as before.
 *
 * Why not botbuilder: each send ran a proactive turn (a continuation activity, a turn context, the connector and
 * user-token clients) and @azure/core-client's pipeline (eight policies and a serializer walking the Activity
 * schema), about a millisecond of CPU a post; the fan-out benchmark is bounded by that CPU (bench/RESULTS.md). And
 * local mode, which has no token to get, no longer loads botbuilder (25 MB) to post at all.
 *
 * What is deliberately different:
 *  - No hidden retries. core-rest-pipeline's default retry policy resent a post after a 429's Retry-After, and
 *    after a 5xx or a reset connection, up to three times inside one send: unseen by the pacer, which counts sends
 *    against Teams' windows, and a duplicate post whenever Teams had taken the first. Every answer now reaches the
 *    delivery worker, which decides (DeliveryFailure: throttled, transient, gone, …).
 *  - A deadline. A send that has no answer after SEND_TIMEOUT_MS is abandoned as transient. botbuilder waited for
 *    ever, and a claim is a lease (DELIVERY_LEASE, 60 s): past it another replica would take the item over while
 *    this one still waited, and both would post. It is not cut to fit a shorter lease: a deadline shorter than
 *    Teams is slow would resend, and duplicate, every slow post (README says so under DELIVERY_LEASE).
 *
 * No botbuilder here, and nothing about the domain: teams-poster.ts turns what this answers into DeliveryFailure.
 */
import * as http from 'node:http';
import * as https from 'node:https';

/** Longest wait for a token and Teams' answer to one call; half the delivery claim's default 60 s lease. */
export const SEND_TIMEOUT_MS = 30_000;

/** A pooled connection idle this long is closed, before a load balancer's idle limit (Azure's: 4 min) drops it. */
const IDLE_SOCKET_MS = 60_000;

/** The most of an answer's body read: Teams' answers are ids and short errors. */
const MAX_ANSWER_BYTES = 1 << 20;

/** An HTTP answer other than 2xx from the Bot Connector. */
export class BotConnectorError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    /** The `error.code` of Teams' JSON body, when it has one. */
    readonly code: string | undefined,
    /** Retry-After in seconds, when given as seconds. */
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
    this.name = 'BotConnectorError';
  }
}

/** What the calls take: the service URL (allow-listed by the caller) and the Authorization header, if any. */
export interface ConnectorCall {
  readonly serviceUrl: string;
  readonly authorization: string | undefined;
}

export interface ConversationResource {
  readonly id?: string;
  readonly activityId?: string;
  readonly serviceUrl?: string;
}

export interface ResourceResponse {
  readonly id?: string;
}

export interface BotConnectorOptions {
  /** Longest wait for one call's answer (default SEND_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /**
   * HTTPS_PROXY, HTTP_PROXY and NO_PROXY (Config.outboundProxy; default none: direct): botbuilder's pipeline sent
   * through such a proxy, and so does this client, by Node's own proxy support (Node 22.21 and 24.5 on; see README).
   */
  readonly proxy?: Readonly<Record<string, string>>;
}

/**
 * The proxy variable set in `proxy` that this Node would ignore (its agents' `proxyEnv` came in 22.21 and 24.5), for
 * start-up to say so: without it the posts would go direct and fail where only the proxy reaches Teams.
 */
export function unsupportedProxyVariable(proxy: Readonly<Record<string, string>>, nodeVersion = process.versions.node): string | undefined {
  const set = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].find((name) => proxy[name] !== undefined);
  if (!set) return undefined;
  const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
  const supported = major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21) || major === 23;
  return supported ? undefined : set;
}

export class BotConnector {
  /** Longest wait for one call (and, in teams-poster.ts, for its token). */
  readonly timeoutMs: number;
  /**
   * Keep-alive connections, one pool per scheme, shared by every send (botbuilder's pipeline kept them alive too).
   * Node unreferences an idle pooled socket, so these never keep a stopping process alive.
   */
  private readonly agents: Readonly<Record<'http:' | 'https:', http.Agent>>;

  constructor(options: BotConnectorOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS;
    const proxyEnv = { ...options.proxy };
    // `proxyEnv` is Node's (22.21, 24.5): without a proxy variable in it, connections go direct.
    this.agents = {
      'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, proxyEnv } as http.AgentOptions),
      'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS, proxyEnv } as https.AgentOptions),
    };
  }

  /** POST /v3/conversations: a new channel post (a new thread), or a person's 1:1 chat. */
  createConversation(call: ConnectorCall, parameters: object): Promise<ConversationResource> {
    return this.request<ConversationResource>(call, 'POST', 'v3/conversations', parameters);
  }

  /** POST /v3/conversations/{id}/activities: a message in a conversation (a reply when the id names a thread). */
  async sendToConversation(call: ConnectorCall, conversationId: string, activity: object): Promise<ResourceResponse> {
    return this.request<ResourceResponse>(call, 'POST', `v3/conversations/${segment(conversationId)}/activities`, activity);
  }

  /** PUT /v3/conversations/{id}/activities/{activityId}: replaces a posted message (a card's update). */
  async updateActivity(call: ConnectorCall, conversationId: string, activityId: string, activity: object): Promise<void> {
    await this.request<ResourceResponse>(call, 'PUT', `v3/conversations/${segment(conversationId)}/activities/${segment(activityId)}`, activity);
  }

  private async request<T>(call: ConnectorCall, method: 'POST' | 'PUT', path: string, body: object): Promise<T> {
    const url = apiUrl(call.serviceUrl, path);
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    try {
      return await this.once<T>(call, method, url, payload);
    } catch (err) {
      // A pooled connection the server had closed while idle: it read nothing of the request, so it is sent once
      // more on a new connection (Node's documented pattern; botbuilder's pipeline retried such resets too).
      if ((err as { reusedSocket?: boolean; code?: string }).reusedSocket && (err as { code?: string }).code === 'ECONNRESET') {
        return this.once<T>(call, method, url, payload);
      }
      throw err;
    }
  }

  private once<T>(call: ConnectorCall, method: 'POST' | 'PUT', url: URL, payload: Buffer): Promise<T> {
    const agent = this.agents[url.protocol as keyof typeof this.agents];
    if (!agent) return Promise.reject(new Error(`not an http(s) service URL: ${url.protocol}`));
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': payload.length,
      Accept: 'application/json',
      'User-Agent': 'soc-reminders Microsoft-BotFramework/3.1',
    };
    if (call.authorization) headers.Authorization = call.authorization;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
          // No answer of Teams' is this long: not taken for a success with its ids cut off.
          else req.destroy(Object.assign(new Error(`the Bot Connector's answer is over ${MAX_ANSWER_BYTES} bytes`), { code: 'EANSWERTOOLARGE' }));
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            resolve(parseAnswer(text) as T);
            return;
          }
          reject(answerError(method, url, status, text, res.headers['retry-after']));
        });
      });
      // One deadline for the whole call, connecting and a trickling answer included.
      const deadline = setTimeout(() => req.destroy(timeoutError(this.timeoutMs)), this.timeoutMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('error', (err) => {
        clearTimeout(deadline);
        reject(Object.assign(err, { reusedSocket: req.reusedSocket }));
      });
      req.end(payload);
    });
  }
}

/** An id as one path segment: encoded, and never `.` or `..`, which a URL would resolve to another path. */
function segment(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new Error(`not a usable Bot Connector id: "${id}"`);
  return encodeURIComponent(id);
}

/** The API's root is the service URL, regional path included (https://smba.trafficmanager.net/amer/); no query or fragment. */
function apiUrl(serviceUrl: string, path: string): URL {
  const url = new URL(serviceUrl);
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/*$/, '')}/${path}`;
  return url;
}

function parseAnswer(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    // A 2xx without JSON: the call succeeded, but it names nothing; the caller checks for the ids it needs.
    return {};
  }
}

function answerError(method: string, url: URL, status: number, text: string, retryAfter: string | string[] | undefined): BotConnectorError {
  let code: string | undefined;
  let detail: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') detail = body.error.message;
  } catch {
    // Not JSON: the status says enough.
  }
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  // The path, not the query: a service URL carries no secret, but nothing from the answer beyond its error is kept.
  const message = `${method} ${url.pathname} answered ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail.slice(0, 300)}` : ''}`;
  return new BotConnectorError(message, status, code, retryAfter !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined);
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no answer from the Bot Connector within ${ms} ms`), { code: 'ETIMEDOUT' });
}
