/**
 * Runs the real app in-process on a real HTTP port, with a moved clock, a temp SQLite file and the fake Bot
 * Connector (standing in for Teams' cloud) as every activity's serviceUrl. Tests speak to /api/messages over
 * HTTP exactly as Teams would, and read what the bot posted from the fake connector.
 */
import { FakeClock } from './fake-clock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app';
import { loadCatalog, parseCatalog } from '../../src/catalog/catalog.loader';
import { parseConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/logger';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { listOutbox } from '../../src/storage/outbox.repository';
import { FakeBotConnector, type FakeMember, type RecordedPost } from './fake-bot-connector';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const OTHER_TENANT = '99999999-8888-7777-6666-555555555555';
export const BOT_ID = '28:soc-reminders-bot';
export const TEAM_ID = '19:general-contoso-soc@thread.tacv2';
export const CHANNELS = {
  general: { id: TEAM_ID, name: 'General' },
  monitoring: { id: '19:monitoring-channel@thread.tacv2', name: 'Monitoring' },
  secops: { id: '19:secops-channel@thread.tacv2', name: 'SecOps' },
  oversight: { id: '19:oversight-channel@thread.tacv2', name: 'SOC Oversight' },
} as const;

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
  readonly locale: string;
}

/** Teams' roster entries for `people` as members and `guests` as guests, the way TeamsInfo.getMember answers. */
export const rosterOf = (people: readonly Person[], guests: readonly Person[] = []): FakeMember[] => [
  ...people.map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId, userRole: 'user' as const })),
  ...guests.map((p) => ({ id: p.id, name: p.name, aadObjectId: p.aadObjectId, userRole: 'guest' as const })),
];

export const MINJI: Person = { id: '29:minji', name: 'Minji Kim', aadObjectId: 'aad-minji', locale: 'ko-KR' };
export const ALEX: Person = { id: '29:alex', name: 'Alex Morgan', aadObjectId: 'aad-alex', locale: 'en-US' };


export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly catalogYaml?: string;
  readonly start?: number;
  /** Reuse a database file (restart). */
  readonly dbFile?: string;
  /** A DATABASE_URL instead of a SQLite file (e.g. a PostgreSQL test database). */
  readonly databaseUrl?: string;
  readonly connector?: FakeBotConnector;
  /** The app's logger. @default silent */
  readonly logger?: Logger;
}

export class BotHarness {
  readonly clock: FakeClock;
  app!: App;
  store!: Store;
  connector!: FakeBotConnector;
  port = 0;
  dbFile!: string;
  private dir: string | undefined;
  private ownConnector = false;
  private seq = 0;

  constructor(private readonly options: HarnessOptions = {}) {
    this.clock = new FakeClock(options.start ?? Date.parse('2026-03-09T00:30:00Z'));
  }

  async start(): Promise<this> {
    if (this.options.connector) this.connector = this.options.connector;
    else {
      this.connector = new FakeBotConnector({ now: () => Date.now() });
      await this.connector.start();
      this.ownConnector = true;
      this.connector.setTeam(TEAM_ID, {
        name: 'Contoso SOC',
        // As Teams answers: General has the team's id and no name.
        channels: Object.values(CHANNELS).map((c) => (c.id === TEAM_ID ? { id: c.id } : { id: c.id, name: c.name })),
      });
    }
    if (this.options.dbFile) this.dbFile = this.options.dbFile;
    else {
      this.dir = mkdtempSync(join(tmpdir(), 'soc-harness-'));
      this.dbFile = join(this.dir, 'soc.db');
    }
    const config = parseConfig({ SOC_TIMEZONE: 'Asia/Seoul', LOG_LEVEL: 'silent', ...this.options.env });
    const catalog = this.options.catalogYaml ? parseCatalog(this.options.catalogYaml, { defaultTimezone: config.timezone }) : loadCatalog({ defaultTimezone: config.timezone });
    this.store = await openStore(parseDatabaseUrl(this.options.databaseUrl ?? this.dbFile));
    this.app = createApp({ config, catalog, store: this.store, logger: this.options.logger ?? createLogger('silent'), clock: this.clock, autoRun: false });
    this.port = await this.app.start(0, '127.0.0.1');
    return this;
  }

  /** Stops the app and closes the store; keeps the database file and the connector (for restarts). */
  async stopApp(): Promise<void> {
    await this.app.stop();
    await this.store.close();
  }

