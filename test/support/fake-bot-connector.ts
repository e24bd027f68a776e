/**
 * FakeBotConnector — a stand-in for Microsoft's Bot Connector service as Teams runs it (the REST API v3
 * behind an activity's `serviceUrl`, e.g. https://smba.trafficmanager.net/emea/). Tests cannot reach
 * Teams' cloud, so they point the bot's `serviceUrl` at this local HTTP server instead, and botbuilder's own
 * ConnectorClient (CloudAdapter.continueConversationAsync / createConversationAsync, TurnContext.sendActivity /
 * updateActivity / deleteActivity, TeamsInfo) talks to it exactly as it would talk to Teams.
 *
 * What it emulates:
 *  - the routes botbuilder 4.23 calls (paths and methods taken from botframework-connector's operation specs;
 *    every path parameter arrives percent-encoded with encodeURIComponent, so a Teams channel thread id such as
 *    `19:abc@thread.tacv2;messageid=1700000000000` arrives as `19%3Aabc%40thread.tacv2%3Bmessageid%3D1700000000000`);
 *  - Teams-style ids: message ids are millisecond-timestamp strings, and a new channel post (POST /v3/conversations
 *    with channelData.channel.id) answers `{ id: "<channelId>;messageid=<activityId>", activityId }`;
 *  - Bot Framework error bodies `{ error: { code, message } }`, injected on demand (failNext);
 *  - Teams' published bot rate limits with 429 + Retry-After (sliding windows on an injectable clock): per bot per
 *    thread — the thread is the chat or channel, i.e. the conversation id without `;messageid=…`, and a new channel
 *    post counts against its channel; new posts, sends, replies, updates and deletes share one bucket (Microsoft
 *    lists send and create separately and says nothing of updates: sharing is the stricter reading); roster reads
 *    have their own, higher limits; and 50 requests per second per app per tenant across all conversations;
 *  - Teams' message size limit (about 100 KB of activity JSON → 413 RequestEntityTooLarge), configurable;
 *  - rosters, team details and channel lists, as configured by the test;
 *  - 1:1 chats (issue 14): POST /v3/conversations with `members: [{ id }]` and no channel answers `{ id }` of a stable
 *    chat per member (Teams returns the existing chat) and records it (`personalChats()`); for a member configured in
 *    `notInstalledFor` it answers 403 Forbidden "Bot is not installed in user's personal scope", which is what the
 *    bot must expect when the app is not installed for that person (Microsoft's proactive-messaging docs: the app
 *    must be installed for the user first). The exact code and wording Teams uses were not verified against Teams.
 *
 *  - optionally (`requireBearer`), the Bot Connector's check of the bot's bearer token: RS256, signed by the token
 *    issuer's key (a stand-in Entra ID's), for the channel's audience, not expired — else 401 Unauthorized.
 *
 * What it does NOT emulate:
 *  - authentication by default: the bot's outgoing bearer token is recorded (`requests[].authorization`) and only
 *    checked with `requireBearer`;
 *  - real Teams rendering of messages or Adaptive Cards (cards are stored as sent; see `attachmentsOf`);
 *  - sending anything to the bot (no incoming activities, invokes or conversationUpdate) — that is the test's job;
 *  - batch operations, meetings, attachments upload, conversation history, 1:1 roster semantics beyond a stable id.
 *
 * Note for callers: botbuilder's HTTP pipeline (@azure/core-rest-pipeline defaultRetryPolicy) retries by itself,
 * up to 3 times: 429 and 503 that carry Retry-After are retried after that many seconds, and 408/500/502/503/504
 * are retried with exponential backoff (0.5–1 s, 1–2 s, 2–4 s). Only after the last attempt does botbuilder surface
 * the RestError (statusCode, code, message from the error body). Plan failNext `times` accordingly.
 */
import type { KeyObject } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { jwtProblem } from './jwt';

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

/** An activity as it travels on the wire (loosely typed on purpose: the fake stores what the bot sent). */
export interface WireActivity {
  type?: string;
  id?: string;
  text?: string;
  replyToId?: string;
  conversation?: { id?: string; tenantId?: string; isGroup?: boolean; conversationType?: string; [k: string]: unknown };
  channelData?: { tenant?: { id?: string }; channel?: { id?: string }; team?: { id?: string }; [k: string]: unknown };
  attachments?: Array<{ contentType?: string; content?: unknown; [k: string]: unknown }>;
  [k: string]: unknown;
}

export type ConnectorOperation =
  | 'createConversation'
  | 'getConversations'
  | 'sendToConversation'
  | 'replyToActivity'
  | 'updateActivity'
  | 'deleteActivity'
  | 'getConversationMembers'
  | 'getConversationMember'
  | 'getConversationPagedMembers'
  | 'getActivityMembers'
  | 'fetchChannelList'
  | 'fetchTeamDetails'
  | 'unknown';

