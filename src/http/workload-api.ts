/**
 * The JSON API of the workload, for the tab and for integrations: `/api/workload`, `/api/my-tasks`, `/api/teams`,
 * `/api/catalog`.
 * Handlers translate HTTP to calls on the domain and back, with no logic of their own. Every route asks `auth`
 * first (`api-auth.ts`); the tenant of a token (or of the display) is the only one it may read, whatever
 * `?tenant=` says. The tab reads these answers as `src/tab/api.ts` types them.
 */
import type { Request, Response, Server } from 'restify';
import type { Catalog } from '../catalog/catalog.types';
import type { BindingService } from '../reminders/binding.service';
import type { WorkloadService } from '../reminders/workload';
import type { WorkloadItem } from '../reminders/workload.types';
import { messageLink } from '../teams/teams-poster';
import { sendAuthFailure, type ApiAuth, type ApiAuthResult } from './api-auth';

export interface WorkloadApiDeps {
  readonly catalog: Catalog;
  readonly workload: Pick<WorkloadService, 'forTeam' | 'myTasks'>;
  readonly bindings: Pick<BindingService, 'listTeams'>;
  /** The tenants the bot has seen, for a local-mode request that names none. */
  readonly knownTenants: () => Promise<readonly string[]>;
  /** The tenant read when none is named and the bot knows no single one. */
  readonly homeTenantId: string;
  readonly auth: ApiAuth;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A person as the API writes one: name and Entra object id (null when Teams gave none). */
const personJson = (p: { name: string; aadObjectId?: string } | undefined) => (p ? { name: p.name, aadObjectId: p.aadObjectId ?? null } : null);

/** An open task as `/api/workload` and `/api/my-tasks` write it. */
function itemJson(i: WorkloadItem) {
  return {
    occurrenceId: i.occurrenceId,
    activityId: i.activityId,
    status: i.status,
    scheduledAt: iso(i.scheduledAt),
    dueAt: iso(i.dueAt),
    overdue: i.overdue,
    assignee: personJson(i.assignee),
    acknowledgedBy: personJson(i.acknowledgedBy),
    snoozedUntil: iso(i.snoozedUntil),
  };
}

/**
 * Why a request that was let in still has no "my": the wall display and local mode are nobody, and a token
 * without `oid` names no one. Else the person and tenant the token names.
 */
function personOf(who: Extract<ApiAuthResult, { ok: true }>): { tenantId: string; aadObjectId: string } | { code: string; message: string } {
  if (who.access === 'display') return { code: 'NoPerson', message: 'The display token reads team workloads; it belongs to no person, so it has no tasks of its own. Open My tasks in Teams.' };
  if (who.access === 'local') return { code: 'NoPerson', message: 'Local mode signs nobody in, so there is no "my": My tasks needs the Teams SSO token of a person (set MicrosoftAppId).' };
  if (!who.tenantId || !who.userId) return { code: 'NoPerson', message: 'The token names no person (no oid claim).' };
  // Object ids are stored lower-case (Teams sends them so; the catalog's rotations are lower-cased on load).
  return { tenantId: who.tenantId, aadObjectId: who.userId.toLowerCase() };
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
    res.json({
      team: { id: team, name: catalog.teams.find((t) => t.id === team)!.name },
      tenantId,
      at: iso(w.at),
      open: w.open.map(itemJson),
      overdue: w.overdue.map(itemJson),
      snoozed: w.snoozed.map(itemJson),
      people: w.people.map((p) => ({ name: p.name, aadObjectId: p.aadObjectId ?? null, open: p.open, overdue: p.overdue })),
      unassigned: w.unassigned,
      unposted: w.unposted,
      doneLast7Days: w.doneLast7Days,
      doneLast30Days: w.doneLast30Days,
      upcoming: w.upcoming.map((u) => ({ activityId: u.activityId, at: iso(u.at), created: u.created })),
      stats: { ...w.stats, completionRate: w.stats.completionRate ?? null, medianTimeToDoneMs: w.stats.medianTimeToDoneMs ?? null },
      weekly: w.weekly.map((x) => ({ weekStart: iso(x.weekStart), due: x.due, doneOnTime: x.doneOnTime })),
      missedRuns: w.missedRuns.map((r) => ({ activityId: r.activityId, first: iso(r.firstAt), last: iso(r.lastAt), count: r.count })),
    });
  });

  // The signed-in person's open tasks across the SOC teams of their tenant: who they are comes from the SSO token
  // only (there is no parameter to name someone else), and the tenant from the same token.
  server.get('/api/my-tasks', async (req: Request, res: Response) => {
    const who = await auth(req);
    if (!who.ok) return sendAuthFailure(res, who);
    const person = personOf(who);
    if ('code' in person) {
      res.status(403);
      res.json({ error: person });
      return;
    }
    const { at, tasks } = await workload.myTasks(person.tenantId, person.aadObjectId);
    const teams = new Map(catalog.teams.map((t) => [t.id, t]));
    const activities = new Map(catalog.activities.map((a) => [a.id, a]));
    res.header('Cache-Control', 'no-store');
    res.json({
      tenantId: person.tenantId,
      aadObjectId: person.aadObjectId,
      at: iso(at),
      tasks: tasks.map((t) => {
        const team = teams.get(t.teamId);
        const activity = activities.get(t.activityId);
        return {
          ...itemJson(t),
          relation: t.relation,
          title: activity?.title ?? t.activityId,
          title_ko: activity?.title_ko ?? activity?.title ?? t.activityId,
          team: { id: t.teamId, name: team?.name ?? t.teamId, name_ko: team?.name_ko ?? team?.name ?? t.teamId },
          link: t.postedConversationId && t.postedActivityId ? messageLink(t.postedConversationId, t.postedActivityId, person.tenantId) : null,
        };
      }),
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
