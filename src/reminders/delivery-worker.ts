/**
 * Sends outbox items through the `ReminderPoster` port. Items of one conversation key go out in order (only
 * heads are claimed); a claim is a lease, so if this process dies another replica takes the item over when
 * the lease ends. Failures follow Teams' semantics: 429 waits Retry-After, transient errors back off with
 * jitter, 403 deactivates the binding, 404 forgets the conversation (for a card in a person's 1:1 chat, either
 * marks the person unreachable instead), 413 shrinks the card once, a service URL
 * off the allow-list is dead-lettered at once (nothing was sent); after the last attempt an item is
 * dead-lettered, never dropped. Rows are read through `decodeOutboxMessage`: one that does not decode (written by
 * another version, or edited by hand) is dead-lettered at once with the reason, and holds up nothing else.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { deactivateBindings, deactivateBindingsWithServiceUrl, findBinding } from '../storage/binding.repository';
import type { Database } from '../storage/tables';
import { OVERSIGHT_TEAM_ID } from '../catalog/catalog.types';
import { claimEscalationCard, findEscalationCard, listEscalationCards, recordEscalationCardPosted, type EscalationCardKey } from '../storage/escalation-card.repository';
import { findOccurrenceById, listRunOccurrences, recordPosted } from '../storage/occurrence.repository';
import { findPersonalChat, findPersonalPost, recordPersonalPosted, recordReachable, recordUnreachable } from '../storage/personal.repository';
import { claimDue, lastSendActivity, markDead, markManySent, markRetry, markSent, releaseClaim, type OutboxItem } from '../storage/outbox.repository';
import type { Clock } from './clock';
import type { Pacer, Reservation } from './pacer';
import { DeliveryFailure, type Delivery, type EscalationCardDelivery, type ReminderPoster } from './delivery.port';
import { statusOf, SYSTEM_ACTOR } from './occurrence.types';
import { decodeOutboxMessage, encodeOutboxMessage, type OutboxMessage } from './outbox-message';
import { SentMarks } from './sent-marks';
import { recordEvent } from './transaction';

export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Counters the worker reports to metrics, by the row's kind as stored (an undecodable row's too). */
export interface DeliveryObserver {
  sent?(kind: string): void;
  failed?(kind: string, code: string): void;
  deadLettered?(kind: string, code: string): void;
  throttled?(): void;
}

export interface DeliveryWorkerOptions {
  readonly db: Kysely<Database>;
  readonly poster: ReminderPoster;
  readonly clock: Clock;
  readonly logger: DeliveryLogger;
  readonly observer?: DeliveryObserver;
  /** Attempts before an item is dead-lettered. @default 8 */
  readonly maxAttempts?: number;
  /** How long a claim is held before another replica may take it. @default 60000 */
  readonly leaseMs?: number;
  /** Poll interval when idle. @default 500 */
  readonly pollMs?: number;
  /** Items claimed at once. @default 32 */
  readonly batchSize?: number;
  /**
   * Items the running worker delivers at once (most of them waiting for the pacer's budget). It claims more as
   * they finish instead of waiting for a whole batch, so one tenant's wait does not hold up the others. Room for
   * 16 tenants at their per-tenant share (256 left the fifth tenant of a fan-out waiting: 6.6 s instead of 4.4 s
   * for 5 × 200 posts). @default 1024
   */
  readonly maxInFlight?: number;
  /**
   * Of those, about this many of one tenant: a tenant at it is left out of the next claims (one claim may take it
   * up to `batchSize` over). @default 64
   */
  readonly maxInFlightPerTenant?: number;
  /** First backoff step; doubles per attempt, with jitter, capped at 5 minutes. @default 1000 */
  readonly backoffBaseMs?: number;
  /** Keeps sends under Teams' rate limits (see pacer.ts). */
  readonly pacer?: Pick<Pacer, 'reserve' | 'burstWindowMs' | 'holdUntil'>;
  /** A wait for the pacer longer than this gives the item back instead of holding it. @default 3000 */
  readonly maxInlineWaitMs?: number;
  /** Random source for jitter (tests pin it). */
  readonly random?: () => number;
}

