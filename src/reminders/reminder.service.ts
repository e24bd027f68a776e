/**
 * The domain's entry points for what happens to occurrences, as `app.ts`, `teams/`, the scheduler, the bindings
 * and the digest call them. It holds the dependencies and nothing else: each method is one call into the file that
 * owns the role, and that file is the one to read.
 *
 *   occurrence-creation.ts  fire times (on time, caught up, missed) and on-demand runs
 *   card-actions.ts         "I'm on it", "Done", "Snooze", "Skip", and what a card may read
 *   assignment.ts           rotations, and Take it / Reassign / Hand over
 *   timers.ts               snooze ends, overdue, escalation
 *   backlog.ts              the posts of tasks recorded while their team had no channel
 *   digest.ts               the weekly digest's posts, behind its claim
 *   transaction.ts          what every change is written with (transaction, event, outbox entries)
 *   outbox-message.ts       what the outbox carries
 */
import type { Activity, Catalog, Person } from '../catalog/catalog.types';
import { listOpenOccurrences, type Db } from '../storage/occurrence.repository';
import { assignTask, changeRotation, rotationOf, type AssignRequest, type RotationView } from './assignment';
import { postUnposted } from './backlog';
import { acknowledge, complete, getOccurrence, getOccurrenceForAction, skip, snooze, type ActionOrigin } from './card-actions';
import { enqueueDigests, type TenantDigest } from './digest';
import { createScheduledOccurrences, recordMissedRuns, runOnDemand, type CreationDeps, type MissedRunSlot, type OnDemandResult, type RunOptions, type ScheduledSlot } from './occurrence-creation';
import type { Actor, Occurrence } from './occurrence.types';
import { processTimers, type TimerResult } from './timers';

export type ReminderServiceDeps = CreationDeps;

export class ReminderService {
  private readonly activities: ReadonlyMap<string, Activity>;

  constructor(private readonly deps: ReminderServiceDeps) {
    this.activities = new Map(deps.catalog.activities.map((a) => [a.id, a]));
  }

  get catalog(): Catalog {
    return this.deps.catalog;
  }

  /** The activity with this id (ids only; `runOnDemand` also takes names). */
  activity(id: string): Activity | undefined {
    return this.activities.get(id);
  }

  /**
   * Creates the occurrence of a fire time. Idempotent: the unique key
   * (tenant, activity, team, scheduled time) lets exactly one of several racing callers create it.
   * Returns the occurrence when this call created it.
   */
  async createScheduled(tenantId: string, activity: Activity, teamId: string, scheduledAt: number, trigger: ScheduledSlot['trigger']): Promise<Occurrence | undefined> {
    const [created] = await this.createScheduledMany([{ activity, tenantId, teamId, scheduledAt, trigger }]);
    return created;
  }

  /** `createScheduled` for many fire times in one transaction (see `createScheduledOccurrences`). */
  createScheduledMany(slots: readonly ScheduledSlot[]): Promise<(Occurrence | undefined)[]> {
    return createScheduledOccurrences(this.deps, slots);
  }

  /** Records runs of missed fire times, one row and one event each, behind the caller's claim (see `recordMissedRuns`). */
  recordMissedRuns(runs: readonly MissedRunSlot[], claim: (trx: Db) => Promise<boolean>): Promise<{ runs: number; fireTimes: number } | undefined> {
    return recordMissedRuns(this.deps, runs, claim);
  }

  /** Starts an on-demand activity now for all its teams, or for one (ids, English or Korean names); see `runOnDemand`. */
  runOnDemand(tenantId: string, activityRef: string, teamRef: string | undefined, actor: Actor, options?: RunOptions): Promise<OnDemandResult> {
    return runOnDemand(this.deps, tenantId, activityRef, teamRef, actor, options);
  }

  acknowledge(tenantId: string, id: string, actor: Actor, origin: ActionOrigin): Promise<Occurrence> {
    return acknowledge(this.deps, tenantId, id, actor, origin);
  }

