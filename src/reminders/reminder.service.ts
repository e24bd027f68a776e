/**
 * The lifecycle of occurrences: creation (scheduled, caught up, on demand), the transitions people make from
 * cards, and the timers (snooze end, overdue, escalation). Every change is one transaction that updates the
 * occurrence with a guarded UPDATE, appends an event and enqueues what Teams must be told.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Activity, Catalog } from '../catalog/catalog.types';
import { OVERSIGHT_TEAM_ID } from '../catalog/catalog.types';
import { findActivity, findTeam } from '../catalog/catalog-lookup';
import type { Database } from '../storage/tables';
import { findBinding } from '../storage/binding.repository';
import {
  appendEvent,
  appendEvents,
  findNewlyOverdue,
  findOccurrence,
  findSnoozesEnded,
  findToEscalate,
  insertOccurrenceIfAbsent,
  insertOccurrencesIfAbsent,
  updateOpenOccurrence,
  type Db,
  type NewEvent,
  type NewOccurrence,
} from '../storage/occurrence.repository';
import type { Clock } from './clock';
import type { ChannelTarget, DigestRow } from './delivery.port';
import {
  AlreadyAcknowledged,
  AlreadyClosed,
  InvalidInput,
  NotInThisConversation,
  NotOnDemand,
  OccurrenceNotFound,
  TeamNotAssigned,
  UnknownActivity,
  UnknownTeam,
} from './errors';
import { SNOOZE_MINUTES, SYSTEM_ACTOR, statusOf, type Actor, type Occurrence, type OccurrenceEvent } from './occurrence.types';
import { singletonKey } from './outbox-message';
import { enqueueMessage, enqueueMessages, ROWS_PER_STATEMENT, type OutboxEntry } from './transaction';

/** Longest note or skip reason kept, in characters. */
export const MAX_NOTE_LENGTH = 500;

/** Where a card action came from, as `teams/` understands it. */
export interface ActionOrigin {
  /** True when the occurrence's card was posted in the conversation the action came from. */
  isSameConversation(postedConversationId: string): boolean;
}

export interface ReminderServiceDeps {
  readonly db: Kysely<Database>;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** Called after a transaction enqueued something, so the delivery worker need not wait for its next poll. */
  readonly onEnqueued?: () => void;
  /** Called for each occurrence this process created (metrics). */
  readonly onCreated?: (trigger: Occurrence['trigger'] | 'missed') => void;
}

/** A fire time of an activity for one tenant and team, to create (or to record as missed). */
export interface ScheduledSlot {
  readonly activity: Activity;
  readonly tenantId: string;
  readonly teamId: string;
  readonly scheduledAt: number;
  readonly trigger: 'schedule' | 'catch-up' | 'missed';
}

/** When a task started at `scheduledAt` is due, and when it escalates if unfinished (never without `escalateAfter`). */
function deadlines(activity: Activity, scheduledAt: number): Pick<NewOccurrence, 'dueAt' | 'escalateAt'> {
  const dueAt = scheduledAt + activity.dueAfterMs;
  return { dueAt, escalateAt: activity.escalateAfterMs === undefined ? undefined : dueAt + activity.escalateAfterMs };
}

/** The new occurrence row of a scheduled slot; a missed one is recorded already closed. */
function newScheduled(now: number): (slot: ScheduledSlot) => NewOccurrence {
  return ({ activity, tenantId, teamId, scheduledAt, trigger }) => ({
    id: randomUUID(),
    tenantId,
    activityId: activity.id,
    teamId,
    scheduledAt,
    ...deadlines(activity, scheduledAt),
    trigger: trigger === 'missed' ? 'schedule' : trigger,
    state: trigger === 'missed' ? 'missed' : 'open',
    createdAt: now,
    closedAt: trigger === 'missed' ? now : undefined,
  });
}

export interface TimerResult {
  readonly woke: number;
  readonly overdue: number;
  readonly escalated: number;
}

/** One tenant's digest figures, as `WorkloadService.digest` computes them. */
export interface TenantDigest {
  readonly tenantId: string;
  readonly rows: readonly DigestRow[];
}

export class ReminderService {
  private readonly activities: ReadonlyMap<string, Activity>;

  constructor(private readonly deps: ReminderServiceDeps) {
    this.activities = new Map(deps.catalog.activities.map((a) => [a.id, a]));
  }

  get catalog(): Catalog {
    return this.deps.catalog;
  }

  activity(id: string): Activity | undefined {
    return this.activities.get(id);
  }

