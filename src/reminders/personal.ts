/**
 * Reminders in a person's 1:1 chat with the bot (issue 14). The card of a task goes to the person it concerns (its
 * assignee at creation, the assignee or whoever acknowledged it when overdue, the person an escalation step names)
 * besides the channel, where the mention stands whatever happens here. The 1:1 chat is created by the poster the
 * first time (Teams refuses while the app is not installed for the person); the delivery worker records the chat,
 * or that the person cannot be reached, and such a person is tried again only after `UNREACHABLE_RETRY_MS`, so
 * nothing is retried in a loop. Every personal card is updated with the channel card (transaction.ts enqueues a
 * `personal.update` beside each `reminder.update`).
 */
import type { Catalog } from '../catalog/catalog.types';
import { findPersonalChat, findTenantEndpoint, insertPersonalPost, listUnreachablePeopleOf } from '../storage/personal.repository';
import type { Db } from '../storage/occurrence.repository';
import type { PersonalReason, PersonalRecipient } from './delivery.port';
import type { Actor, Occurrence } from './occurrence.types';
import { singletonKey } from './outbox-message';
import type { OutboxEntry } from './transaction';

/**
 * How long a person Teams would not open a chat with is left alone before the bot tries again: an admin who
 * installs the app for them is noticed within a day, and a person without it costs one refused request a day.
 * @default one day
 */
export const UNREACHABLE_RETRY_MS = 86_400_000;

/**
 * The outbox entries that bring `row`'s card to `person`'s 1:1 chat for `reason`, to be enqueued in the caller's
 * transaction (which also records the personal post, so an update enqueued before Teams answers is not lost).
 * Empty when the person was found unreachable lately, when that card was enqueued already, or when the tenant has
 * no service URL the bot knows yet (no channel bound, no installation).
 */
export async function personalEntries(trx: Db, row: Occurrence, person: PersonalRecipient, reason: PersonalReason, now: number): Promise<OutboxEntry[]> {
  if (person.aadObjectId === '') return [];
  const chat = await findPersonalChat(trx, row.tenantId, person.aadObjectId);
  if (chat?.reach === 'unreachable' && now - chat.checkedAt < UNREACHABLE_RETRY_MS) return [];
  const tenant = await findTenantEndpoint(trx, row.tenantId);
  if (!tenant) return [];
  // The chat's own service URL once Teams gave one; until then the tenant's (the poster checks either against the allow-list).
  const serviceUrl = chat?.reach === 'reachable' && chat.serviceUrl ? chat.serviceUrl : tenant.serviceUrl;
  if (!(await insertPersonalPost(trx, { tenantId: row.tenantId, occurrenceId: row.id, aadObjectId: person.aadObjectId, reason }, now))) return [];
  return [
    {
      tenantId: row.tenantId,
      message: { kind: 'personal.post', occurrenceId: row.id, person: { aadObjectId: person.aadObjectId, name: person.name }, reason, serviceUrl, botId: tenant.botId },
      at: now,
      singletonKey: singletonKey.personalPost(row.id, person.aadObjectId, reason),
    },
  ];
}

/** Whom a nudge or an escalation of `o` is about: its assignee, else whoever acknowledged it (when Teams named them). */
export function personOnTask(o: Occurrence): PersonalRecipient | undefined {
  if (o.assignee) return o.assignee;
  return recipientOf(o.acknowledgedBy);
}

function recipientOf(actor: Actor | undefined): PersonalRecipient | undefined {
  if (!actor?.aadObjectId || actor.userId === 'system') return undefined;
  return { aadObjectId: actor.aadObjectId, name: actor.name };
}

/** Someone the bot could not reach in chat, and Teams' reason. */
export interface UnreachablePerson extends PersonalRecipient {
  readonly reason: string;
  readonly since: number;
}

/** Who cannot be reached in personal chat: for `teams` (the whole tenant) and a team's workload card. */
export class PersonalReachService {
  constructor(private readonly deps: { readonly db: Db; readonly catalog: Catalog }) {}

  /** The tenant's people the bot could not reach; with `teamId`, that team's (its rotation, its open tasks' assignees). */
  async unreachable(tenantId: string, teamId?: string): Promise<UnreachablePerson[]> {
    const team = teamId === undefined ? undefined : { teamId, rotationIds: (this.deps.catalog.teams.find((x) => x.id === teamId)?.rotation ?? []).map((p) => p.id) };
    const chats = await listUnreachablePeopleOf(this.deps.db, tenantId, team);
    return chats.map((c) => ({ aadObjectId: c.aadObjectId, name: c.name, reason: c.unreachableReason ?? '', since: c.checkedAt }));
  }
}
