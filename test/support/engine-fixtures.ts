/**
 * The reminder engine wired for tests: a real SQLite file per test, a clock the test moves, and the scheduler,
 * reminder service and workload service over them. Nothing here sleeps or starts node-cron: tests call
 * `scheduler.runDue()` and `service.processTimers()` themselves after moving the clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCatalog } from '../../src/catalog/catalog.loader';
import type { Catalog } from '../../src/catalog/catalog.types';
import type { Clock } from '../../src/reminders/clock';
import type { Actor } from '../../src/reminders/occurrence.types';
import type { ActionOrigin } from '../../src/reminders/reminder.service';
import { ReminderService } from '../../src/reminders/reminder.service';
import { Scheduler, type SchedulerLogger } from '../../src/reminders/scheduler';
import { WorkloadService } from '../../src/reminders/workload';
import { upsertBinding } from '../../src/storage/binding.repository';
import { openStore, parseDatabaseUrl, type Store } from '../../src/storage/database';
import { recordPosted, type Db } from '../../src/storage/occurrence.repository';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The tenant that owns occurrences while no tenant is known. */
export const HOME_TENANT = 'tenant-home';
/** The conversation in which `simulatePost` says the card went, and which `SAME_CONVERSATION` accepts. */
export const CONVERSATION = 'conv-1';

/** A clock that only moves when the test moves it. */
export class FakeClock implements Clock {
  private at: number;

  /** @param start epoch ms or an ISO instant such as `2026-03-02T00:00:00Z`. */
  constructor(start: number | string) {
    this.at = toMs(start);
  }

  now(): number {
    return this.at;
  }

  set(at: number | string): void {
    this.at = toMs(at);
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

/** `2026-03-02T09:00:00Z` → epoch ms, throwing on a typo instead of returning NaN. */
export function ms(iso: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`not an instant: ${iso}`);
  return t;
}

function toMs(at: number | string): number {
  return typeof at === 'number' ? at : ms(at);
}

export interface TempStore {
  readonly store: Store;
  /** The SQLite file, for opening a second connection to the same database. */
  readonly path: string;
  /** Opens another connection to the same file (closed by `cleanup`), as a second replica would. */
  openAnother(): Promise<Store>;
  /** Closes every connection and deletes the file. */
  cleanup(): Promise<void>;
}

/** A fresh, migrated SQLite database in its own temporary directory. */
export async function openTempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-reminders-test-'));
  const path = join(dir, 'test.db');
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await openStore(parseDatabaseUrl(path));
    stores.push(s);
    return s;
  };
  const store = await open();
  return {
    store,
    path,
    openAnother: open,
    cleanup: async () => {
      for (const s of stores.splice(0)) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Parses catalog YAML; the default time zone (used when the YAML names none) is Asia/Seoul. */
export function makeCatalog(yaml: string, defaultTimezone = 'Asia/Seoul'): Catalog {
  return parseCatalog(yaml, { defaultTimezone, source: 'test' });
}

/** A scheduler logger that keeps what it was told, so tests can assert on warnings without printing them. */
export class CollectingLogger implements SchedulerLogger {
  readonly infos: { obj: object; msg: string }[] = [];
  readonly warnings: { obj: object; msg: string }[] = [];
  readonly errors: { obj: object; msg: string }[] = [];

  info(obj: object, msg: string): void {
    this.infos.push({ obj, msg });
  }

  warn(obj: object, msg: string): void {
    this.warnings.push({ obj, msg });
  }

  error(obj: object, msg: string): void {
    this.errors.push({ obj, msg });
  }
}

export interface EngineOptions {
  readonly store: Store;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** The catch-up window (SOC_CATCHUP) in ms. @default 24 h */
  readonly catchup?: number;
  /** @default HOME_TENANT */
  readonly homeTenantId?: string;
}

export interface Engine {
  readonly service: ReminderService;
  readonly scheduler: Scheduler;
  readonly workload: WorkloadService;
  readonly logger: CollectingLogger;
}

/** The reminder service, scheduler and workload service over one store, as `app.ts` wires them. */
export function makeEngine(options: EngineOptions): Engine {
  const { store, catalog, clock } = options;
  const logger = new CollectingLogger();
  const service = new ReminderService({ db: store.db, catalog, clock });
  const scheduler = new Scheduler({
    service,
    catalog,
    clock,
    db: store.db,
    catchupMs: options.catchup ?? DAY,
    homeTenantId: options.homeTenantId ?? HOME_TENANT,
    logger,
  });
  const workload = new WorkloadService({ db: store.db, catalog, clock });
  return { service, scheduler, workload, logger };
}

/** A Teams user as an activity names them. */
export function actor(name: string): Actor {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return { userId: `29:${slug}`, aadObjectId: `aad-${slug}`, name };
}

/** The origin of a card action from `CONVERSATION`. */
export const SAME_CONVERSATION: ActionOrigin = { isSameConversation: (c) => c === CONVERSATION };
/** The origin of a card action from some other conversation. */
export const OTHER_CONVERSATION: ActionOrigin = { isSameConversation: (c) => c === 'conv-elsewhere' };

/** What the delivery worker records after posting the card, so that card actions on it are accepted. */
export async function simulatePost(db: Db, occurrenceId: string, at: number, conversationId = CONVERSATION): Promise<void> {
  const posted = await recordPosted(db, occurrenceId, at, { conversationId, activityId: `msg-${occurrenceId}`, serviceUrl: 'https://smba.example/emea/' });
  if (!posted) throw new Error(`occurrence ${occurrenceId} was already posted or does not exist`);
}

/** Binds a SOC team to a channel in a tenant, as `bind` in Teams would. */
export async function bindTeam(db: Db, tenantId: string, socTeamId: string, at: number): Promise<void> {
  await upsertBinding(db, {
    tenantId,
    socTeamId,
    teamsTeamId: `team-of-${socTeamId}`,
    channelId: `19:${socTeamId}@thread.tacv2`,
    channelName: socTeamId,
    serviceUrl: 'https://smba.example/emea/',
    botId: 'bot-id',
    boundAt: at,
    boundByName: 'Setup',
  });
}
