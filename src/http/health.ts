/**
 * Health, split the way an orchestrator asks:
 * - `GET /livez`: the process and its event loop answer. Never touches the database: a database outage must not
 *   make an orchestrator restart every replica (which would not bring the database back, and would lose the work
 *   in flight).
 * - `GET /readyz`: ready to take traffic: the database is reachable and looks writable, and the store was not lost
 *   (its SQLite file deleted or replaced). 503 with the reason otherwise.
 * - `GET /healthz`: the summary for people (version, scheduler, catalog, outbox) with the store's fault in it; 503
 *   whenever the store cannot take writes.
 * No answer carries a connection string or a secret: the store's health speaks of the file or the server, not of
 * how it is reached.
 */
import type { Request, Response, Server } from 'restify';
import type { Catalog } from '../catalog/catalog.types';
import { catalogSummary } from '../catalog/catalog.loader';
import type { Logger } from '../logger';
import type { Clock } from '../reminders/clock';
import type { Scheduler } from '../reminders/scheduler';
import type { Store } from '../storage/database';
import { outboxDepth } from '../storage/outbox.repository';
import { errorMessage, type StoreHealth } from '../storage/store-faults';

export interface HealthDeps {
  readonly store: Pick<Store, 'db' | 'dialect' | 'health'>;
  readonly scheduler: Pick<Scheduler, 'nextFireTime' | 'isRunning' | 'lastRun' | 'hasCaughtUp'>;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly version: string;
  readonly mode: 'local' | 'authenticated';
  readonly logger: Logger;
}

/** One readiness condition; /readyz is 200 when every one is ok. */
interface CheckResult {
  readonly ok: boolean;
  readonly [detail: string]: unknown;
}

export function registerHealthRoutes(server: Server, deps: HealthDeps): void {
  const { store, logger } = deps;
  const started = Date.now();
  let lastState: StoreHealth['state'] = 'ok';

  /** The store's health, logged when it changes (probes come every few seconds: not a line each). */
  const databaseCheck = async (): Promise<StoreHealth & { readonly dialect: string }> => {
    let health: StoreHealth;
    try {
      health = await store.health();
    } catch (err) {
      health = { ok: false, state: 'unreachable', code: 'HEALTH_CHECK_FAILED', reason: errorMessage(err) };
    }
    if (health.state !== lastState) {
      if (health.ok) logger.info({ previous: lastState }, 'store healthy again');
      else logger.error({ state: health.state, code: health.code, reason: health.reason }, 'store cannot take writes');
      lastState = health.state;
    }
    return { dialect: store.dialect, ...health };
  };

  const asJson = (h: StoreHealth & { readonly dialect: string }) => ({
    ok: h.ok,
    dialect: h.dialect,
    state: h.state,
    ...(h.code ? { code: h.code } : {}),
    ...(h.reason ? { reason: h.reason } : {}),
    ...(h.since !== undefined ? { since: new Date(h.since).toISOString() } : {}),
  });

  server.get('/livez', async (_req: Request, res: Response) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round((Date.now() - started) / 1000) });
  });

  server.get('/readyz', async (_req: Request, res: Response) => {
    const checks: Record<string, CheckResult> = { database: asJson(await databaseCheck()) };
    // Not ready while catching up with what was due during downtime: a second replica takes the traffic meanwhile,
    // and a rolling deploy waits. (A process whose scheduler is not started at all — tests, tools — has no check.)
    if (deps.scheduler.isRunning) checks.scheduler = deps.scheduler.hasCaughtUp ? { ok: true, state: 'running' } : { ok: false, state: 'catching-up', reason: 'recording what was due while the bot was down' };
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503);
    res.json({ status: ready ? 'ready' : 'not-ready', checks });
  });

  server.get('/healthz', async (_req: Request, res: Response) => {
    const database = await databaseCheck();
    let outbox: Awaited<ReturnType<typeof outboxDepth>> | undefined;
    if (database.state !== 'unreachable') {
      try {
        outbox = await outboxDepth(store.db);
      } catch (err) {
        logger.warn({ err }, 'health check: could not read the outbox');
      }
    }
    const { scheduler, catalog, clock } = deps;
    const next = scheduler.nextFireTime();
    const now = clock.now();
    res.status(database.ok ? 200 : 503);
    res.json({
      status: database.ok ? 'ok' : 'degraded',
      version: deps.version,
      mode: deps.mode,
      database: asJson(database),
      scheduler: { running: scheduler.isRunning, caughtUp: scheduler.hasCaughtUp, lastRun: scheduler.lastRun ? new Date(scheduler.lastRun).toISOString() : null },
      catalog: { summary: catalogSummary(catalog), activities: catalog.activities.length, teams: catalog.teams.length, timezone: catalog.timezone },
      nextFire: next ? { activityId: next.activityId, at: new Date(next.at).toISOString() } : null,
      outbox: outbox
        ? { pending: outbox.pending, deadLettered: outbox.dead, oldestPendingAgeSeconds: outbox.oldestPendingAt === undefined ? 0 : Math.round((now - outbox.oldestPendingAt) / 1000) }
        : null,
    });
  });
}