/** One HTTP request as the fake received it. */
export interface RecordedRequest {
  readonly seq: number;
  readonly method: string;
  /** Path as sent, still percent-encoded (query string excluded). */
  readonly rawPath: string;
  /** Path with each segment decoded. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly operation: ConnectorOperation;
  /** Decoded conversation id from the path (for createConversation: undefined). */
  readonly conversationId?: string;
  /** Decoded activity id from the path. */
  readonly activityId?: string;
  readonly memberId?: string;
  readonly teamId?: string;
  /** The throttling key of the conversation thread (see `threadKeyOf`). */
  readonly threadId?: string;
  readonly body: unknown;
  readonly authorization?: string;
  /** With `requireBearer`: why the bearer token was refused (the request was answered 401). */
  readonly authProblem?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tenantId: string;
  /** Time from the injected clock when the request was handled. */
  readonly time: number;
  /** Status the fake answered with (set once answered). */
  status?: number;
}

export type PostKind = 'create' | 'send' | 'reply';

/** A message that landed: a new channel post / created conversation, a send, or a reply. */
export interface RecordedPost {
  readonly kind: PostKind;
  /** Conversation the message lives in: for a channel post the new `<channel>;messageid=<id>` thread id. */
  readonly conversationId: string;
  /** Thread (throttling) key: the conversation id without `;messageid=…`. */
  readonly threadId: string;
  readonly activityId: string;
  readonly activity: WireActivity;
  readonly tenantId: string;
  /** For replies: the activity id in the path; for sends: activity.replyToId if any. */
  readonly replyToId?: string;
  /** For createConversation: the request body (isGroup, channelData, members, …). */
  readonly parameters?: Record<string, unknown>;
  readonly time: number;
}

export interface RecordedUpdate {
  readonly conversationId: string;
  readonly threadId: string;
  readonly activityId: string;
  readonly activity: WireActivity;
  readonly tenantId: string;
  readonly time: number;
}

/** A 1:1 chat the bot asked for: the member it is with, the tenant, and the id answered. */
export interface RecordedPersonalChat {
  readonly conversationId: string;
  readonly memberId: string;
  readonly tenantId: string;
  readonly time: number;
}

export interface RecordedDelete {
  readonly conversationId: string;
  readonly threadId: string;
  readonly activityId: string;
  readonly tenantId: string;
  readonly time: number;
}

/** A Teams roster entry, as GET …/members returns it. */
export interface FakeMember {
  id: string;
  name?: string;
  aadObjectId?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
  userRole?: 'user' | 'guest' | 'anonymous';
  [k: string]: unknown;
}

export interface FakeChannel {
  id: string;
  /** Teams returns no name for the General channel. */
  name?: string;
}

export interface FakeTeam {
  name?: string;
  aadGroupId?: string;
  type?: string;
  tenantId?: string;
  /** Defaults to just the General channel, whose id is the team id and which has no name (as Teams answers). */
  channels?: FakeChannel[];
  /** Roster returned for GET /v3/conversations/<teamId>/members (TeamsInfo.getTeamMembers / getMembers in a team). */
  members?: FakeMember[];
}

export interface ThrottleWindow {
  readonly windowMs: number;
  readonly max: number;
}

export interface ThrottlingConfig {
  /** Message operations (new post, send, reply, update, delete) per bot per thread. */
  threadWrites: ThrottleWindow[];
  /** Roster reads per bot per thread (and team/channel reads per team). */
  threadReads: ThrottleWindow[];
  /** All requests per app per tenant. */
  tenant: ThrottleWindow[];
}

export interface FakeBotConnectorOptions {
  /** Time source for throttling windows, ids and record times. Default Date.now. */
  now?: () => number;
  /** true (default) = Microsoft's published limits; false = off; or partial overrides. */
  throttling?: boolean | Partial<ThrottlingConfig>;
  /** Path prefix of the service URL, like Teams' `/emea/`. Default `/`. */
  basePath?: string;
  /** Largest activity JSON accepted for posts/updates, in bytes; null disables. Default 100 KiB (Teams ≈ 100 KB). */
  maxActivityBytes?: number | null;
  /**
   * What PUT/DELETE of an activity id the fake never saw in that thread does: 'reject' (default) answers
   * 404 NotFound, catching wrong ids; 'accept' treats it as present.
   */
  unknownActivity?: 'reject' | 'accept';
  /** Rosters by conversation id (or team id; `;messageid=` is ignored). */
  members?: Record<string, FakeMember[]>;
  /** Roster for conversations without an entry in `members`. Default []. */
  defaultMembers?: FakeMember[];
  /** Teams by team id (the General channel's id). */
  teams?: Record<string, FakeTeam>;
  /** Tenant of known conversations (thread ids) up front. */
  conversationTenants?: Record<string, string>;
  /** Delay before each answer, ms (real time). */
  latencyMs?: number;
  /** Member ids (Entra object ids or 29: ids) the app is not installed for: creating their 1:1 chat answers 403. */
  notInstalledFor?: readonly string[];
  /**
   * Check every request's `Authorization: Bearer` token as the Bot Connector does: RS256 signed by `publicKey`,
   * `aud` = `audience` (the bot's ToChannelFromBotOAuthScope), `iss` = `issuer` when given, `exp` present and in the
   * future (real time), `nbf` passed. Anything else is answered 401 before routing, injected failures and throttling.
   * Unset: the token is recorded and never checked.
   */
  requireBearer?: { publicKey: KeyObject; audience: string; issuer?: string };
}