/** How soon the running worker claims again after deliveries finish (they finish one by one: claim in groups). */
const REFILL_MS = 200;

/** What became of one item. */
export type Outcome = 'sent' | 'retry' | 'dead' | 'released';

export class DeliveryWorker {
  readonly owner = `worker-${randomUUID()}`;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private stopping = false;
  /** The claim the polling loop is making, if any. */
  private polling: Promise<void> | undefined;
  /** Deliveries the polling loop started and that have not finished, and how many items of each tenant they hold. */
  private readonly active = new Set<Promise<void>>();
  private readonly activeByTenant = new Map<string, number>();
  /** Outbox ids those deliveries hold: never claimed again while held, even when their lease ran out. */
  private readonly inFlightIds = new Set<number>();
  /**
   * Tenants claimed in this round: left out of the next claims until one finds nothing, so each tenant with work
   * gets a claim in turn. Ids follow creation, and a fan-out creates one tenant's posts after another's: claiming
   * by id alone kept refilling the first tenant while the fifth waited (its first post 0.45 s after the first's,
   * and up to 3.6 s on a loaded machine).
   */
  private readonly claimedThisRound = new Set<string>();
  private kicked = false;
  /** "Sent" of the deliveries that record nothing else, a group per commit (see sent-marks.ts). */
  private readonly sentMarks = new SentMarks((ids) => markManySent(this.opts.db, ids, this.owner, this.opts.clock.now()));

  constructor(private readonly opts: DeliveryWorkerOptions) {}

  start(): void {
    this.stopping = false;
    void this.waitOutRecentSends().finally(() => this.schedule(0));
  }

  /**
   * Teams counts what the previous process sent in its last seconds (it may have died a moment ago, mid-burst), and
   * this one's pacer starts empty: when the outbox shows a send in the pacer's burst window, or a delivery still
   * leased by another process, hold the first sends until that window has passed. Costs at most a couple of seconds
   * at start, only after such activity; another replica's sends are covered by the 1/replicas share anyway.
   */
  private async waitOutRecentSends(): Promise<void> {
    const { pacer, db, clock, logger } = this.opts;
    const windowMs = pacer?.burstWindowMs ?? 0;
    if (!pacer || windowMs === 0) return;
    try {
      const now = clock.now();
      const last = await lastSendActivity(db, this.owner, now, windowMs);
      if (last === undefined) return;
      const holdMs = last + windowMs - now;
      if (holdMs <= 0) return;
      pacer.holdUntil(Date.now() + holdMs);
      logger.info({ holdMs }, 'holding the first sends: the outbox shows sends by another process within Teams\' rate windows');
    } catch (err) {
      // Without the answer the worker starts as before; Teams' 429 (honoured) is the backstop.
      logger.warn({ err }, 'could not read recent sends before starting delivery');
    }
  }

  /** Stops polling and waits for the deliveries in flight (items still waiting for the pacer are given back). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    await Promise.all([...this.active]);
  }

  /** Asks for a poll soon (something was just enqueued). */
  kick(): void {
    this.pollWithin(0);
  }

  /** Makes the next poll of the running worker happen within `ms` (at once after the poll in flight, if any). */
  private pollWithin(ms: number): void {
    if (this.stopping) return;
    if (!this.timer) {
      // A poll is in flight (or the worker is not running): it polls again as soon as it is done.
      this.kicked = true;
      return;
    }
    if (this.timerDue <= Date.now() + ms) return;
    clearTimeout(this.timer);
    this.schedule(ms);
  }

