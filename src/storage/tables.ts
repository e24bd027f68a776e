/**
 * Kysely table types. Times are epoch milliseconds (`bigint` in PostgreSQL, INTEGER in SQLite), booleans are
 * 0/1 integers: both dialects compare and sort them the same way, so no query needs a dialect branch.
 * Enumerated text columns carry the union of the layer that owns it (the domain's, or the outbox status, which is
 * storage's), so rows map to domain objects without casts.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { OccurrenceEventType, OccurrenceState, OccurrenceStatus, OccurrenceTrigger } from '../reminders/occurrence.types';
import type { OutboxKind } from '../reminders/outbox-message';
import type { PersonalReason } from '../reminders/delivery.port';

/** Where an outbox row is: waiting, leased to a worker, delivered, or given up on (dead-lettered). */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

export interface TenantsTable {
  tenant_id: string;
  first_seen_at: number;
}

export interface OccurrencesTable {
  id: string;
  tenant_id: string;
  activity_id: string;
  team_id: string;
  scheduled_at: number;
  due_at: number;
  escalate_at: number | null;
  trigger: OccurrenceTrigger;
  state: OccurrenceState;
  created_at: number;
  posted_at: number | null;
  acknowledged_at: number | null;
  ack_user_id: string | null;
  ack_aad_id: string | null;
  ack_name: string | null;
  snoozed_until: number | null;
  snoozed_by_name: string | null;
  overdue_at: number | null;
  escalated_at: number | null;
  closed_at: number | null;
  closed_user_id: string | null;
  closed_aad_id: string | null;
  closed_name: string | null;
  close_note: string | null;
  /** JSON of the evidence Done recorded (`reminders/evidence.ts`); null: none. */
  close_evidence: ColumnType<string | null, string | null | undefined, string | null>;
  started_by_name: string | null;
  moved_from_at: number | null;
  moved_reason: string | null;
  moved_reason_ko: string | null;
  /** A missed run's last fire time (`scheduled_at` is its first); null: a single fire time (rows before runs). */
  missed_last_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** How many fire times a missed run holds; null: one. */
  missed_count: ColumnType<number | null, number | null | undefined, number | null>;
  posted_conversation_id: string | null;
  posted_activity_id: string | null;
  posted_service_url: string | null;
  /** The person the task is assigned to (Entra object id and name); null: the team as a whole. */
  assignee_aad_id: ColumnType<string | null, string | null | undefined, string | null>;
  assignee_name: ColumnType<string | null, string | null | undefined, string | null>;
  assigned_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** Nudge times of the activity behind the task (sent, or passed over in a snooze or quiet hours). */
  nudges_sent: ColumnType<number, number | undefined, number>;
  /** When the next nudge is due; null: none left, or the task is not overdue yet. */
  next_nudge_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** Steps of the escalation chain taken; `escalate_at` is the next one's time. */
  escalation_step: ColumnType<number, number | undefined, number>;
}

export interface OccurrenceEventsTable {
  id: Generated<number>;
  tenant_id: string;
  occurrence_id: string;
  type: OccurrenceEventType;
  from_status: OccurrenceStatus | null;
  to_status: OccurrenceStatus;
  actor_user_id: string;
  actor_aad_id: string | null;
  actor_name: string;
  note: string | null;
  /** JSON of the evidence recorded with a `done` event (`reminders/evidence.ts`); null: none. */
  evidence: ColumnType<string | null, string | null | undefined, string | null>;
  /** Whom the event was about when not the actor: the person assigned, the person or team escalated to. */
  subject_aad_id: ColumnType<string | null, string | null | undefined, string | null>;
  subject_name: ColumnType<string | null, string | null | undefined, string | null>;
  at: number;
}

/** Per tenant and SOC team: the rotation set from chat (JSON `[{ id, name }]`; null: the catalog's) and whose turn is next. */
export interface TeamRotationsTable {
  tenant_id: string;
  team_id: string;
  members: string | null;
  /** Index into the rotation of the next person to assign; taken modulo its length. */
  next_position: number;
  updated_at: number;
  updated_by_name: string | null;
}

/** One change of a team's rotation from chat (`rotation set`, `rotation reset`): members JSON before and after; null: the catalog's. */
export interface RotationChangesTable {
  id: Generated<number>;
  tenant_id: string;
  team_id: string;
  from_members: string | null;
  to_members: string | null;
  actor_user_id: string;
  actor_aad_id: string | null;
  actor_name: string;
  at: number;
}