/** What a failNext `match` sees. */
export type FakeRequestInfo = Omit<RecordedRequest, 'status' | 'seq'>;

export interface FailNextOptions {
  status: number;
  code?: string;
  message?: string;
  retryAfterSeconds?: number;
  /** How many matching requests to fail (default 1; Infinity for "until cleared"). */
  times?: number;
  match?: (req: FakeRequestInfo) => boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------------

/**
 * Microsoft's published limits (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit):
 * per bot per thread, send/create conversation: 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per 3600 s;
 * get conversation members / conversations: 14 per 1 s, 16 per 2 s, 120 per 30 s, 3600 per 3600 s;
 * global per app per tenant: 50 requests per second.
 */
export const TEAMS_THROTTLING: Readonly<ThrottlingConfig> = Object.freeze({
  threadWrites: [
    { windowMs: 1_000, max: 7 },
    { windowMs: 2_000, max: 8 },
    { windowMs: 30_000, max: 60 },
    { windowMs: 3_600_000, max: 1800 },
  ],
  threadReads: [
    { windowMs: 1_000, max: 14 },
    { windowMs: 2_000, max: 16 },
    { windowMs: 30_000, max: 120 },
    { windowMs: 3_600_000, max: 3600 },
  ],
  tenant: [{ windowMs: 1_000, max: 50 }],
});

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const UNKNOWN_TENANT = 'unknown';

/**
 * The thread a conversation id belongs to, for throttling and message lookup.
 *
 * Teams' "thread" in the rate-limit documentation is the chat thread: a 1:1 chat, a group chat or a channel. A
 * reply chain in a channel (`19:…@thread.tacv2;messageid=<root>`) lives inside the channel's thread, so the key
 * is the conversation id with the `;messageid=…` suffix removed. A new channel post (POST /v3/conversations with
 * channelData.channel.id) counts against that channel's thread, i.e. the same bucket as replies in it.
 */
export function threadKeyOf(conversationId: string): string {
  const i = conversationId.toLowerCase().indexOf(';messageid=');
  return i >= 0 ? conversationId.slice(0, i) : conversationId;
}

// ---------------------------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------------------------

interface FailureRule extends FailNextOptions {
  remaining: number;
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  operation: ConnectorOperation;
  conversationId?: string;
  activityId?: string;
  memberId?: string;
  teamId?: string;
}

export class FakeBotConnector {
  /** Every request, in arrival order, including failed and throttled ones. */
  readonly requests: RecordedRequest[] = [];
  /** Requests answered 429 by the throttling emulation (not injected failures). */
  throttledCount = 0;

  private readonly now: () => number;
  private readonly basePath: string;
  private readonly maxActivityBytes: number | null;
  private readonly unknownActivity: 'reject' | 'accept';
  private throttling: ThrottlingConfig | null;
  private latencyMs: number;
  private readonly requireBearer?: FakeBotConnectorOptions['requireBearer'];

  private readonly membersByThread = new Map<string, FakeMember[]>();
  private defaultMembers: FakeMember[];
  private readonly teams = new Map<string, FakeTeam>();
  private readonly configuredTenants = new Map<string, string>();
  private readonly learnedTenants = new Map<string, string>();

  private readonly postsLog: RecordedPost[] = [];
  private readonly updatesLog: RecordedUpdate[] = [];
  private readonly deletesLog: RecordedDelete[] = [];
  private readonly personalChatsLog: RecordedPersonalChat[] = [];
  private readonly notInstalledFor = new Set<string>();
  /** Current content of each message: `${threadId}\n${activityId}` → activity. */
  private readonly messages = new Map<string, WireActivity>();
  private failures: FailureRule[] = [];
  private readonly windows = new Map<string, number[]>();
  private lastActivityId = 0;
  private seq = 0;
  private waiters: Array<() => void> = [];

  private server?: http.Server;
  private readonly sockets = new Set<Socket>();
  private baseUrl?: string;

  constructor(options: FakeBotConnectorOptions = {}) {
    this.now = options.now ?? Date.now;
    let base = options.basePath ?? '/';
    if (!base.startsWith('/')) base = `/${base}`;
    if (!base.endsWith('/')) base = `${base}/`;
    this.basePath = base;
    this.maxActivityBytes = options.maxActivityBytes === undefined ? 100 * 1024 : options.maxActivityBytes;
    this.unknownActivity = options.unknownActivity ?? 'reject';
    this.throttling = resolveThrottling(options.throttling ?? true);
    this.latencyMs = options.latencyMs ?? 0;
    this.requireBearer = options.requireBearer;
    this.defaultMembers = options.defaultMembers ?? [];
    for (const [id, members] of Object.entries(options.members ?? {})) this.setMembers(id, members);
    for (const [id, team] of Object.entries(options.teams ?? {})) this.setTeam(id, team);
    for (const [id, tenant] of Object.entries(options.conversationTenants ?? {})) this.setConversationTenant(id, tenant);
    for (const id of options.notInstalledFor ?? []) this.notInstalledFor.add(id.toLowerCase());
  }

