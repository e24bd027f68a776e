/** The bot's 1:1 chats with people (or why there is none) and the reminder cards posted in them. */
import type { Db } from './occurrence.repository';
import { reusableQuery } from './reusable-query';
import type { PersonalChatRow, PersonalPostReason, PersonalPostRow, PersonalReach } from './tables';

export type { PersonalPostReason, PersonalReach } from './tables';

/** What is known of one person's 1:1 chat with the bot in a tenant. */
export interface PersonalChat {
  readonly tenantId: string;
  readonly aadObjectId: string;
  readonly name: string;
  readonly reach: PersonalReach;
  readonly conversationId?: string;
  readonly serviceUrl?: string;
  /** Teams' error code or status, when `reach` is 'unreachable'. */
  readonly unreachableReason?: string;
  readonly checkedAt: number;
}

/** A reminder card in a person's 1:1 chat; `activityId` is unset until Teams accepted the post. */
export interface PersonalPost {
  readonly tenantId: string;
  readonly occurrenceId: string;
  readonly aadObjectId: string;
  readonly reason: PersonalPostReason;
  readonly conversationId?: string;
  readonly activityId?: string;
  readonly serviceUrl?: string;
}

function toChat(r: PersonalChatRow): PersonalChat {
  return {
    tenantId: r.tenant_id,
    aadObjectId: r.aad_object_id,
    name: r.name,
    reach: r.reach,
    conversationId: r.conversation_id ?? undefined,
    serviceUrl: r.service_url ?? undefined,
    unreachableReason: r.unreachable_reason ?? undefined,
    checkedAt: Number(r.checked_at),
  };
}

function toPost(r: PersonalPostRow): PersonalPost {
  return {
    tenantId: r.tenant_id,
    occurrenceId: r.occurrence_id,
    aadObjectId: r.aad_object_id,
    reason: r.reason,
    conversationId: r.conversation_id ?? undefined,
    activityId: r.activity_id ?? undefined,
    serviceUrl: r.service_url ?? undefined,
  };
}

export async function findPersonalChat(db: Db, tenantId: string, aadObjectId: string): Promise<PersonalChat | undefined> {
  const row = await db.selectFrom('personal_chats').selectAll().where('tenant_id', '=', tenantId).where('aad_object_id', '=', aadObjectId).executeTakeFirst();
  return row ? toChat(row) : undefined;
}

/** The people of a tenant the bot could not reach in chat, by name. */
export async function listUnreachablePeople(db: Db, tenantId: string): Promise<PersonalChat[]> {
  const rows = await db.selectFrom('personal_chats').selectAll().where('tenant_id', '=', tenantId).where('reach', '=', 'unreachable').orderBy('name').execute();
  return rows.map(toChat);
}

/** Records that Teams created (or returned) the 1:1 chat with a person. */
export async function recordReachable(db: Db, chat: { tenantId: string; aadObjectId: string; name: string; conversationId: string; serviceUrl: string }, at: number): Promise<void> {
  const values = { name: chat.name, reach: 'reachable' as const, conversation_id: chat.conversationId, service_url: chat.serviceUrl, unreachable_reason: null, checked_at: at };
  await db
    .insertInto('personal_chats')
    .values({ tenant_id: chat.tenantId, aad_object_id: chat.aadObjectId, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'aad_object_id']).doUpdateSet(values))
    .execute();
}

/** Records that Teams would not create (or no longer has) the 1:1 chat with a person, and why. */
export async function recordUnreachable(db: Db, person: { tenantId: string; aadObjectId: string; name: string }, reason: string, at: number): Promise<void> {
  const values = { name: person.name, reach: 'unreachable' as const, conversation_id: null, service_url: null, unreachable_reason: reason.slice(0, 200), checked_at: at };
  await db
    .insertInto('personal_chats')
    .values({ tenant_id: person.tenantId, aad_object_id: person.aadObjectId, ...values })
    .onConflict((oc) => oc.columns(['tenant_id', 'aad_object_id']).doUpdateSet(values))
    .execute();
}

