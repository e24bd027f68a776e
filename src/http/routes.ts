/**
 * HTTP routes: the Bot Framework endpoint, health, and the JSON API of the workload (for the tab and
 * integrations). Handlers translate HTTP to calls on the app and back; no logic of their own.
 */
import type { Request, Response } from 'restify';
import type { App } from '../app';
import type { Logger } from '../logger';
import { listBindings } from '../storage/binding.repository';
import { listTenants } from '../storage/scheduler-state.repository';
import { processBotRequest } from '../teams/adapter';
import { registerHealthRoutes } from './health';
import { createJsonBodyReader } from './json-body';
import { registerMetricsRoute } from './metrics';
import { createTabAuth, registerTabRoutes, sendAuthFailure } from './tab';

export function registerRoutes(app: App, logger: Logger): void {
  const server = app.http.server;
  // Uncompressed UTF-8 JSON only, bounded in size and shape (see json-body.ts); no restify bodyParser anywhere.
  const bodies = createJsonBodyReader({}, (err) => logger.debug({ status: err.status, code: err.code, reason: err.message }, 'refused request body'));

  server.post('/api/messages', async (req: Request, res: Response) => {
    await bodies.handle(req, res, async (body) => {
      const answer = await processBotRequest(app.adapter, { body, headers: req.headers }, (ctx) => app.bot.onTurn(ctx), logger);
      res.status(answer.status);
      if (answer.body !== undefined) res.json(answer.body);
      else res.end();
    });
  });

  registerMetricsRoute(server, app.metrics, { open: app.config.localMode, token: app.config.metricsToken });

  registerHealthRoutes(server, {
    store: app.store,
    scheduler: app.scheduler,
    catalog: app.catalog,
    clock: app.clock,
    version: app.version,
    mode: app.config.localMode ? 'local' : 'authenticated',
    logger,
  });

  /** Which tenant an API request reads: `?tenant=`, else the only known one, else the home tenant. */
  const tenantFor = async (req: Request): Promise<string> => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    if (typeof q.tenant === 'string' && q.tenant) return q.tenant;
    const known = await listTenants(app.store.db);
    return known.length === 1 ? known[0].tenantId : app.config.homeTenantId;
  };

  // Outside local mode the API needs the tab's Teams SSO token, or the wall display's DISPLAY_TOKEN; the token's
  // tenant (the display's: the home tenant) is the only one it may read, whatever `?tenant=` says.
  const auth = createTabAuth(app.config, { logger });

  server.get('/api/workload', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    const team = (req.query as Record<string, unknown> | undefined)?.team;
    if (typeof team !== 'string' || !app.catalog.teams.some((t) => t.id === team)) {
      res.status(400);
      res.json({ error: { code: 'BadRequest', message: `team must be one of: ${app.catalog.teams.map((t) => t.id).join(', ')}` } });
      return;
    }
    const tenantId = who.tenantId ?? (await tenantFor(req));
    const w = await app.workload.forTeam(tenantId, team);
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    const item = (i: (typeof w.open)[number]) => ({
      occurrenceId: i.occurrenceId,
      activityId: i.activityId,
      status: i.status,
      scheduledAt: iso(i.scheduledAt),
      dueAt: iso(i.dueAt),
      acknowledgedBy: i.acknowledgedBy ? { name: i.acknowledgedBy.name, aadObjectId: i.acknowledgedBy.aadObjectId ?? null } : null,
      snoozedUntil: iso(i.snoozedUntil),
    });
    res.json({
      team: { id: team, name: app.catalog.teams.find((t) => t.id === team)!.name },
      tenantId,
      at: iso(w.at),
      open: w.open.map(item),
      overdue: w.overdue.map(item),
      snoozed: w.snoozed.map(item),
      unposted: w.unposted,
      doneLast7Days: w.doneLast7Days,
      doneLast30Days: w.doneLast30Days,
      upcoming: w.upcoming.map((u) => ({ activityId: u.activityId, at: iso(u.at), created: u.created })),
      stats: { ...w.stats, completionRate: w.stats.completionRate ?? null, medianTimeToDoneMs: w.stats.medianTimeToDoneMs ?? null },
      weekly: w.weekly.map((x) => ({ weekStart: iso(x.weekStart), due: x.due, doneOnTime: x.doneOnTime })),
    });
  });

  server.get('/api/teams', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    const tenantId = who.tenantId ?? (await tenantFor(req));
    const bindings = new Map((await listBindings(app.store.db, tenantId)).map((b) => [b.socTeamId, b]));
    res.json({
      tenantId,
      teams: app.catalog.teams.map((t) => {
        const b = bindings.get(t.id);
        return {
          id: t.id,
          name: t.name,
          name_ko: t.name_ko,
          binding: b ? { channelId: b.channelId, channelName: b.channelName ?? null, active: b.active, inactiveReason: b.inactiveReason ?? null, boundAt: new Date(b.boundAt).toISOString() } : null,
        };
      }),
    });
  });

  registerTabRoutes(app, { auth });
}