  /** The app becomes installed (false) or uninstalled (true) for a member: their next 1:1 creation follows. */
  setNotInstalled(memberId: string, notInstalled: boolean): void {
    if (notInstalled) this.notInstalledFor.add(memberId.toLowerCase());
    else this.notInstalledFor.delete(memberId.toLowerCase());
  }

  // ----- lifecycle ------------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.server) throw new Error('FakeBotConnector already started');
    const server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}${this.basePath}`;
  }

  /** The service URL to put in activities / conversation references, e.g. `http://127.0.0.1:PORT/`. */
  get url(): string {
    if (!this.baseUrl) throw new Error('FakeBotConnector not started');
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  // ----- configuration ------------------------------------------------------------------------------------------

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** Turn throttling on (Teams' limits, or overrides) or off. */
  setThrottling(throttling: boolean | Partial<ThrottlingConfig>): void {
    this.throttling = resolveThrottling(throttling);
    this.windows.clear();
  }

  setMembers(conversationOrTeamId: string, members: FakeMember[]): void {
    this.membersByThread.set(threadKeyOf(conversationOrTeamId), members.map((m) => ({ ...m })));
  }

  setDefaultMembers(members: FakeMember[]): void {
    this.defaultMembers = members.map((m) => ({ ...m }));
  }

  setTeam(teamId: string, team: FakeTeam): void {
    this.teams.set(teamId, { ...team });
    if (team.members) this.setMembers(teamId, team.members);
    if (team.tenantId) {
      this.setConversationTenant(teamId, team.tenantId);
      for (const ch of team.channels ?? []) this.setConversationTenant(ch.id, team.tenantId);
    }
  }

  setConversationTenant(conversationId: string, tenantId: string): void {
    this.configuredTenants.set(threadKeyOf(conversationId), tenantId);
  }

  /**
   * Answer the next matching request(s) with `status` and `{ error: { code, message } }` (plus Retry-After when
   * given). Calls queue up: a request takes the first queued rule it matches. Injected failures are answered
   * before throttling and do not use up throttle budget; they are never recorded as posts/updates.
   */
  failNext(options: FailNextOptions): void {
    const times = options.times ?? 1;
    if (!(times > 0)) throw new Error('failNext: times must be > 0');
    this.failures.push({ ...options, remaining: times });
  }

  clearFailures(): void {
    this.failures = [];
  }

  /**
   * Clears what happened: requests, posts, updates, deletes, stored messages, throttle windows, throttledCount,
   * pending failNext rules and tenants learned from traffic. Keeps configuration: members, teams, configured
   * tenants, throttling limits, latency.
   */
  reset(): void {
    this.requests.length = 0;
    this.postsLog.length = 0;
    this.updatesLog.length = 0;
    this.deletesLog.length = 0;
    this.personalChatsLog.length = 0;
    this.messages.clear();
    this.windows.clear();
    this.learnedTenants.clear();
    this.failures = [];
    this.throttledCount = 0;
  }

  // ----- views --------------------------------------------------------------------------------------------------

  /** Successful new posts, sends and replies, in order. */
  posts(): RecordedPost[] {
    return [...this.postsLog];
  }

  /** Successful updates (PUT), in order. */
  updates(): RecordedUpdate[] {
    return [...this.updatesLog];
  }

  /** 1:1 chats created (or returned again) by POST /v3/conversations, in order. Refused ones are not listed. */
  personalChats(): RecordedPersonalChat[] {
    return [...this.personalChatsLog];
  }

  /** Successful deletes, in order. */
  deletes(): RecordedDelete[] {
    return [...this.deletesLog];
  }

  /** The message as it stands now (after updates), or undefined if unknown or deleted. */
  message(conversationId: string, activityId: string): WireActivity | undefined {
    return this.messages.get(messageKey(threadKeyOf(conversationId), activityId));
  }

  /** The Adaptive Card contents attached to a post, update or activity. */
  attachmentsOf(item: RecordedPost | RecordedUpdate | WireActivity): unknown[] {
    const activity: WireActivity = 'activity' in item && isObject(item.activity) ? (item.activity as WireActivity) : (item as WireActivity);
    return (activity.attachments ?? [])
      .filter((a) => a.contentType === ADAPTIVE_CARD_CONTENT_TYPE)
      .map((a) => (typeof a.content === 'string' ? safeJson(a.content) : a.content));
  }

  /** Resolves once `predicate()` holds (checked after every request), or rejects after `timeoutMs` (real time). */
  async waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`FakeBotConnector.waitFor: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (predicate()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve();
        }
      };
      this.waiters.push(check);
    });
  }

  /** Resolves once at least `count` posts were recorded. */
  async waitForPosts(count: number, timeoutMs = 5_000): Promise<RecordedPost[]> {
    await this.waitFor(() => this.postsLog.length >= count, timeoutMs);
    return this.posts();
  }

  // ----- HTTP handling ------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let answer: Answer;
    let record: RecordedRequest | undefined;
    try {
      const raw = await readBody(req);
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const rawPath = q >= 0 ? url.slice(0, q) : url;
      const query = Object.fromEntries(new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''));
      let body: unknown ;
      let badJson = false;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          badJson = true;
        }
      }
      const method = (req.method ?? 'GET').toUpperCase();
      const segments = this.segmentsOf(rawPath);
      const route = segments ? routeOf(method, segments) : { operation: 'unknown' as const };
      const threadId = this.threadOf(route, body);
      const authorization = headerOf(req, 'authorization');
      const info: FakeRequestInfo = {
        method,
        rawPath,
        path: segments ? `${this.basePath}${segments.join('/')}` : safeDecode(rawPath),
        query,
        operation: route.operation,
        conversationId: route.conversationId,
        activityId: route.activityId,
        memberId: route.memberId,
        teamId: route.teamId,
        threadId,
        body,
        authorization,
        authProblem: this.bearerProblem(authorization),
        headers: flattenHeaders(req.headers),
        tenantId: this.tenantOf(route, threadId, body),
        time: this.now(),
      };
      record = { seq: ++this.seq, ...info };
      this.requests.push(record);
      answer = info.authProblem
        ? errorAnswer(401, 'Unauthorized', 'Authorization has been denied for this request.')
        : badJson
          ? errorAnswer(400, 'BadArgument', 'The request body is not valid JSON.')
          : this.answer(info, route);
    } catch (err) {
      answer = errorAnswer(500, 'InternalServerError', `FakeBotConnector: ${(err as Error).message}`);
    }
    if (record) record.status = answer.status;
    this.send(res, answer);
    const waiters = [...this.waiters];
    for (const check of waiters) check();
  }

  /** With requireBearer: why the Authorization header does not carry a token the Bot Connector would take. */
  private bearerProblem(authorization: string | undefined): string | undefined {
    const expect = this.requireBearer;
    if (!expect) return undefined;
    const m = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!m) return authorization ? 'not a Bearer token' : 'no Authorization header';
    return jwtProblem(m[1]!, expect);
  }

  private send(res: http.ServerResponse, answer: Answer): void {
    const headers: Record<string, string> = { ...(answer.headers ?? {}) };
    let payload = '';
    if (answer.body !== undefined) {
      payload = JSON.stringify(answer.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    headers['Content-Length'] = String(Buffer.byteLength(payload));
    res.writeHead(answer.status, headers);
    res.end(payload);
  }

  /** Path segments after the base path, each percent-decoded; undefined if outside the base path. */
  private segmentsOf(rawPath: string): string[] | undefined {
    if (!rawPath.startsWith(this.basePath)) return undefined;
    const rest = rawPath.slice(this.basePath.length);
    const parts = rest.split('/').filter((s, i, all) => s !== '' || i < all.length - 1);
    try {
      return parts.map((p) => decodeURIComponent(p));
    } catch {
      return undefined;
    }
  }

  private threadOf(route: Route, body: unknown): string | undefined {
    if (route.operation === 'createConversation') {
      const params = isObject(body) ? body : {};
      const channelId = getPath(params, ['channelData', 'channel', 'id']);
      if (typeof channelId === 'string' && channelId) return threadKeyOf(channelId);
      return this.personalChatId(params);
    }
    if (route.conversationId !== undefined) return threadKeyOf(route.conversationId);
    if (route.teamId !== undefined) return `team:${route.teamId}`;
    return undefined;
  }

  /**
   * Tenant of a request. The tenant of a conversation is fixed: once the fake knows it (configured, or seen in a
   * createConversation body or an earlier activity) that wins; otherwise the body's tenant (createConversation:
   * `tenantId` or `channelData.tenant.id`; activities: `conversation.tenantId` or `channelData.tenant.id`) is used
   * and remembered. Unknown → 'unknown'.
   */
  private tenantOf(route: Route, threadId: string | undefined, body: unknown): string {
    const lookupKey = route.teamId !== undefined ? route.teamId : threadId;
    const known = lookupKey !== undefined ? this.configuredTenants.get(lookupKey) ?? this.learnedTenants.get(lookupKey) : undefined;
    if (known) return known;
    let fromBody: unknown;
    if (isObject(body)) {
      if (route.operation === 'createConversation') {
        fromBody = body.tenantId ?? getPath(body, ['channelData', 'tenant', 'id']) ?? getPath(body, ['activity', 'channelData', 'tenant', 'id']);
      } else {
        fromBody = getPath(body, ['conversation', 'tenantId']) ?? getPath(body, ['channelData', 'tenant', 'id']);
      }
    }
    if (typeof fromBody === 'string' && fromBody) {
      if (lookupKey !== undefined) this.learnedTenants.set(lookupKey, fromBody);
      return fromBody;
    }
    return UNKNOWN_TENANT;
  }

  private answer(info: FakeRequestInfo, route: Route): Answer {
    if (route.operation === 'unknown') {
      return errorAnswer(404, 'NotFound', `FakeBotConnector: no route for ${info.method} ${info.rawPath}`);
    }

    const rule = this.takeFailure(info);
    if (rule) {
      const headers: Record<string, string> = {};
      if (rule.retryAfterSeconds !== undefined) headers['Retry-After'] = String(rule.retryAfterSeconds);
      return errorAnswer(rule.status, rule.code ?? defaultCodeFor(rule.status), rule.message ?? `Injected failure ${rule.status}`, headers);
    }

    const retryAfterMs = this.throttle(info, route);
    if (retryAfterMs !== undefined) {
      this.throttledCount += 1;
      const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
      return errorAnswer(429, 'Throttled', `Too many requests. Retry after ${seconds} s.`, { 'Retry-After': String(seconds) });
    }

    switch (route.operation) {
      case 'createConversation':
        return this.createConversation(info);
      case 'sendToConversation':
      case 'replyToActivity':
        return this.sendOrReply(info, route);
      case 'updateActivity':
        return this.updateActivity(info, route);
      case 'deleteActivity':
        return this.deleteActivity(info, route);
      case 'getConversations':
        return { status: 200, body: { conversations: [] } };
      case 'getConversationMembers':
      case 'getActivityMembers':
        return { status: 200, body: this.rosterOf(info.threadId!).map(toWireMember) };
      case 'getConversationPagedMembers':
        return this.pagedMembers(info);
      case 'getConversationMember': {
        const member = this.rosterOf(info.threadId!).find((m) => m.id === route.memberId || m.aadObjectId === route.memberId);
        if (!member) return errorAnswer(404, 'MemberNotFoundInConversation', 'The member is not part of the conversation.');
        return { status: 200, body: toWireMember(member) };
      }
      case 'fetchTeamDetails': {
        const team = this.teams.get(route.teamId!);
        if (!team) return errorAnswer(404, 'NotFound', 'Team not found.');
        return {
          status: 200,
          body: {
            id: route.teamId,
            name: team.name,
            aadGroupId: team.aadGroupId,
            type: team.type ?? 'standard',
            channelCount: (team.channels ?? [{ id: route.teamId! }]).length,
            memberCount: (team.members ?? this.rosterOf(route.teamId!)).length,
          },
        };
      }
      case 'fetchChannelList': {
        const team = this.teams.get(route.teamId!);
        if (!team) return errorAnswer(404, 'NotFound', 'Team not found.');
        return { status: 200, body: { conversations: (team.channels ?? [{ id: route.teamId! }]).map((c) => ({ ...c })) } };
      }
    }
  }

  private takeFailure(info: FakeRequestInfo): FailureRule | undefined {
    const index = this.failures.findIndex((rule) => !rule.match || rule.match(info));
    if (index < 0) return undefined;
    const rule = this.failures[index]!;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.failures.splice(index, 1);
    return rule;
  }

  /** Returns ms to wait if the request is over a limit; otherwise records it in the windows and returns undefined. */
  private throttle(info: FakeRequestInfo, route: Route): number | undefined {
    const config = this.throttling;
    if (!config) return undefined;
    const now = info.time;
    const checks: Array<{ key: string; limits: ThrottleWindow[] }> = [{ key: `tenant\n${info.tenantId}`, limits: config.tenant }];
    if (info.threadId !== undefined) {
      const write = isWrite(route.operation);
      checks.push({ key: `${write ? 'w' : 'r'}\n${info.threadId}`, limits: write ? config.threadWrites : config.threadReads });
    }
    let wait: number | undefined;
    for (const { key, limits } of checks) {
      const longest = Math.max(0, ...limits.map((l) => l.windowMs));
      const stamps = (this.windows.get(key) ?? []).filter((t) => now - t < longest);
      this.windows.set(key, stamps);
      for (const { windowMs, max } of limits) {
        const inWindow = stamps.filter((t) => now - t < windowMs);
        if (inWindow.length >= max) {
          // The request may go once enough of the oldest entries have left the window.
          const freeing = inWindow[inWindow.length - max]!;
          const ms = Math.max(1, freeing + windowMs - now);
          wait = Math.max(wait ?? 0, ms);
        }
      }
    }
    if (wait !== undefined) return wait;
    for (const { key } of checks) this.windows.get(key)!.push(now);
    return undefined;
  }

  private tooLarge(activity: unknown): Answer | undefined {
    if (this.maxActivityBytes === null || activity === undefined) return undefined;
    const size = Buffer.byteLength(JSON.stringify(activity));
    if (size <= this.maxActivityBytes) return undefined;
    return errorAnswer(413, 'RequestEntityTooLarge', `Message size ${size} bytes exceeds the limit of ${this.maxActivityBytes} bytes.`);
  }

  private createConversation(info: FakeRequestInfo): Answer {
    if (!isObject(info.body)) return errorAnswer(400, 'BadArgument', 'Missing conversation parameters.');
    const params = info.body;
    const activity = isObject(params.activity) ? (params.activity as WireActivity) : undefined;
    const big = this.tooLarge(activity);
    if (big) return big;
    const channelId = getPath(params, ['channelData', 'channel', 'id']);
    if (typeof channelId === 'string' && channelId) {
      // Teams: a new post in a channel. The answer names the new reply chain and the root message.
      if (!activity) return errorAnswer(400, 'BadArgument', 'A new channel conversation needs an activity.');
      const activityId = this.nextActivityId();
      const conversationId = `${channelId};messageid=${activityId}`;
      this.storePost('create', info, conversationId, activityId, activity, undefined, params);
      return { status: 201, body: { id: conversationId, activityId } };
    }
    const conversationId = this.personalChatId(params);
    if (!conversationId) return errorAnswer(400, 'BadArgument', 'Conversation parameters need channelData.channel.id or members.');
    const member = (params.members as Array<Record<string, unknown>>).find((m) => isObject(m) && typeof m.id === 'string')!;
    const memberIds = [member.id, member.aadObjectId].filter((id): id is string => typeof id === 'string').map((id) => id.toLowerCase());
    if (memberIds.some((id) => this.notInstalledFor.has(id))) return errorAnswer(403, 'Forbidden', "Bot is not installed in user's personal scope");
    this.personalChatsLog.push({ conversationId, memberId: member.id as string, tenantId: info.tenantId, time: this.now() });
    if (activity) {
      const activityId = this.nextActivityId();
      this.storePost('create', info, conversationId, activityId, activity, undefined, params);
      return { status: 201, body: { id: conversationId, activityId } };
    }
    return { status: 201, body: { id: conversationId } };
  }

  /** A stable 1:1 chat id per member (Teams returns the existing chat for the same user). */
  private personalChatId(params: Record<string, unknown>): string | undefined {
    const members = Array.isArray(params.members) ? params.members : [];
    const first = members.find((m): m is Record<string, unknown> => isObject(m) && typeof m.id === 'string');
    if (!first) return undefined;
    return `a:1fake${Buffer.from(first.id as string).toString('base64url')}`;
  }

  private sendOrReply(info: FakeRequestInfo, route: Route): Answer {
    if (!isObject(info.body)) return errorAnswer(400, 'BadArgument', 'Missing activity.');
    const activity = info.body as WireActivity;
    const big = this.tooLarge(activity);
    if (big) return big;
    const activityId = this.nextActivityId();
    const kind: PostKind = route.operation === 'replyToActivity' ? 'reply' : 'send';
    const replyToId = kind === 'reply' ? route.activityId : typeof activity.replyToId === 'string' ? activity.replyToId : undefined;
    this.storePost(kind, info, route.conversationId!, activityId, activity, replyToId, undefined);
    return { status: 201, body: { id: activityId } };
  }

  private updateActivity(info: FakeRequestInfo, route: Route): Answer {
    if (!isObject(info.body)) return errorAnswer(400, 'BadArgument', 'Missing activity.');
    const activity = info.body as WireActivity;
    const key = messageKey(info.threadId!, route.activityId!);
    if (!this.messages.has(key) && this.unknownActivity === 'reject') {
      return errorAnswer(404, 'NotFound', `Activity ${route.activityId} was not found in conversation ${route.conversationId}.`);
    }
    const big = this.tooLarge(activity);
    if (big) return big;
    this.messages.set(key, clone(activity));
    this.updatesLog.push({
      conversationId: route.conversationId!,
      threadId: info.threadId!,
      activityId: route.activityId!,
      activity: clone(activity),
      tenantId: info.tenantId,
      time: info.time,
    });
    return { status: 200, body: { id: route.activityId } };
  }

  private deleteActivity(info: FakeRequestInfo, route: Route): Answer {
    const key = messageKey(info.threadId!, route.activityId!);
    if (!this.messages.has(key) && this.unknownActivity === 'reject') {
      return errorAnswer(404, 'NotFound', `Activity ${route.activityId} was not found in conversation ${route.conversationId}.`);
    }
    this.messages.delete(key);
    this.deletesLog.push({
      conversationId: route.conversationId!,
      threadId: info.threadId!,
      activityId: route.activityId!,
      tenantId: info.tenantId,
      time: info.time,
    });
    return { status: 200 };
  }

  private pagedMembers(info: FakeRequestInfo): Answer {
    const roster = this.rosterOf(info.threadId!);
    const pageSize = Math.max(1, Math.min(500, Number(info.query.pageSize) || 200));
    const start = Number(info.query.continuationToken ?? 0) || 0;
    const page = roster.slice(start, start + pageSize).map(toWireMember);
    const next = start + pageSize < roster.length ? String(start + pageSize) : undefined;
    return { status: 200, body: { members: page, continuationToken: next } };
  }

  private rosterOf(threadId: string): FakeMember[] {
    return this.membersByThread.get(threadId) ?? this.defaultMembers;
  }

  private storePost(
    kind: PostKind,
    info: FakeRequestInfo,
    conversationId: string,
    activityId: string,
    activity: WireActivity,
    replyToId: string | undefined,
    parameters: Record<string, unknown> | undefined,
  ): void {
    const threadId = threadKeyOf(conversationId);
    this.messages.set(messageKey(threadId, activityId), clone(activity));
    if (info.tenantId !== UNKNOWN_TENANT && !this.configuredTenants.has(threadId) && !this.learnedTenants.has(threadId)) {
      this.learnedTenants.set(threadId, info.tenantId);
    }
    this.postsLog.push({
      kind,
      conversationId,
      threadId,
      activityId,
      activity: clone(activity),
      tenantId: info.tenantId,
      replyToId,
      parameters: parameters ? clone(parameters) : undefined,
      time: info.time,
    });
  }

  /** Teams-like message id: a millisecond timestamp string, strictly increasing. */
  private nextActivityId(): string {
    const candidate = Math.floor(this.now());
    this.lastActivityId = candidate > this.lastActivityId ? candidate : this.lastActivityId + 1;
    return String(this.lastActivityId);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

function resolveThrottling(throttling: boolean | Partial<ThrottlingConfig>): ThrottlingConfig | null {
  if (throttling === false) return null;
  const base: ThrottlingConfig = {
    threadWrites: TEAMS_THROTTLING.threadWrites.map((w) => ({ ...w })),
    threadReads: TEAMS_THROTTLING.threadReads.map((w) => ({ ...w })),
    tenant: TEAMS_THROTTLING.tenant.map((w) => ({ ...w })),
  };
  if (throttling === true) return base;
  return {
    threadWrites: throttling.threadWrites ?? base.threadWrites,
    threadReads: throttling.threadReads ?? base.threadReads,
    tenant: throttling.tenant ?? base.tenant,
  };
}

function routeOf(method: string, s: string[]): Route {
  // s = segments after the base path, decoded: ['v3', 'conversations', '<id>', 'activities', '<activityId>'] …
  if (s[0] !== 'v3') return { operation: 'unknown' };
  if (s[1] === 'conversations') {
    if (s.length === 2) {
      if (method === 'POST') return { operation: 'createConversation' };
      if (method === 'GET') return { operation: 'getConversations' };
      return { operation: 'unknown' };
    }
    const conversationId = s[2]!;
    if (s[3] === 'activities') {
      if (s.length === 4 && method === 'POST') return { operation: 'sendToConversation', conversationId };
      if (s.length === 5) {
        const activityId = s[4]!;
        if (method === 'POST') return { operation: 'replyToActivity', conversationId, activityId };
        if (method === 'PUT') return { operation: 'updateActivity', conversationId, activityId };
        if (method === 'DELETE') return { operation: 'deleteActivity', conversationId, activityId };
      }
      if (s.length === 6 && s[5] === 'members' && method === 'GET') {
        return { operation: 'getActivityMembers', conversationId, activityId: s[4]! };
      }
      return { operation: 'unknown' };
    }
    if (s[3] === 'members' && method === 'GET') {
      if (s.length === 4) return { operation: 'getConversationMembers', conversationId };
      if (s.length === 5) return { operation: 'getConversationMember', conversationId, memberId: s[4]! };
    }
    if (s[3] === 'pagedmembers' && s.length === 4 && method === 'GET') {
      return { operation: 'getConversationPagedMembers', conversationId };
    }
    return { operation: 'unknown' };
  }
  if (s[1] === 'teams' && s.length >= 3 && method === 'GET') {
    if (s.length === 3) return { operation: 'fetchTeamDetails', teamId: s[2]! };
    if (s.length === 4 && s[3] === 'conversations') return { operation: 'fetchChannelList', teamId: s[2]! };
  }
  return { operation: 'unknown' };
}

function isWrite(op: ConnectorOperation): boolean {
  return (
    op === 'createConversation' ||
    op === 'sendToConversation' ||
    op === 'replyToActivity' ||
    op === 'updateActivity' ||
    op === 'deleteActivity'
  );
}

function defaultCodeFor(status: number): string {
  switch (status) {
    case 400:
      return 'BadArgument';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'BotNotInConversationRoster';
    case 404:
      return 'ConversationNotFound';
    case 412:
      return 'PreconditionFailed';
    case 413:
      return 'RequestEntityTooLarge';
    case 429:
      return 'Throttled';
    case 502:
      return 'BadGateway';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'GatewayTimeout';
    default:
      return status >= 500 ? 'ServiceError' : 'BadArgument';
  }
}

function errorAnswer(status: number, code: string, message: string, headers?: Record<string, string>): Answer {
  return { status, body: { error: { code, message } }, headers };
}

function toWireMember(m: FakeMember): Record<string, unknown> {
  // Teams' v3 roster carries the AAD id as `objectId` (botbuilder's TeamsInfo copies it to aadObjectId).
  const out: Record<string, unknown> = { ...m };
  if (m.aadObjectId && out.objectId === undefined) out.objectId = m.aadObjectId;
  return out;
}

function messageKey(threadId: string, activityId: string): string {
  return `${threadId}\n${activityId}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function headerOf(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