/** Notes a personal post about to be enqueued; false when that card (occurrence, person, reason) exists already. */
export async function insertPersonalPost(db: Db, post: { tenantId: string; occurrenceId: string; aadObjectId: string; reason: PersonalPostReason }, at: number): Promise<boolean> {
  const result = await db
    .insertInto('personal_posts')
    .values({ tenant_id: post.tenantId, occurrence_id: post.occurrenceId, aad_object_id: post.aadObjectId, reason: post.reason, created_at: at })
    .onConflict((oc) => oc.columns(['occurrence_id', 'aad_object_id', 'reason']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** The personal posts of an occurrence (posted or still waiting to be), in the order they were enqueued. */
export async function listPersonalPosts(db: Db, tenantId: string, occurrenceId: string): Promise<PersonalPost[]> {
  return (await selectPersonalPosts(db, { tenantId, occurrenceId })).rows.map(toPost);
}

// Looked up with every card update (transaction.ts): compiled once.
const selectPersonalPosts = reusableQuery((db, p: { tenantId: string; occurrenceId: string }) =>
  db.selectFrom('personal_posts').selectAll().where('tenant_id', '=', p.tenantId).where('occurrence_id', '=', p.occurrenceId).orderBy('created_at'),
);

export async function findPersonalPost(db: Db, tenantId: string, occurrenceId: string, aadObjectId: string, reason: PersonalPostReason): Promise<PersonalPost | undefined> {
  const row = await db
    .selectFrom('personal_posts')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('occurrence_id', '=', occurrenceId)
    .where('aad_object_id', '=', aadObjectId)
    .where('reason', '=', reason)
    .executeTakeFirst();
  return row ? toPost(row) : undefined;
}

/** Where Teams put a personal post. */
export async function recordPersonalPosted(
  db: Db,
  post: { tenantId: string; occurrenceId: string; aadObjectId: string; reason: PersonalPostReason },
  where: { conversationId: string; activityId: string; serviceUrl: string },
  at: number,
): Promise<void> {
  await db
    .updateTable('personal_posts')
    .set({ conversation_id: where.conversationId, activity_id: where.activityId, service_url: where.serviceUrl, posted_at: at })
    .where('tenant_id', '=', post.tenantId)
    .where('occurrence_id', '=', post.occurrenceId)
    .where('aad_object_id', '=', post.aadObjectId)
    .where('reason', '=', post.reason)
    .execute();
}

/** True when a card of this occurrence was posted in this 1:1 conversation (where an action on it may come from). */
export async function isPersonalPostConversation(db: Db, tenantId: string, occurrenceId: string, conversationId: string): Promise<boolean> {
  const row = await db
    .selectFrom('personal_posts')
    .select('occurrence_id')
    .where('tenant_id', '=', tenantId)
    .where('occurrence_id', '=', occurrenceId)
    .where('conversation_id', '=', conversationId)
    .where('activity_id', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Where the bot can reach a tenant's people: the service URL and bot id of its most recently bound active channel,
 * else of its most recent active installation. Teams gives one service URL per tenant's region, so any will do.
 */
export async function findTenantEndpoint(db: Db, tenantId: string): Promise<{ serviceUrl: string; botId: string } | undefined> {
  const binding = await db
    .selectFrom('bindings')
    .select(['service_url', 'bot_id'])
    .where('tenant_id', '=', tenantId)
    .where('active', '=', 1)
    .orderBy('bound_at', 'desc')
    .executeTakeFirst();
  if (binding) return { serviceUrl: binding.service_url, botId: binding.bot_id };
  const installation = await db
    .selectFrom('installations')
    .select(['service_url', 'bot_id'])
    .where('tenant_id', '=', tenantId)
    .where('active', '=', 1)
    .orderBy('installed_at', 'desc')
    .executeTakeFirst();
  return installation ? { serviceUrl: installation.service_url, botId: installation.bot_id } : undefined;
}

/**
 * The people of a tenant the bot could not reach in chat; with `team`, only those of that SOC team: its rotation's
 * people (`rotationIds`) and the assignees of its open tasks.
 */
export async function listUnreachablePeopleOf(db: Db, tenantId: string, team?: { teamId: string; rotationIds: readonly string[] }): Promise<PersonalChat[]> {
  if (!team) return listUnreachablePeople(db, tenantId);
  const rows = await db
    .selectFrom('personal_chats')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('reach', '=', 'unreachable')
    .where((eb) => {
      const assigned = eb
        .selectFrom('occurrences')
        .select('assignee_aad_id')
        .where('tenant_id', '=', tenantId)
        .where('team_id', '=', team.teamId)
        .where('state', '=', 'open')
        .where('assignee_aad_id', 'is not', null);
      const inRotation = team.rotationIds.length > 0 ? [eb('aad_object_id', 'in', [...team.rotationIds])] : [];
      return eb.or([...inRotation, eb('aad_object_id', 'in', assigned)]);
    })
    .orderBy('name')
    .execute();
  return rows.map(toChat);
}
