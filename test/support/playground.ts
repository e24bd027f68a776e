/**
 * The Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground, a local Teams emulator) for end-to-end
 * tests, driven without a browser: its HTTP API plays the people in the mock tenant of `.m365agentsplayground.yml`,
 * and its WebSocket stream shows what the bot posted and updated, as the web UI would show it.
 *
 * Facts this relies on (checked against 0.2.28; see /work/shared/STACK.md):
 *  - ready when GET /_debug/ping answers 200, not when it prints "Listening on N"; `-p` falls back to a random port
 *    when the asked one is taken, and "Listening on N" says which;
 *  - a bad config file stops it (or leaves it listening without answering) with the reason only in its log file;
 *  - each channel message becomes a new post (conversation `<channel>;messageid=<id>`) and reaches the bot only
 *    when it mentions the bot; the bot's answers arrive on the WebSocket as createMessage / updateMessage frames;
 *  - frames sent while no WebSocket client was connected are delivered to the next client, so a client ignores
 *    everything older than its own connection;
 *  - every activity it generates says locale en-US; only a custom activity (POST /_internal/v1/customActivities,
 *    sent to the bot as is) can carry another locale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { parse as parseYaml } from 'yaml';
import { createApp, type App } from '../../src/app';
import { loadCatalog, parseCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import type { Clock } from '../../src/reminders/clock';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';

export const ROOT = join(__dirname, '..', '..');
export const PLAYGROUND_CONFIG_FILE = join(ROOT, '.m365agentsplayground.yml');
const CLI = join(ROOT, 'node_modules', '@microsoft', 'm365agentsplayground', 'cli.js');

// ---------------------------------------------------------------------------------------------------------------
// The mock tenant
// ---------------------------------------------------------------------------------------------------------------

export interface PlaygroundUser {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
  readonly userPrincipleName: string;
  readonly givenName: string;
  readonly surname: string;
  readonly email: string;
}

export interface PlaygroundTenant {
  readonly tenantId: string;
  readonly bot: { readonly id: string; readonly name: string };
  readonly currentUser: PlaygroundUser;
  readonly users: readonly PlaygroundUser[];
  readonly team: { readonly id: string; readonly name: string; readonly aadGroupId: string };
  /** General's conversation id is the team id. */
  readonly general: { readonly id: string; readonly name: 'General' };
  /** The one channel besides General. */
  readonly channel: { readonly id: string; readonly name: string };
  readonly personalChatId: string;
  readonly groupChat: { readonly id: string; readonly name: string };
}

/** The mock tenant as the playground will load it (the repository's `.m365agentsplayground.yml`). */
export function readPlaygroundTenant(file = PLAYGROUND_CONFIG_FILE): PlaygroundTenant {
  const raw = parseYaml(readFileSync(file, 'utf8')) as {
    tenantId: string;
    bot: { id: string; name: string };
    currentUser: PlaygroundUser;
    users: PlaygroundUser[];
    personalChat: { id: string };
    groupChat: { id: string; name: string };
    team: { id: string; name: string; aadGroupId: string; channels: { id: string; name: string }[] };
  };
  const channel = raw.team.channels[0];
  if (!channel) throw new Error(`${file}: the team needs a channel besides General`);
  return {
    tenantId: raw.tenantId,
    bot: raw.bot,
    currentUser: raw.currentUser,
    users: raw.users,
    team: { id: raw.team.id, name: raw.team.name, aadGroupId: raw.team.aadGroupId },
    general: { id: raw.team.id, name: 'General' },
    channel,
    personalChatId: raw.personalChat.id,
    groupChat: raw.groupChat,
  };
}

/** A free TCP port on 127.0.0.1 (free now; taken by whoever binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The playground process
// ---------------------------------------------------------------------------------------------------------------

export interface PlaygroundStartOptions {
  /** The bot's /api/messages URL. */
  readonly botEndpoint: string;
  /** @default a free port */
  readonly port?: number;
  /** Where `.m365agentsplayground.yml` is read from. @default the repository root */
  readonly cwd?: string;
  /** @default 20000 */
  readonly timeoutMs?: number;
}

