/**
 * The JSON API of the workload, for the tab and for integrations: `/api/workload`, `/api/teams`, `/api/catalog`.
 * Handlers translate HTTP to calls on the domain and back, with no logic of their own. Every route asks `auth`
 * first (`api-auth.ts`); the tenant of a token (or of the display) is the only one it may read, whatever
 * `?tenant=` says. The tab reads these answers as `src/tab/api.ts` types them.
 */
import type { Request, Response, Server } from 'restify';
import type { Catalog } from '../catalog/catalog.types';
import type { BindingService } from '../reminders/binding.service';
import type { WorkloadService } from '../reminders/workload';
import { sendAuthFailure, type ApiAuth } from './api-auth';

export interface WorkloadApiDeps {
  readonly catalog: Catalog;
  readonly workload: Pick<WorkloadService, 'forTeam'>;
  readonly bindings: Pick<BindingService, 'listTeams'>;
  /** The tenants the bot has seen, for a local-mode request that names none. */
  readonly knownTenants: () => Promise<readonly string[]>;
  /** The tenant read when none is named and the bot knows no single one. */
  readonly homeTenantId: string;
  readonly auth: ApiAuth;
}

export function registerWorkloadApi(server: Server, deps: WorkloadApiDeps): void {
  const { catalog, workload, bindings, auth } = deps;

  /** Which tenant an API request reads: `?tenant=`, else the only known one, else the home tenant. */
  const tenantFor = async (req: Request): Promise<string> => {
    const q = (req.query ?? {}) as Record<string, unknown>;
    if (typeof q.tenant === 'string' && q.tenant) return q.tenant;
    const known = await deps.knownTenants();
    return known.length === 1 ? known[0] : deps.homeTenantId;
  };

  server.get('/api/workload', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    const team = (req.query as Record<string, unknown> | undefined)?.team;
    if (typeof team !== 'string' || !catalog.teams.some((t) => t.id === team)) {
      res.status(400);
      res.json({ error: { code: 'BadRequest', message: `team must be one of: ${catalog.teams.map((t) => t.id).join(', ')}` } });
      return;
    }
    const tenantId = who.tenantId ?? (await tenantFor(req));
    const w = await workload.forTeam(tenantId, team);
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
      team: { id: team, name: catalog.teams.find((t) => t.id === team)!.name },
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
      missedRuns: w.missedRuns.map((r) => ({ activityId: r.activityId, first: iso(r.firstAt), last: iso(r.lastAt), count: r.count })),
    });
  });

  server.get('/api/teams', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    const tenantId = who.tenantId ?? (await tenantFor(req));
    const teams = await bindings.listTeams(tenantId);
    res.json({
      tenantId,
      teams: teams.map(({ team: t, binding: b }) => ({
        id: t.id,
        name: t.name,
        name_ko: t.name_ko,
        binding: b ? { channelId: b.channelId, channelName: b.channelName ?? null, active: b.active, inactiveReason: b.inactiveReason ?? null, boundAt: new Date(b.boundAt).toISOString() } : null,
      })),
    });
  });

  // What the tab needs to name activities and teams in both languages.
  server.get('/api/catalog', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    res.header('Cache-Control', 'no-cache');
    res.json({
      timezone: catalog.timezone,
      teams: catalog.teams.map((t) => ({ id: t.id, name: t.name, name_ko: t.name_ko })),
      activities: catalog.activities.map((a) => ({
        id: a.id,
        title: a.title,
        title_ko: a.title_ko,
        cadence: a.cadence,
        cadence_ko: a.cadence_ko,
        teams: a.teams,
        onDemand: a.onDemand,
      })),
    });
  });
}