  /**
   * Done, with the optional note and the card's evidence inputs, checked against what the occurrence's activity
   * asks for (an activity gone from the catalog asks for nothing).
   */
  async complete(tenantId: string, id: string, actor: Actor, note: string | undefined, origin: ActionOrigin, evidence?: Readonly<Record<string, unknown>>): Promise<Occurrence> {
    // Where the press came from is checked first: a card copied elsewhere is told so, not asked for evidence.
    const current = await getOccurrenceForAction(this.deps.db, tenantId, id, origin, actor);
    // A closed task asks for nothing: the press is answered "already done by …", not "fill in the ticket".
    const fields = current.state === 'open' ? (this.activities.get(current.activityId)?.evidence ?? []) : [];
    return complete(this.deps, tenantId, id, actor, { note, evidence }, fields, origin);
  }

  snooze(tenantId: string, id: string, actor: Actor, minutes: number, origin: ActionOrigin): Promise<Occurrence> {
    return snooze(this.deps, tenantId, id, actor, minutes, origin);
  }

  skip(tenantId: string, id: string, actor: Actor, reason: string | undefined, origin: ActionOrigin): Promise<Occurrence> {
    return skip(this.deps, tenantId, id, actor, reason, origin);
  }

  /** Take it, Reassign or Hand over (see `assignTask`). */
  assign(tenantId: string, id: string, actor: Actor, request: AssignRequest, origin: ActionOrigin): Promise<Occurrence> {
    return assignTask(this.deps, tenantId, id, actor, request, origin);
  }

  /** The rotation in force for a team (ids, English or Korean names): set from chat, else the catalog's. */
  rotation(tenantId: string, teamRef: string): Promise<RotationView> {
    return rotationOf(this.deps.db, this.deps.catalog, tenantId, teamRef);
  }

  /** `rotation set` (members) or `rotation reset` (undefined: the catalog's), recorded with who and when. */
  changeRotation(tenantId: string, teamRef: string, members: readonly Person[] | undefined, actor: Actor): Promise<{ before: RotationView; after: RotationView }> {
    return changeRotation(this.deps, tenantId, teamRef, members, actor);
  }

  /** A person's open tasks: assigned to them, or acknowledged by them; most urgent first. */
  openTasksOf(tenantId: string, person: Pick<Actor, 'userId' | 'aadObjectId'>): Promise<Occurrence[]> {
    return listOpenOccurrences(this.deps.db, tenantId, { person });
  }

  /** Reads an occurrence for display (a card refresh); scoped by tenant. */
  get(tenantId: string, id: string): Promise<Occurrence> {
    return getOccurrence(this.deps.db, tenantId, id);
  }

  /** Occurrence as a card action may touch it: in this tenant, and posted in the conversation acted from. */
  forAction(tenantId: string, id: string, origin: ActionOrigin, actor?: Actor): Promise<Occurrence> {
    return getOccurrenceForAction(this.deps.db, tenantId, id, origin, actor);
  }

  /** Runs the timers due now: snooze ends, tasks newly overdue, escalations. Safe on every replica at once. */
  processTimers(): Promise<TimerResult> {
    return processTimers(this.deps);
  }

  /** Enqueues the posts of a team's tasks recorded while it had no channel (right after binding). Returns how many. */
  postUnposted(tenantId: string, teamId: string, occurrenceIds: readonly string[]): Promise<number> {
    return postUnposted(this.deps, tenantId, teamId, occurrenceIds);
  }

  /** Claims the digest time `digestAt` and, when won, enqueues each tenant's digest (see `enqueueDigests`). */
  enqueueDigests(digestAt: number, periodStart: number, digests: readonly TenantDigest[], claim: (trx: Db) => Promise<boolean>): Promise<number | undefined> {
    return enqueueDigests(this.deps, digestAt, periodStart, digests, claim);
  }
}