  /**
   * Creates the occurrence of a fire time, or records it as missed. Idempotent: the unique key
   * (tenant, activity, team, scheduled time) lets exactly one of several racing callers create it.
   * Returns the occurrence when this call created it.
   */
  async createScheduled(tenantId: string, activity: Activity, teamId: string, scheduledAt: number, trigger: ScheduledSlot['trigger']): Promise<Occurrence | undefined> {
    const [created] = await this.createScheduledMany([{ activity, tenantId, teamId, scheduledAt, trigger }]);
    return created;
  }

  /**
   * `createScheduled` for many fire times, in one transaction and a few statements: a catch-up after days of
   * downtime records tens of thousands of them, and a statement or a commit each costs far more than the rows do
   * (on SQLite a commit of scattered rows rewrites many pages, and every few commits a checkpoint syncs the disk).
   * Keep `slots` to a few thousand: the transaction holds the write lock. Returns, per slot, the occurrence when
   * this call created it.
   */
  async createScheduledMany(slots: readonly ScheduledSlot[]): Promise<(Occurrence | undefined)[]> {
    if (slots.length === 0) return [];
    const now = this.deps.clock.now();
    const slotKey = (activityId: string, tenantId: string, teamId: string, scheduledAt: number) => `${activityId}|${tenantId}|${teamId}|${scheduledAt}`;
    const result = await this.transact(async (trx) => {
      const inserted: Occurrence[] = [];
      // A statement binds at most 32,766 values on SQLite: insert a few hundred rows at a time.
      for (let i = 0; i < slots.length; i += ROWS_PER_STATEMENT) {
        inserted.push(...(await insertOccurrencesIfAbsent(trx, slots.slice(i, i + ROWS_PER_STATEMENT).map(newScheduled(now)))));
      }
      // The database returns the created rows in no promised order: put them back in the slots' order.
      const byKey = new Map(inserted.map((o) => [slotKey(o.activityId, o.tenantId, o.teamId, o.scheduledAt), o]));
      const out = slots.map((slot) => {
        const key = slotKey(slot.activity.id, slot.tenantId, slot.teamId, slot.scheduledAt);
        const o = byKey.get(key);
        byKey.delete(key); // a slot listed twice was created once
        return o;
      });
      // Single across replicas: only the rows this insert returned get an event and a post, in this transaction.
      const events: NewEvent[] = [];
      const posts: OutboxEntry[] = [];
      const targets = new Map<string, ChannelTarget | undefined>();
      for (let i = 0; i < slots.length; i++) {
        const o = out[i];
        if (!o) continue;
        const { trigger } = slots[i];
        events.push({
          tenantId: o.tenantId,
          occurrenceId: o.id,
          type: trigger === 'missed' ? 'missed' : 'created',
          toStatus: statusOf(o, now),
          actor: SYSTEM_ACTOR,
          note: trigger === 'catch-up' ? 'catch-up' : undefined,
          at: now,
        });
        if (trigger === 'missed') continue;
        const teamKey = `${o.tenantId}|${o.teamId}`;
        if (!targets.has(teamKey)) targets.set(teamKey, await this.channelTarget(trx, o.tenantId, o.teamId));
        const target = targets.get(teamKey);
        if (target) posts.push({ tenantId: o.tenantId, message: { kind: 'reminder.post', occurrenceId: o.id, target }, at: now });
      }
      for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) await appendEvents(trx, events.slice(i, i + ROWS_PER_STATEMENT));
      await enqueueMessages(trx, posts);
      return out;
    });
    result.forEach((o, i) => {
      if (o) this.deps.onCreated?.(slots[i].trigger);
    });
    return result;
  }

  /**
   * Starts an on-demand activity now for all its teams, or for one. `activityRef` and `teamRef` may be ids,
   * English or Korean titles/names (case-insensitive).
   */
  async runOnDemand(tenantId: string, activityRef: string, teamRef: string | undefined, actor: Actor): Promise<{ activity: Activity; occurrences: Occurrence[] }> {
    const activity = findActivity(this.deps.catalog, activityRef);
    if (!activity) throw new UnknownActivity(activityRef);
    if (!activity.onDemand) throw new NotOnDemand(activity.id);
    let teamIds = activity.teams;
    if (teamRef !== undefined) {
      const team = findTeam(this.deps.catalog, teamRef)?.id;
      if (!team) throw new UnknownTeam(teamRef);
      if (!activity.teams.includes(team)) throw new TeamNotAssigned(activity.id, team);
      teamIds = [team];
    }
    const now = this.deps.clock.now();
    const occurrences = await this.transact(async (trx) => {
      const out: Occurrence[] = [];
      for (const teamId of teamIds) {
        const created = await insertOccurrenceIfAbsent(trx, {
          id: randomUUID(),
          tenantId,
          activityId: activity.id,
          teamId,
          scheduledAt: now,
          ...deadlines(activity, now),
          trigger: 'on-demand',
          state: 'open',
          createdAt: now,
          startedByName: actor.name,
        });
        if (!created) continue;
        await this.event(trx, created, 'created', undefined, actor, now, 'on demand');
        await this.enqueuePost(trx, created, now);
        out.push(created);
      }
      return out;
    });
    for (let i = 0; i < occurrences.length; i++) this.deps.onCreated?.('on-demand');
    return { activity, occurrences };
  }

  /** "I'm on it": claims the task. Pressing it again is harmless; someone else's claim is refused. */
  async acknowledge(tenantId: string, id: string, actor: Actor, origin: ActionOrigin): Promise<Occurrence> {
    const current = await this.forAction(tenantId, id, origin);
    if (current.acknowledgedBy?.userId === actor.userId && current.snoozedUntil === undefined) return current;
    const now = this.deps.clock.now();
    return this.transition(current, 'acknowledged', actor, now, undefined, { acknowledgedBy: actor.userId }, {
      acknowledged_at: current.acknowledgedBy?.userId === actor.userId ? current.acknowledgedAt! : now,
      ack_user_id: actor.userId,
      ack_aad_id: actor.aadObjectId ?? null,
      ack_name: actor.name,
      snoozed_until: null,
      snoozed_by_name: null,
    });
  }

  /** Marks the task done, with an optional note (e.g. the ticket link). Exactly one of racing callers wins. */
  async complete(tenantId: string, id: string, actor: Actor, note: string | undefined, origin: ActionOrigin): Promise<Occurrence> {
    const cleanNote = this.checkNote(note, false);
    return this.close(tenantId, id, actor, 'done', cleanNote, origin);
  }

  /** Puts the task aside; it comes back as a nudge in its thread when the snooze ends. */
  async snooze(tenantId: string, id: string, actor: Actor, minutes: number, origin: ActionOrigin): Promise<Occurrence> {
    if (!SNOOZE_MINUTES.includes(minutes)) throw new InvalidInput('bad-snooze', { minutes });
    const current = await this.forAction(tenantId, id, origin);
    const now = this.deps.clock.now();
    return this.transition(current, 'snoozed', actor, now, `${minutes} min`, {}, {
      snoozed_until: now + minutes * 60_000,
      snoozed_by_name: actor.name,
    });
  }

  /** Closes the task without doing it; a reason is required. */
  async skip(tenantId: string, id: string, actor: Actor, reason: string | undefined, origin: ActionOrigin): Promise<Occurrence> {
    return this.close(tenantId, id, actor, 'skipped', this.checkNote(reason, true), origin);
  }

  /** Done or skipped: final, with who, when and the note or reason. */
  private async close(tenantId: string, id: string, actor: Actor, state: 'done' | 'skipped', note: string | undefined, origin: ActionOrigin): Promise<Occurrence> {
    const current = await this.forAction(tenantId, id, origin);
    const now = this.deps.clock.now();
    return this.transition(current, state, actor, now, note, {}, {
      state,
      closed_at: now,
      closed_user_id: actor.userId,
      closed_aad_id: actor.aadObjectId ?? null,
      closed_name: actor.name,
      close_note: note ?? null,
      snoozed_until: null,
    });
  }

  /** Reads an occurrence for display (a card refresh); scoped by tenant. */
  async get(tenantId: string, id: string): Promise<Occurrence> {
    const o = await findOccurrence(this.deps.db, tenantId, id);
    if (!o) throw new OccurrenceNotFound(id);
    return o;
  }

  /** Occurrence as a card action may touch it: in this tenant, and posted in the conversation acted from. */
  async forAction(tenantId: string, id: string, origin: ActionOrigin): Promise<Occurrence> {
    const o = await this.get(tenantId, id);
    if (!o.postedConversationId || !origin.isSameConversation(o.postedConversationId)) throw new NotInThisConversation(id);
    return o;
  }

  /**
   * Runs the timers due at `now`: snoozes that ended (nudge), tasks newly overdue (card updated, nudge),
   * tasks to escalate (escalation card to SOC Oversight). Safe to run from several replicas at once, which they
   * do (every replica's heartbeat fires at the same second): each timer reads candidates, then claims each one with
   * a guarded UPDATE that re-checks the condition the candidate was read by, and enqueues only when that UPDATE
   * returned the row, in the same transaction (see `timerTransition`). So the read may be stale or shared by every
   * replica; the row count decides who acts.
   */
  async processTimers(): Promise<TimerResult> {
    const now = this.deps.clock.now();
    let woke = 0;
    let overdue = 0;
    let escalated = 0;
    for (const o of await findSnoozesEnded(this.deps.db, now)) {
      // Single: the UPDATE clears snoozed_until only while it is still <= now, so once one caller woke the task the
      // others match no row (and a snooze taken since, which ends later, is not cut short). One nudge per snooze end.
      // The key names the snooze end as the candidate was read: the claim below clears it from the row.
      const nudge = o.snoozedUntil === undefined ? undefined : singletonKey.snoozeEndNudge(o.id, o.snoozedUntil);
      const done = await this.timerTransition(o, now, 'woke', { snoozed_until: null, snoozed_by_name: null }, { snoozedUntilAtMost: now }, async (_trx, row) => [
        cardUpdate(row, now),
        { tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'snooze-ended' }, at: now, singletonKey: nudge },
      ], 'snoozed');
      if (done) woke++;
    }
    for (const o of await findNewlyOverdue(this.deps.db, now)) {
      // Single: overdue_at is set once and never cleared; the UPDATE matches only while it is still unset.
      const done = await this.timerTransition(o, now, 'overdue', { overdue_at: now }, { overdueUnset: true }, async (_trx, row) => [
        cardUpdate(row, now),
        { tenantId: row.tenantId, message: { kind: 'reminder.nudge', occurrenceId: row.id, reason: 'overdue' }, at: now, singletonKey: singletonKey.overdueNudge(o.id) },
      ]);
      if (done) overdue++;
    }
    for (const o of await findToEscalate(this.deps.db, now)) {
      // Single: escalated_at is set once and never cleared; the UPDATE matches only while it is still unset.
      const done = await this.timerTransition(o, now, 'escalated', { escalated_at: now, overdue_at: o.overdueAt ?? now }, { escalatedUnset: true }, async (trx, row) => {
        // Without a bound SOC Oversight channel there is nowhere to escalate to; the card still shows it escalated.
        const target = await this.channelTarget(trx, row.tenantId, OVERSIGHT_TEAM_ID);
        if (!target) return [cardUpdate(row, now)];
        return [cardUpdate(row, now), { tenantId: row.tenantId, message: { kind: 'escalation.post', occurrenceId: row.id, target }, at: now, singletonKey: singletonKey.escalation(o.id) }];
      });
      if (done) escalated++;
    }
    return { woke, overdue, escalated };
  }

  /**
   * Enqueues posts for open occurrences of a team that were recorded while it had no channel (called right
   * after binding). Returns how many.
   */
  async postUnposted(tenantId: string, teamId: string, occurrenceIds: readonly string[]): Promise<number> {
    const now = this.deps.clock.now();
    return this.transact(async (trx) => {
      let count = 0;
      for (const id of occurrenceIds) {
        const o = await findOccurrence(trx, tenantId, id);
        if (!o || o.state !== 'open' || o.postedActivityId || o.teamId !== teamId) continue;
        if (await this.enqueuePost(trx, o, now)) count++;
      }
      return count;
    });
  }

  /**
   * Claim, then act, for the digest of the digest time `digestAt`: runs `claim` first in one transaction and, only
   * when it wins, enqueues each tenant's digest post to its SOC Oversight channel (tenants without a bound one get
   * none). The claim and the posts commit together: of racing replicas exactly one enqueues, and a crash between
   * the two loses nothing. Each post carries the singleton key (tenant, digest, `digestAt`), so even a second winning
   * claim of the same time adds no row. Returns how many tenants got a digest, or undefined when the claim was lost.
   */
  async enqueueDigests(digestAt: number, periodStart: number, digests: readonly TenantDigest[], claim: (trx: Db) => Promise<boolean>): Promise<number | undefined> {
    const now = this.deps.clock.now();
    return this.transact(async (trx) => {
      if (!(await claim(trx))) return undefined;
      let sent = 0;
      for (const { tenantId, rows } of digests) {
        const target = await this.channelTarget(trx, tenantId, OVERSIGHT_TEAM_ID);
        if (!target) continue;
        const added = await enqueueMessage(trx, {
          tenantId,
          message: { kind: 'digest.post', target, periodStart, rows },
          at: now,
          singletonKey: singletonKey.digest(tenantId, digestAt),
        });
        if (added) sent++;
      }
      return sent;
    });
  }

  private checkNote(text: string | undefined, required: boolean): string | undefined {
    const clean = (text ?? '').replace(/\r\n?/g, '\n').trim();
    if (required && clean === '') throw new InvalidInput('reason-required');
    if (clean.length > MAX_NOTE_LENGTH) throw new InvalidInput('note-too-long', { length: clean.length, max: MAX_NOTE_LENGTH });
    return clean === '' ? undefined : clean;
  }

  private async transition(
    current: Occurrence,
    type: OccurrenceEvent['type'],
    actor: Actor,
    now: number,
    note: string | undefined,
    guard: Parameters<typeof updateOpenOccurrence>[4],
    patch: Parameters<typeof updateOpenOccurrence>[3],
  ): Promise<Occurrence> {
    const updated = await this.transact(async (trx) => {
      const row = await updateOpenOccurrence(trx, current.tenantId, current.id, patch, guard);
      if (!row) return undefined;
      await this.event(trx, row, type, statusOf(current, now), actor, now, note);
      await enqueueMessage(trx, cardUpdate(row, now));
      return row;
    });
    if (updated) return updated;
    // Lost the race or the state was wrong: say exactly why, from the row as it is now.
    const latest = await this.get(current.tenantId, current.id);
    if (latest.state !== 'open') throw new AlreadyClosed(latest.state, latest.closedBy, latest.closedAt, latest.closeNote);
    if (latest.acknowledgedBy && latest.acknowledgedBy.userId !== actor.userId) throw new AlreadyAcknowledged(latest.acknowledgedBy, latest.acknowledgedAt!);
    throw new AlreadyClosed('done', undefined, undefined, undefined);
  }

  private async timerTransition(
    o: Occurrence,
    now: number,
    type: OccurrenceEvent['type'],
    patch: Parameters<typeof updateOpenOccurrence>[3],
    guard: Parameters<typeof updateOpenOccurrence>[4],
    /** What to tell Teams once the claim is won, from the row as the claim left it. */
    messagesFor: (trx: Db, row: Occurrence) => Promise<readonly OutboxEntry[]>,
    // A snooze that has run out no longer reads as "snoozed" from the row; the caller knows better.
    from: OccurrenceEvent['fromStatus'] = statusOf(o, now),
  ): Promise<boolean> {
    // Claim, then act: the guarded UPDATE is the claim, and the event and the messages are written only when it
    // returned the row, in its transaction. The nudge and the escalation also carry a singleton key, so a claim
    // that should not have been won (a guard loosened one day) still cannot put a second one in the outbox.
    return this.transact(async (trx) => {
      const row = await updateOpenOccurrence(trx, o.tenantId, o.id, patch, guard);
      if (!row) return false;
      await this.event(trx, row, type, from, SYSTEM_ACTOR, now);
      await enqueueMessages(trx, await messagesFor(trx, row));
      return true;
    });
  }

  private async event(trx: Db, o: Occurrence, type: OccurrenceEvent['type'], fromStatus: OccurrenceEvent['fromStatus'], actor: Actor, at: number, note?: string): Promise<void> {
    await appendEvent(trx, { tenantId: o.tenantId, occurrenceId: o.id, type, fromStatus, toStatus: statusOf(o, at), actor, note, at });
  }

  private async channelTarget(trx: Db, tenantId: string, teamId: string): Promise<ChannelTarget | undefined> {
    const b = await findBinding(trx, tenantId, teamId);
    if (!b || !b.active) return undefined;
    return { tenantId, serviceUrl: b.serviceUrl, botId: b.botId, teamsTeamId: b.teamsTeamId, channelId: b.channelId };
  }

  /** Enqueues the card post when the team has an active channel; otherwise the task stays recorded only. */
  private async enqueuePost(trx: Db, o: Occurrence, now: number): Promise<boolean> {
    const target = await this.channelTarget(trx, o.tenantId, o.teamId);
    if (!target) return false;
    await enqueueMessage(trx, { tenantId: o.tenantId, message: { kind: 'reminder.post', occurrenceId: o.id, target }, at: now });
    return true;
  }

  private transact<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.deps.db
      .transaction()
      .execute(fn)
      .then((result) => {
        this.deps.onEnqueued?.();
        return result;
      });
  }
}

/**
 * The card update of a change: it renders the card as it is at send time, so it needs no singleton key (a second
 * one would change nothing people see). It only matters for a card that was posted or is queued to be.
 */
function cardUpdate(o: Occurrence, now: number): OutboxEntry {
  return { tenantId: o.tenantId, message: { kind: 'reminder.update', occurrenceId: o.id }, at: now };
}