/** Whether the bot can chat with a person 1:1: not tried yet is no row; a row is either state. */
export type PersonalReach = 'reachable' | 'unreachable';

/** Per tenant and person: the bot's 1:1 chat with them, or why Teams would not create it. */
export interface PersonalChatsTable {
  tenant_id: string;
  /** Entra object id, lower case. */
  aad_object_id: string;
  name: string;
  reach: ColumnType<PersonalReach, PersonalReach, PersonalReach>;
  conversation_id: string | null;
  service_url: string | null;
  /** Teams' error code (or status) when the chat could not be created. */
  unreachable_reason: string | null;
  checked_at: number;
}

/** Why a reminder card went to a person's 1:1 chat (the domain's union). */
export type PersonalPostReason = PersonalReason;

/** A reminder card in a person's 1:1 chat, updated with the channel card; `activity_id` null until Teams accepted it. */
export interface PersonalPostsTable {
  tenant_id: string;
  occurrence_id: string;
  aad_object_id: string;
  reason: ColumnType<PersonalPostReason, PersonalPostReason, PersonalPostReason>;
  conversation_id: string | null;
  activity_id: string | null;
  service_url: string | null;
  created_at: number;
  posted_at: number | null;
}

/** The escalation card of one task (every team's occurrence of one run) in one escalation team's channel. */
export interface EscalationCardsTable {
  tenant_id: string;
  activity_id: string;
  scheduled_at: number;
  /** The SOC team whose channel shows the card. */
  team_id: string;
  created_at: number;
  /** 1: the step found no bound channel: nothing was posted, the team was never told. */
  no_channel: ColumnType<number, number | undefined, number>;
  posted_conversation_id: string | null;
  posted_activity_id: string | null;
  posted_service_url: string | null;
}

export interface SchedulerStateTable {
  name: string;
  checkpoint_at: number;
}

/** Where the bot is installed: one row per Teams team (or chat) and tenant, with what is needed to post there. */
export interface InstallationsTable {
  tenant_id: string;
  conversation_id: string;
  /** `team`, `groupChat` or `personal`. */
  scope: string;
  service_url: string;
  bot_id: string;
  name: string | null;
  active: number;
  installed_at: number;
  removed_at: number | null;
}

/** A SOC team of the catalog bound to a Teams channel. */
export interface BindingsTable {
  tenant_id: string;
  soc_team_id: string;
  teams_team_id: string;
  channel_id: string;
  channel_name: string | null;
  service_url: string;
  bot_id: string;
  active: number;
  inactive_reason: string | null;
  bound_at: number;
  bound_by_name: string | null;
}

export interface OutboxTable {
  id: Generated<number>;
  tenant_id: string;
  /** Items with the same key are delivered in id order: an update never overtakes the post it updates. */
  conversation_key: string;
  /**
   * Written only as an `OutboxKind`, read as any text: a row may come from another version of the bot, so the
   * worker decodes it (`decodeOutboxMessage`) instead of trusting it.
   */
  kind: ColumnType<string, OutboxKind, OutboxKind>;
  occurrence_id: string | null;
  /** JSON, written and read only by `outbox-message.ts`. */
  payload: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
  /** Set on a message that must exist once at most (a digest, an escalation, a timer's nudge); unique where set. */
  singleton_key: string | null;
}

export interface Database {
  tenants: TenantsTable;
  occurrences: OccurrencesTable;
  occurrence_events: OccurrenceEventsTable;
  scheduler_state: SchedulerStateTable;
  installations: InstallationsTable;
  bindings: BindingsTable;
  outbox: OutboxTable;
  team_rotations: TeamRotationsTable;
  rotation_changes: RotationChangesTable;
  personal_chats: PersonalChatsTable;
  personal_posts: PersonalPostsTable;
  escalation_cards: EscalationCardsTable;
}

export type OccurrenceRow = Selectable<OccurrencesTable>;
export type NewOccurrenceRow = Insertable<OccurrencesTable>;
export type OccurrenceUpdate = Updateable<OccurrencesTable>;
export type EventRow = Selectable<OccurrenceEventsTable>;
export type BindingRow = Selectable<BindingsTable>;
export type InstallationRow = Selectable<InstallationsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type TeamRotationRow = Selectable<TeamRotationsTable>;
export type PersonalChatRow = Selectable<PersonalChatsTable>;
export type PersonalPostRow = Selectable<PersonalPostsTable>;
export type EscalationCardRow = Selectable<EscalationCardsTable>;