  /** Processes claimable items until none is left that is due now. For tests and the CLI. */
  async drain(maxRounds = 1000): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < maxRounds; i++) {
      const batch = await this.processBatch();
      if (batch.length === 0) break;
      outcomes.push(...batch);
    }
    return outcomes;
  }

  /** Claims one batch and delivers it: conversations in parallel, each conversation's items in order. */
  async processBatch(): Promise<Outcome[]> {
    const { db, clock } = this.opts;
    const items = await claimDue(db, this.owner, clock.now(), this.opts.leaseMs ?? 60_000, this.opts.batchSize ?? 32);
    if (items.length === 0) return [];
    const byKey = new Map<string, OutboxItem[]>();
    for (const item of items) byKey.set(item.conversationKey, [...(byKey.get(item.conversationKey) ?? []), item]);
    const results = await Promise.all(
      [...byKey.values()].map(async (list) => {
        const out: Outcome[] = [];
        for (const item of list) out.push(await this.deliverOne(item));
        return out;
      }),
    );
    return results.flat();
  }

  private schedule(ms: number): void {
    if (this.stopping) return;
    this.timerDue = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kicked = false;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
      });
    }, ms);
    this.timer.unref?.();
  }

  /**
   * One round of the running worker: claims what there is room for and starts delivering it without waiting for
   * it to finish (unlike `processBatch`, where the slowest item — often one waiting a second for its tenant's
   * budget — holds up the next claim, and with it every other tenant). Finished deliveries make room and kick.
   */
  private async poll(): Promise<void> {
    const { db, clock } = this.opts;
    const room = (this.opts.maxInFlight ?? 1024) - this.active.size;
    let claimed = 0;
    try {
      if (room > 0) {
        const perTenant = this.opts.maxInFlightPerTenant ?? 64;
        const busy = [...this.activeByTenant].filter(([, n]) => n >= perTenant).map(([tenantId]) => tenantId);
        const claim = (exclude: readonly string[]) =>
          claimDue(db, this.owner, clock.now(), this.opts.leaseMs ?? 60_000, Math.min(room, this.opts.batchSize ?? 32), exclude, [...this.inFlightIds]);
        let items = await claim([...new Set([...busy, ...this.claimedThisRound])]);
        if (items.length === 0 && this.claimedThisRound.size > 0) {
          // Every tenant with work has had its turn: the next round starts.
          this.claimedThisRound.clear();
          items = await claim(busy);
        }
        for (const item of items) this.claimedThisRound.add(item.tenantId);
        claimed = items.length;
        const byKey = new Map<string, OutboxItem[]>();
        for (const item of items) byKey.set(item.conversationKey, [...(byKey.get(item.conversationKey) ?? []), item]);
        for (const list of byKey.values()) this.track(list);
      }
    } catch (err) {
      this.opts.logger.error({ err }, 'delivery claim failed');
      this.schedule(this.opts.pollMs ?? 500);
      return;
    }
    // Claim again at once while there is work and room; otherwise wait for a finished delivery, a kick or the poll.
    const more = (claimed > 0 && this.active.size < (this.opts.maxInFlight ?? 1024)) || this.kicked;
    this.schedule(more ? 0 : (this.opts.pollMs ?? 500));
  }

  /** Delivers one conversation's claimed items in order, in the background, counting them against their tenant. */
  private track(items: readonly OutboxItem[]): void {
    const count = (tenantId: string, delta: number) => {
      const n = (this.activeByTenant.get(tenantId) ?? 0) + delta;
      if (n > 0) this.activeByTenant.set(tenantId, n);
      else this.activeByTenant.delete(tenantId);
    };
    for (const item of items) {
      count(item.tenantId, 1);
      this.inFlightIds.add(item.id);
    }
    const run = (async () => {
      for (const item of items) {
        try {
          await this.deliverOne(item);
        } catch (err) {
          // deliverOne records its own failures; this is the database failing underneath it. The lease ends it.
          this.opts.logger.error({ err, outboxId: item.id }, 'delivery failed');
        } finally {
          count(item.tenantId, -1);
          this.inFlightIds.delete(item.id);
        }
      }
    })().finally(() => {
      this.active.delete(run);
      // Room was made (and the conversation's next item may now be claimed): claim soon, but not once per item.
      this.pollWithin(REFILL_MS);
    });
    this.active.add(run);
  }

  private async deliverOne(item: OutboxItem): Promise<Outcome> {
    const { db, clock, observer } = this.opts;
    if (this.stopping) {
      await releaseClaim(db, item.id, this.owner, clock.now(), clock.now());
      return 'released';
    }
    let message: OutboxMessage | undefined;
    let delivery: Delivery | undefined;
    try {
      message = decode(item);
      delivery = await this.toDelivery(message, item.createdAt);
      if (!delivery) {
        // Nothing to do any more (an update of a card that was never posted): done, not failed.
        await this.sentMarks.mark(item.id);
        return 'sent';
      }
      const reservation = await this.pace(item, delivery);
      if (!reservation) return 'released';
      let posted: Awaited<ReturnType<ReminderPoster['deliver']>>;
      try {
        posted = await this.opts.poster.deliver(delivery);
        reservation.answered();
      } catch (err) {
        settle(reservation, err);
        throw err;
      }
      if (isRedraw(delivery)) {
        // Sent again after a crash, an update changes nothing people see: its "sent" waits for the next group.
        await this.sentMarks.mark(item.id);
        observer?.sent?.(item.kind);
        return 'sent';
      }
      await db.transaction().execute(async (trx) => {
        if (posted && delivery!.kind === 'escalation.post') {
          const { card } = delivery!;
          await recordEscalationCardPosted(trx, { tenantId: item.tenantId, activityId: card.activityId, scheduledAt: card.scheduledAt, teamId: card.teamId }, { ...posted, serviceUrl: delivery!.target.serviceUrl });
        }
        if (posted && delivery!.kind === 'reminder.post') {
          const now = clock.now();
          const row = await recordPosted(trx, delivery!.occurrence.id, now, { ...posted, serviceUrl: delivery!.target.serviceUrl });
          // "Posted" is an event of the audit trail, written with the commit that Teams accepted the post: only
          // the first post of an occurrence records it (a retried post finds `posted_activity_id` set and no row).
          if (row) await recordEvent(trx, row, 'posted', statusOf(delivery!.occurrence, now), SYSTEM_ACTOR, now);
        }
        if (posted && delivery!.kind === 'personal.post') {
          // The chat as Teams created (or returned) it: later cards to this person go straight to it.
          const { personal, occurrence, reason } = delivery!;
          const now = clock.now();
          await recordReachable(trx, { tenantId: occurrence.tenantId, aadObjectId: personal.person.aadObjectId, name: personal.person.name, conversationId: posted.conversationId, serviceUrl: personal.serviceUrl }, now);
          await recordPersonalPosted(trx, { tenantId: occurrence.tenantId, occurrenceId: occurrence.id, aadObjectId: personal.person.aadObjectId, reason }, { ...posted, serviceUrl: personal.serviceUrl }, now);
        }
        await markSent(trx, item.id, this.owner, clock.now());
      });
      observer?.sent?.(item.kind);
      return 'sent';
    } catch (err) {
      return this.handleFailure(item, message, delivery, err);
    }
  }

  /**
   * Waits for the pacer's budget. Short waits are held (the claim is a lease of a minute); a long one gives the
   * item back with its next attempt at the time the budget allows. Returns undefined when it was given back.
   */
  private async pace(item: OutboxItem, delivery: Delivery): Promise<Reservation | undefined> {
    const { pacer } = this.opts;
    if (!pacer) return { wait: 0, answered: () => undefined, release: () => undefined, throttled: () => undefined };
    const thread = this.opts.poster.threadOf(delivery);
    const started = Date.now();
    // Waiters of one tenant compete for each freed slot, so a wait can repeat: bound the total by half the lease.
    const giveUpAfter = (this.opts.leaseMs ?? 60_000) / 2;
    for (;;) {
      const reservation = pacer.reserve(item.tenantId, thread);
      if (reservation.wait === 0) return reservation;
      if (this.stopping || reservation.wait > (this.opts.maxInlineWaitMs ?? 3000) || Date.now() - started + reservation.wait > giveUpAfter) {
        const now = this.opts.clock.now();
        await releaseClaim(this.opts.db, item.id, this.owner, now, now + reservation.wait);
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, reservation.wait));
    }
  }

  private async handleFailure(item: OutboxItem, message: OutboxMessage | undefined, delivery: Delivery | undefined, err: unknown): Promise<Outcome> {
    const { db, clock, logger, observer } = this.opts;
    const now = clock.now();
    const failure = err instanceof DeliveryFailure ? err : new DeliveryFailure('transient', err instanceof Error ? err.message : String(err));
    const code = failure.code ?? String(failure.status ?? failure.kind);
    const errorText = `${failure.kind}${failure.status ? ` ${failure.status}` : ''}${failure.code ? ` ${failure.code}` : ''}: ${failure.message}`.slice(0, 1000);
    observer?.failed?.(item.kind, code);
    const maxAttempts = this.opts.maxAttempts ?? 8;
    const dead = async (why: string) => {
      await markDead(db, item.id, this.owner, now, why);
      observer?.deadLettered?.(item.kind, code);
      logger.error({ outboxId: item.id, kind: item.kind, tenantId: item.tenantId, error: why }, 'delivery dead-lettered');
      return 'dead' as const;
    };
    if (delivery?.kind === 'personal.post' || delivery?.kind === 'personal.update') {
      // UserNotFound: the Agents Playground's answer for a person it has no 1:1 chat with (a 500, else retried).
      if (failure.kind === 'forbidden' || failure.kind === 'gone' || failure.code === 'UserNotFound') {
        // Teams would not open (or no longer has) the 1:1 chat: the app is not installed for the person, or they
        // removed it. Their channel mention stands; the person is marked unreachable, so `teams` and the workload
        // say so and no card is tried for them again until UNREACHABLE_RETRY_MS has passed. No binding is touched.
        const { person } = delivery.personal;
        const reason = failure.code ?? (failure.kind === 'gone' ? 'ConversationNotFound' : 'Forbidden');
        await recordUnreachable(db, { tenantId: item.tenantId, aadObjectId: person.aadObjectId, name: person.name }, reason, now);
        logger.warn({ outboxId: item.id, tenantId: item.tenantId, aadObjectId: person.aadObjectId, code: failure.code }, 'Teams refused a 1:1 chat; person marked unreachable');
        return dead(errorText);
      }
    }
    switch (failure.kind) {
      case 'throttled': {
        observer?.throttled?.();
        if (item.attempts >= maxAttempts) return dead(errorText);
        const wait = failure.retryAfterMs ?? this.backoff(item.attempts);
        await markRetry(db, item.id, this.owner, now, now + wait, errorText);
        return 'retry';
      }
      case 'transient': {
        if (item.attempts >= maxAttempts) return dead(errorText);
        await markRetry(db, item.id, this.owner, now, now + this.backoff(item.attempts), errorText);
        logger.warn({ outboxId: item.id, kind: item.kind, attempt: item.attempts, error: errorText }, 'delivery failed; will retry');
        return 'retry';
      }
      case 'forbidden':
      case 'gone': {
        // 403 (bot removed, blocked, disabled by admin) or 404 (conversation deleted): retrying cannot help, and
        // the channel is unusable until someone binds again, so `teams` and the workload must say so.
        const target = delivery && 'target' in delivery ? delivery.target : undefined;
        const channelId = target?.channelId ?? (await this.channelOf(item));
        const reason = failure.code ?? (failure.kind === 'gone' ? 'ConversationNotFound' : 'Forbidden');
        if (channelId) await deactivateBindings(db, item.tenantId, { channelId }, reason);
        logger.error({ outboxId: item.id, tenantId: item.tenantId, channelId, code: failure.code }, 'Teams refused this channel; binding made inactive');
        return dead(errorText);
      }
      case 'untrusted-service-url': {
        // Dead at once (the poster sent nothing). Bindings still holding that URL are made inactive, so `teams`
        // says so and new tasks wait unposted until someone binds the channel again from Teams (a fresh, trusted
        // URL); a binding since refreshed to a trusted URL is left alone.
        const serviceUrl = delivery ? serviceUrlOf(delivery) : undefined;
        const n = serviceUrl ? await deactivateBindingsWithServiceUrl(db, item.tenantId, serviceUrl, 'UntrustedServiceUrl') : 0;
        logger.error({ outboxId: item.id, tenantId: item.tenantId, bindingsDeactivated: n, error: failure.message }, 'refused to send to an untrusted service URL');
        return dead(errorText);
      }
      case 'too-large': {
        // Only the poster says 413, so the row did decode; a second 413 of the shrunk card is final.
        if (!message || message.shrink) return dead(errorText);
        await markRetry(db, item.id, this.owner, now, now, errorText, encodeOutboxMessage({ ...message, shrink: true }).payload);
        return 'retry';
      }
      default:
        return dead(errorText);
    }
  }

  /** The channel an occurrence item concerns (its team's binding), for deactivation on 403/404. */
  private async channelOf(item: OutboxItem): Promise<string | undefined> {
    if (!item.occurrenceId) return undefined;
    const o = await findOccurrenceById(this.opts.db, item.occurrenceId);
    if (!o) return undefined;
    return (await findBinding(this.opts.db, item.tenantId, o.teamId))?.channelId;
  }

  private backoff(attempt: number): number {
    const base = this.opts.backoffBaseMs ?? 1000;
    const exp = Math.min(300_000, base * 2 ** Math.max(0, attempt - 1));
    const random = this.opts.random ?? Math.random;
    return Math.round(exp / 2 + random() * (exp / 2));
  }

  /** An escalation card as it is now: every team's occurrence of the run, and whom the chain could not tell. */
  private async escalationCard(key: EscalationCardKey): Promise<EscalationCardDelivery> {
    const { db } = this.opts;
    const cards = await listEscalationCards(db, key.tenantId, key.activityId, key.scheduledAt);
    const row = cards.find((c) => c.teamId === key.teamId);
    const tasks = await listRunOccurrences(db, key.tenantId, key.activityId, key.scheduledAt);
    return {
      activityId: key.activityId,
      scheduledAt: key.scheduledAt,
      teamId: key.teamId,
      tasks,
      neverToldTeamIds: cards.filter((c) => c.noChannel).map((c) => c.teamId),
      ...(row?.postedConversationId && row.postedActivityId && { postedConversationId: row.postedConversationId, postedActivityId: row.postedActivityId }),
    };
  }

  /** What to hand the poster for a message, with its occurrence as it is now; undefined when nothing is left to do. */
  private async toDelivery(m: OutboxMessage, enqueuedAt: number): Promise<Delivery | undefined> {
    if (m.kind === 'digest.post') return { kind: 'digest.post', target: m.target, periodStart: m.periodStart, rows: m.rows };
    if (m.kind === 'binding.moved') {
      const { kind, target, socTeamId, movedByName, toChannelName, toTeamsTeamName } = m;
      return { kind, target, socTeamId, movedByName, toChannelName, toTeamsTeamName };
    }
    const occurrence = await findOccurrenceById(this.opts.db, m.occurrenceId);
    if (!occurrence) throw new DeliveryFailure('permanent', `occurrence ${m.occurrenceId} not found`);
    const shrink = m.shrink === true;
    switch (m.kind) {
      case 'reminder.post':
        // Posted already (a lease ran out after Teams accepted the post): don't post twice.
        if (occurrence.postedActivityId) return undefined;
        return { kind: 'reminder.post', occurrence, target: m.target, shrink };
      case 'reminder.update':
        return occurrence.postedActivityId ? { kind: 'reminder.update', occurrence, shrink } : undefined;
      case 'reminder.nudge':
        return occurrence.postedActivityId ? { kind: 'reminder.nudge', occurrence, reason: m.reason, ...(m.person && { person: m.person }) } : undefined;
      case 'escalation.post': {
        // A row written before cards were per task names no card: it is SOC Oversight's card of this run.
        const ref = m.card ?? { activityId: occurrence.activityId, scheduledAt: occurrence.scheduledAt, teamId: OVERSIGHT_TEAM_ID };
        const key = { tenantId: occurrence.tenantId, ...ref };
        if (!m.card) await claimEscalationCard(this.opts.db, key, this.opts.clock.now());
        const card = await findEscalationCard(this.opts.db, key);
        // Posted already (a lease ran out after Teams accepted the post): don't post twice.
        if (!card || card.postedActivityId) return undefined;
        return { kind: 'escalation.post', occurrence, target: m.target, card: await this.escalationCard(key) };
      }
      case 'escalation.update': {
        const card = await this.escalationCard({ tenantId: occurrence.tenantId, ...m.card });
        // A card whose post has not gone out (or never will): the post shows the latest state anyway.
        return card.postedActivityId ? { kind: 'escalation.update', occurrence, target: m.target, card } : undefined;
      }
      case 'personal.post': {
        // A closed task pings nobody; a person found unreachable since this was enqueued is not tried again.
        if (occurrence.state !== 'open') return undefined;
        const post = await findPersonalPost(this.opts.db, occurrence.tenantId, occurrence.id, m.person.aadObjectId, m.reason);
        if (post?.activityId) return undefined;
        const chat = await findPersonalChat(this.opts.db, occurrence.tenantId, m.person.aadObjectId);
        if (chat?.reach === 'unreachable' && chat.checkedAt >= enqueuedAt) return undefined;
        const known = chat?.reach === 'reachable' ? chat : undefined;
        const personal = { tenantId: occurrence.tenantId, serviceUrl: known?.serviceUrl ?? m.serviceUrl, botId: m.botId, person: m.person, conversationId: known?.conversationId };
        return { kind: 'personal.post', occurrence, personal, reason: m.reason, shrink };
      }
      case 'personal.update': {
        const post = await findPersonalPost(this.opts.db, occurrence.tenantId, occurrence.id, m.aadObjectId, m.reason);
        if (!post?.activityId || !post.conversationId || !post.serviceUrl) return undefined;
        const chat = await findPersonalChat(this.opts.db, occurrence.tenantId, m.aadObjectId);
        const person = { aadObjectId: m.aadObjectId, name: chat?.name ?? m.aadObjectId };
        return { kind: 'personal.update', occurrence, personal: { tenantId: occurrence.tenantId, serviceUrl: post.serviceUrl, person, conversationId: post.conversationId }, activityId: post.activityId, shrink };
      }
      default:
        return unhandled(m);
    }
  }
}