  async stop(): Promise<void> {
    await this.stopApp();
    if (this.ownConnector) await this.connector.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** POSTs a raw body to /api/messages. */
  async post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(`http://127.0.0.1:${this.port}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // keep text
    }
    return { status: res.status, body: parsed };
  }

  /** A Teams activity as Teams would send it from a channel of the Contoso SOC team. */
  activity(fields: Record<string, unknown>, where: { channel?: { id: string; name: string }; person?: Person; tenantId?: string; conversationId?: string } = {}): Record<string, unknown> {
    const channel = where.channel ?? CHANNELS.monitoring;
    const person = where.person ?? ALEX;
    const tenantId = where.tenantId ?? TENANT;
    return {
      id: `act-${++this.seq}`,
      timestamp: new Date(this.clock.now()).toISOString(),
      serviceUrl: this.connector.url,
      channelId: 'msteams',
      from: { id: person.id, name: person.name, aadObjectId: person.aadObjectId },
      recipient: { id: BOT_ID, name: 'SOC Reminders' },
      conversation: { id: where.conversationId ?? channel.id, conversationType: 'channel', isGroup: true, tenantId },
      // Teams sends the channel's id without its name (the bot asks for names): so does this harness.
      channelData: { tenant: { id: tenantId }, team: { id: TEAM_ID, name: 'Contoso SOC' }, channel: { id: channel.id } },
      locale: person.locale,
      ...fields,
    };
  }

  /** A channel message mentioning the bot, the way Teams delivers it. */
  async say(text: string, where: Parameters<BotHarness['activity']>[1] = {}): Promise<{ status: number; replies: RecordedPost[] }> {
    const before = this.connector.posts().length;
    const res = await this.post(
      this.activity(
        {
          type: 'message',
          text: `<at>SOC Reminders</at> ${text}`,
          entities: [{ type: 'mention', mentioned: { id: BOT_ID, name: 'SOC Reminders' }, text: '<at>SOC Reminders</at>' }],
        },
        where,
      ),
    );
    return { status: res.status, replies: this.connector.posts().slice(before) };
  }

  async install(): Promise<{ status: number; replies: RecordedPost[] }> {
    const before = this.connector.posts().length;
    const res = await this.post(this.activity({ type: 'installationUpdate', action: 'add' }, { channel: CHANNELS.general }));
    return { status: res.status, replies: this.connector.posts().slice(before) };
  }

  /** Presses a card button: an adaptiveCard/action invoke from the card's thread. */
  async press(verb: string, data: Record<string, unknown>, where: { conversationId: string; replyToId?: string; person?: Person; tenantId?: string }): Promise<{ status: number; body: any }> {
    return this.post({
      ...this.activity({ type: 'invoke', name: 'adaptiveCard/action', replyToId: where.replyToId, value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } }, where),
    });
  }

  /** Lets the delivery worker send everything that is due now. */
  /**
   * Sends what is due. The fake connector keeps Teams' windows in real time, while the worker plans its retries on
   * the test's clock, and a test's actions come far faster than people's: when a burst of them broke a window, the
   * connector answered 429 as Teams would, and the worker put the send off by its Retry-After. That much time then
   * passes, on both clocks, as it would for the running service, and what waited is sent. Failures a test injects
   * (failNext) are not throttling: they stay for the test to see.
   */
  async deliver(): Promise<void> {
    for (let round = 0; ; round++) {
      const throttled = this.connector.throttledCount;
      await this.app.worker.drain();
      if (this.connector.throttledCount === throttled) return;
      if (round === 3) throw new Error('deliver: Teams kept answering 429 after three Retry-After waits: the pacer is not pacing');
      const waits = (await listOutbox(this.store.db, { status: ['pending'] })).map((item) => item.nextAttemptAt - this.clock.now());
      const wait = Math.max(0, ...waits.filter((ms) => ms <= 2_000));
      await new Promise((resolve) => setTimeout(resolve, wait));
      this.clock.advance(wait);
    }
  }

  /** Text of a reply: its text or the text blocks of its card, flattened. */
  static textOf(post: RecordedPost): string {
    const texts: string[] = [];
    if (typeof post.activity.text === 'string') texts.push(post.activity.text);
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'text' || k === 'title' || k === 'value') && typeof v === 'string') texts.push(v);
          else walk(v);
        }
      }
    };
    walk(post.activity.attachments);
    return texts.join('\n').replace(/\u200B/g, '');
  }
}

/** Strings of a card JSON flattened, for assertions on what a person reads. */
export function cardText(card: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'text' || k === 'title' || k === 'value') && typeof v === 'string') texts.push(v);
        else walk(v);
      }
    }
  };
  walk(card);
  // Zero-width break opportunities in long links are invisible to a reader.
  return texts.join('\n').replace(/\u200B/g, '');
}
