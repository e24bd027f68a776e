import type { Kysely, Migration } from 'kysely';

/**
 * Reminders in personal chat (issue 14).
 * - `personal_chats`: per tenant and person (Entra object id), the bot's 1:1 conversation with them as Teams created
 *   it (conversation id, service URL), or that it could not be created (`reach` = 'unreachable', Teams' reason and
 *   when), so a person the app is not installed for is tried again only after a while, never in a loop, and
 *   `teams` / the workload can say who cannot be reached in chat.
 * - `personal_posts`: the reminder cards posted to a person's 1:1 chat, per occurrence, person and reason (the post
 *   at creation, the overdue nudge), so each is updated with the channel card. `activity_id` is null until Teams
 *   accepted the post; a row is written when the post is enqueued, so an update enqueued meanwhile is not lost.
 */
export function migration20261202PersonalChats(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('personal_chats')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('aad_object_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('reach', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text')
        .addColumn('service_url', 'text')
        .addColumn('unreachable_reason', 'text')
        .addColumn('checked_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('personal_chats_pk', ['tenant_id', 'aad_object_id'])
        .execute();
      await db.schema
        .createTable('personal_posts')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('occurrence_id', 'text', (c) => c.notNull())
        .addColumn('aad_object_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text')
        .addColumn('activity_id', 'text')
        .addColumn('service_url', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('posted_at', 'bigint')
        .addPrimaryKeyConstraint('personal_posts_pk', ['occurrence_id', 'aad_object_id', 'reason'])
        .execute();
      // Where an action from a 1:1 chat may come from: the posts of one occurrence in one conversation.
      await db.schema.createIndex('personal_posts_conversation').on('personal_posts').columns(['tenant_id', 'conversation_id']).execute();
    },
  };
}