/** A delivery that redraws a card already in Teams: sending it twice shows the same card. */
function isRedraw(d: Delivery): boolean {
  return d.kind === 'reminder.update' || d.kind === 'escalation.update' || d.kind === 'personal.update';
}

/** The row's message, or a permanent failure that says why it is not one (the worker dead-letters it). */
function decode(item: OutboxItem): OutboxMessage {
  const decoded = decodeOutboxMessage(item);
  if (!decoded.ok) throw new DeliveryFailure('permanent', `outbox item ${item.id} does not decode: ${decoded.reason}`);
  return decoded.message;
}

/**
 * Tells the pacer how a send ended: a 429 holds its thread and tenant for Retry-After; a send refused before any
 * request left (a service URL off the allow-list) is given back; anything else may have reached Teams and stays counted.
 */
function settle(reservation: Reservation, err: unknown): void {
  if (err instanceof DeliveryFailure && err.kind === 'throttled') reservation.throttled(err.retryAfterMs);
  else if (err instanceof DeliveryFailure && err.kind === 'untrusted-service-url') reservation.release();
  else reservation.answered();
}

/** The `default` of an exhaustive switch: a kind added to `OutboxMessage` without a case fails to compile here. */
function unhandled(m: never): never {
  throw new Error(`unhandled outbox message ${JSON.stringify(m)}`);
}

/** The service URL a delivery is sent to: its target's (new posts), or where its card was posted (updates, nudges). */
function serviceUrlOf(d: Delivery): string | undefined {
  if ('target' in d) return d.target.serviceUrl;
  if ('personal' in d) return d.personal.serviceUrl;
  return d.occurrence.postedServiceUrl;
}