export class PlaygroundProcess {
  private out = '';
  private exitCode: number | string | null | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
    private readonly logDir: string,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? signal;
        resolve();
      }),
    );
  }

  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the playground in its own process group and waits until /_debug/ping answers. */
  static async start(options: PlaygroundStartOptions): Promise<PlaygroundProcess> {
    const asked = options.port ?? (await freePort());
    const timeoutMs = options.timeoutMs ?? 20_000;
    const logDir = mkdtempSync(join(tmpdir(), 'playground-log-'));
    const logFile = join(logDir, 'm365agentsplayground.log');
    const child = spawn(process.execPath, [CLI, '-e', options.botEndpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(asked)], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TEAMSAPPTESTER_BROWSER: 'none', M365_AGENTS_PLAYGROUND_LOGFILE: logFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pg = new PlaygroundProcess(child, logFile, logDir);
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (pg.exitCode !== undefined) throw new Error(`the playground exited (${String(pg.exitCode)})`);
        if (!pg.port) {
          const m = /Listening on (\d+)/.exec(pg.out);
          if (m) pg.port = Number(m[1]);
        }
        if (pg.port && (await pingOk(`${pg.url}/_debug/ping`))) return pg;
        await sleep(100);
      }
      throw new Error(`the playground did not answer /_debug/ping within ${timeoutMs} ms`);
    } catch (err) {
      const log = pg.log();
      await pg.stop();
      throw new Error(`${(err as Error).message}\nOutput:\n${pg.out}\nLog ${logFile}:\n${log}`);
    }
  }

  output(): string {
    return this.out;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '(no log file)';
    }
  }

  /** SIGTERM to the whole process group, SIGKILL if it is still there after 3 s; removes the log. */
  async stop(): Promise<void> {
    if (this.exitCode === undefined && this.child.pid !== undefined) {
      signalGroup(this.child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const gone = await Promise.race([this.exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 3000)))]);
      clearTimeout(timer);
      if (!gone) {
        signalGroup(this.child.pid, 'SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.logDir, { recursive: true, force: true });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------------------------
// The API client: people act through HTTP, the bot's posts come back on the WebSocket
// ---------------------------------------------------------------------------------------------------------------

export interface PlaygroundMessage {
  readonly messageId: string;
  readonly timestamp: number;
  readonly from: { readonly id: string };
  readonly text?: string;
  readonly textFormat?: string;
  readonly attachments?: ReadonlyArray<{ readonly contentType: string; readonly content: unknown }>;
  /** The post (thread) this message starts, for a new post in a channel. */
  readonly postConversationId?: string;
  readonly [key: string]: unknown;
}

export interface PlaygroundFrame {
  readonly action: 'createMessage' | 'updateMessage' | string;
  /** The conversation the message is in: a channel for a new post or an update, `<channel>;messageid=…` for a reply. */
  readonly actionConversationId: string;
  readonly message: PlaygroundMessage;
  /** Position in this client's stream (0, 1, …). */
  readonly seq: number;
}

export interface PostedMessage {
  readonly messageId: string;
  /** In a channel: the new post's conversation, `<channel>;messageid=<messageId>`. */
  readonly postConversationId?: string;
  readonly timestamp: number;
}

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Cards of a message. */
export function cardsOf(message: PlaygroundMessage): unknown[] {
  return (message.attachments ?? []).filter((a) => a.contentType === ADAPTIVE_CARD).map((a) => a.content);
}

export class PlaygroundClient {
  private socket: WebSocket | undefined;
  private readonly received: PlaygroundFrame[] = [];
  private readonly waiters = new Set<() => void>();
  private connectedAt = 0;
  /** Frames from before this client connected (queued for "the next client"), ignored. */
  ignored = 0;

  constructor(
    readonly baseUrl: string,
    readonly tenant: PlaygroundTenant,
  ) {}

  /** Opens the WebSocket. Connect before acting, or the bot's answers go to whoever connects next. */
  async connect(): Promise<this> {
    this.connectedAt = Date.now();
    const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/_ws_conversation/v1/conversations/stream`);
    socket.on('message', (data) => {
      let frame: Omit<PlaygroundFrame, 'seq'>;
      try {
        frame = JSON.parse(data.toString()) as Omit<PlaygroundFrame, 'seq'>;
      } catch {
        return;
      }
      // Queued frames from before the test: their messages are older than this connection.
      if (typeof frame.message?.timestamp === 'number' && frame.message.timestamp < this.connectedAt) {
        this.ignored += 1;
        return;
      }
      this.received.push({ ...frame, seq: this.received.length });
      for (const wake of [...this.waiters]) wake();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    this.socket = socket;
    return this;
  }

  close(): void {
    this.socket?.terminate();
    this.socket = undefined;
  }

  /** Frames received so far (from `from` on). */
  frames(from = 0): PlaygroundFrame[] {
    return this.received.slice(from);
  }

  /** The position of the next frame: pass it to `waitFor` to see only what comes after. */
  mark(): number {
    return this.received.length;
  }

  /** The first frame at or after `from` that matches; waits for it. */
  async waitFor(predicate: (f: PlaygroundFrame) => boolean, from = 0, timeoutMs = 10_000): Promise<PlaygroundFrame> {
    const find = () => this.received.slice(from).find(predicate);
    const found = find();
    if (found) return found;
    return new Promise<PlaygroundFrame>((resolve, reject) => {
      const check = () => {
        const f = find();
        if (!f) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(f);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.received.slice(from).map((f) => `${f.action} in ${f.actionConversationId}: ${(f.message.text ?? JSON.stringify(f.message.attachments ?? '')).slice(0, 160)}`);
        reject(new Error(`no matching playground frame within ${timeoutMs} ms; frames since ${from}:\n${seen.join('\n') || '(none)'}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Waits until `count` frames at or after `from` match, then returns them. */
  async waitForAll(predicate: (f: PlaygroundFrame) => boolean, count: number, from = 0, timeoutMs = 10_000): Promise<PlaygroundFrame[]> {
    let matched: PlaygroundFrame[] = [];
    await this.waitFor(() => {
      matched = this.received.slice(from).filter(predicate);
      return matched.length >= count;
    }, from, timeoutMs).catch((err: Error) => {
      throw new Error(`expected ${count} matching frames, got ${matched.length}. ${err.message}`);
    });
    return matched;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed };
  }

  private async ok(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
    const res = await this.request(method, path, body);
    if (res.status !== 200) throw new Error(`playground ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** The mock tenant the playground loaded. */
  testConfig(): Promise<any> {
    return this.ok('GET', '/_internal/v1/testConfig');
  }

  /** Installs the bot in a conversation (the playground sends installationUpdate, then conversationUpdate). */
  async install(conversationId: string): Promise<void> {
    await this.ok('POST', `/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {});
  }

  /**
   * The current user (the one typing in the web UI) posts a message. In a channel it becomes a new post, and it
   * reaches the bot only with `mentionBot` (the default): the text is then prefixed with the `<at>` mention, as
   * Teams does. The playground sends every such message as its current user, whatever `from` its API is given
   * (it only checks that `from` is a member): to speak as someone else, or in another language, use `sayAs`.
   */
  async say(conversationId: string, text: string, mentionBot = true): Promise<PostedMessage> {
    const at = `<at>${this.tenant.bot.name}</at>`;
    return this.ok('POST', `/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
      text: mentionBot ? `${at} ${text}` : text,
      textFormat: 'plain',
      from: { id: this.tenant.currentUser.id },
      ...(mentionBot ? { mentions: [{ mentioned: this.tenant.bot, text: at }] } : {}),
    }) as Promise<PostedMessage>;
  }

  /**
   * Says something in a channel and waits for the bot's answers in the new post's thread. `count` answers
   * are awaited (1 by default).
   */
  async ask(channelId: string, text: string, count = 1): Promise<{ post: PostedMessage; replies: PlaygroundFrame[] }> {
    const from = this.mark();
    const post = await this.say(channelId, text);
    const thread = post.postConversationId ?? channelId;
    const replies = await this.waitForAll((f) => f.action === 'createMessage' && f.actionConversationId === thread, count, from);
    return { post, replies };
  }

  /**
   * Presses an Action.Execute button on a message: an `adaptiveCard/action` invoke. The answer is the bot's invoke
   * response as the playground returns it (`{ type, value }`, the bot's `statusCode` dropped).
   */
  invoke(
    verb: string,
    data: Record<string, unknown>,
    on: { readonly conversationId: string; readonly replyToId: string },
    fromId = this.tenant.currentUser.id,
  ): Promise<{ status: number; body: any }> {
    return this.request('POST', '/_conversation/v1/invoke', {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', verb, data } },
      from: { id: fromId },
      conversation: { id: on.conversationId },
      replyToId: on.replyToId,
    });
  }

  /** The activity the playground would send for a conversation (base for a custom activity). */
  customActivityTemplate(conversationId: string): Promise<Record<string, any>> {
    return this.ok('GET', `/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}`);
  }

  /** Sends an activity to the bot exactly as given (the playground answers 200 at once, before the bot). */
  async sendCustom(activity: Record<string, unknown>): Promise<void> {
    await this.ok('POST', '/_internal/v1/customActivities', activity);
  }

  /**
   * A message mentioning the bot from any `user` of the mock tenant, with a locale of our choosing, built like the
   * playground's own channel messages and sent as a custom activity (the playground's message API always sends
   * as the current user, with locale en-US). Send it into a thread (`<channel>;messageid=<id>`) to have the bot
   * answer there, as Teams does for a reply. The bot's answers arrive on the WebSocket as usual.
   */
  async sayAs(conversationId: string, text: string, user: PlaygroundUser, locale = 'en-US', timezone = 'Asia/Seoul'): Promise<void> {
    const base = await this.customActivityTemplate(conversationId);
    const at = `<at>${this.tenant.bot.name}</at>`;
    const channelId = conversationId.split(';')[0]!;
    await this.sendCustom({
      ...base,
      id: `custom-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
      type: 'message',
      text: `${at} ${text}`,
      textFormat: 'plain',
      locale,
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      entities: [
        { type: 'mention', mentioned: this.tenant.bot, text: at },
        { type: 'clientInfo', locale, timezone },
      ],
      channelData: {
        tenant: { id: this.tenant.tenantId },
        team: { id: this.tenant.team.id },
        channel: { id: channelId },
        teamsTeamId: this.tenant.team.id,
        teamsChannelId: channelId,
      },
    });
  }

  /** A new post in a channel that does not mention the bot: a thread for `sayAs`. Returns the thread's id. */
  async startThread(channelId: string, text: string): Promise<string> {
    const post = await this.say(channelId, text, false);
    return post.postConversationId ?? channelId;
  }

  /** `sayAs` into a thread, then waits for the bot's answer there. */
  async askAs(thread: string, text: string, user: PlaygroundUser, locale = 'en-US'): Promise<PlaygroundFrame> {
    const from = this.mark();
    await this.sayAs(thread, text, user, locale);
    return this.waitFor((f) => f.action === 'createMessage' && f.actionConversationId === thread, from);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The bot, in-process, on a port of our choosing (the playground is told the endpoint once, at start)
// ---------------------------------------------------------------------------------------------------------------

export interface InProcessBotOptions {
  readonly dbFile: string;
  readonly clock: Clock;
  /** Catalog YAML; default: the built-in catalog. */
  readonly catalogYaml?: string;
  readonly env?: Record<string, string>;
  /** Start node-cron and the delivery worker's polling. @default false (tests call runDue / drain) */
  readonly autoRun?: boolean;
}

/** The real app (createApp) with an injected clock, stoppable and restartable on the same database and port. */
export class InProcessBot {
  app!: App;
  store!: Store;
  port = 0;

  constructor(private readonly options: InProcessBotOptions) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}/api/messages`;
  }

  async start(port = this.port): Promise<this> {
    const config = parseConfig({ SOC_TIMEZONE: 'Asia/Seoul', LOG_LEVEL: 'silent', ...this.options.env });
    const catalog = this.options.catalogYaml
      ? parseCatalog(this.options.catalogYaml, { defaultTimezone: config.timezone })
      : loadCatalog({ defaultTimezone: config.timezone });
    this.store = await openStore(parseDatabaseUrl(this.options.dbFile));
    this.app = createApp({ config, catalog, store: this.store, logger: createLogger('silent'), clock: this.options.clock, autoRun: this.options.autoRun ?? false });
    this.port = await this.app.start(port, '127.0.0.1');
    return this;
  }

  async stop(): Promise<void> {
    // The playground keeps connections to the bot alive. HttpServer.stop() closes the idle ones once, when it
    // starts; one still busy with a turn then stays open for the keep-alive timeout (5 s). Close them as they idle.
    const node = (this.app.http.server as unknown as { server: { closeIdleConnections(): void } }).server;
    const sweeper = setInterval(() => node.closeIdleConnections(), 20);
    try {
      await this.app.stop();
    } finally {
      clearInterval(sweeper);
    }
    await this.store.close();
  }

  /** Stops, then starts again on the same database and port (what a redeploy does). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }
}

/** A temp directory removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------------
// `npm run playground` itself (scripts/playground.js) as a real process
// ---------------------------------------------------------------------------------------------------------------

export interface PlaygroundScript {
  readonly child: ChildProcess;
  /** The address the script printed ("Open   http://localhost:N"). */
  readonly url: string;
  readonly botPort: number;
  output(): string;
  /** SIGTERM, as Ctrl-C or a service manager would; SIGKILL after `graceMs`. Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | string | null>;
}

/**
 * Runs scripts/playground.js (dist/ must be built: npm test builds it) and waits for its "Press Ctrl-C" line.
 * `env` is the whole environment besides PATH, HOME and LANG.
 */
export async function startPlaygroundScript(env: Record<string, string>, timeoutMs = 60_000): Promise<PlaygroundScript> {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', 'playground.js')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let code: number | string | null | undefined;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (c, signal) => {
      code = c ?? signal;
      resolve(code);
    }),
  );
  const stop = async (graceMs = 15_000): Promise<number | string | null> => {
    if (code !== undefined) return code;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), graceMs)))]);
    clearTimeout(timer);
    if (result !== undefined) return result;
    child.kill('SIGKILL');
    return exited;
  };
  const deadline = Date.now() + timeoutMs;
  while (!/Press Ctrl-C/.test(out)) {
    if (code !== undefined) throw new Error(`scripts/playground.js exited (${String(code)}) before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`scripts/playground.js was not ready within ${timeoutMs} ms:\n${out}`);
    }
    await sleep(100);
  }
  const url = /Open\s+(http:\/\/\S+)/.exec(out)?.[1];
  const botPort = Number(/Bot\s+http:\/\/127\.0\.0\.1:(\d+)\//.exec(out)?.[1]);
  if (!url || !botPort) {
    await stop();
    throw new Error(`scripts/playground.js did not say where to go:\n${out}`);
  }
  return { child, url, botPort, output: () => out, stop };
}

/** True when something answers 200 at `url` (a second at most). */
export function answers(url: string): Promise<boolean> {
  return pingOk(url);
}
