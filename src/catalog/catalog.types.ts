import type { CalendarSpec } from './work-calendar';

/** A person the catalog names: their Entra (Azure AD) object id, which Teams mentions and chats are addressed by. */
export interface Person {
  /** Entra object id (a GUID), lower case. */
  readonly id: string;
  readonly name: string;
}

/** A Teams tag of the team's Teams team (Graph `teamworkTag`), mentioned when a task has no person. */
export interface TeamTag {
  /** The tag's id as Graph gives it. */
  readonly id: string;
  readonly name: string;
}

/**
 * Hours in which the team is not nudged or escalated to, in `timezone`: minutes after midnight, `start` inclusive,
 * `end` exclusive; `start > end` wraps past midnight (22:00-08:00).
 */
export interface QuietHours {
  readonly startMinute: number;
  readonly endMinute: number;
  /** IANA zone the hours are read in: the team's own, else the catalog's. */
  readonly timezone: string;
}

/** A SOC team of the catalog. Teams are bound to Teams channels at run time. */
export interface SocTeam {
  readonly id: string;
  readonly name: string;
  readonly name_ko: string;
  /** The team's working calendar: its own `calendar` or `allHours`, else the catalog's, plus the catalog's extra dates. */
  readonly calendar: CalendarSpec;
  /** The catalog's rotation, in order; empty: none. An admin may replace it at run time (stored per tenant). */
  readonly rotation: readonly Person[];
  /** The Teams tag mentioned when a task of this team has no person. */
  readonly tag?: TeamTag;
  /** No nudges or escalations to this team in these hours; undefined for `allHours` teams and teams that name none. */
  readonly quietHours?: QuietHours;
}

/** Who a task of an activity is assigned to: the next person of the team's rotation, or nobody (the team as a whole). */
export type AssignPolicy = 'rotation' | 'none';

/** Where one step of an escalation chain goes: a SOC team's channel, or a person (mentioned, and in personal chat). */
export type EscalationTarget = { readonly kind: 'team'; readonly teamId: string } | { readonly kind: 'person'; readonly person: Person };

/** One step of an activity's escalation chain: `afterMs` after the due time, to `to`. Steps are in increasing `afterMs`. */
export interface EscalationStep {
  readonly afterMs: number;
  readonly to: EscalationTarget;
}

/** What a run that falls on a team's holiday does: move to the next working day at the same time, or not happen. */
export type OnHoliday = 'next-working-day' | 'skip';
/**
 * One piece of evidence that Done asks for (a ticket link, the Secure Score value, a report link), as the
 * catalog defines it. Audits (ISMS-P, ISO 27001) ask for exactly such values next to "who did it when".
 */
export type EvidenceField =
  | { readonly id: string; readonly type: 'url'; readonly label: string; readonly label_ko: string; readonly required: boolean }
  | {
      readonly id: string;
      readonly type: 'number';
      readonly label: string;
      readonly label_ko: string;
      readonly required: boolean;
      readonly min?: number;
      readonly max?: number;
    }
  | { readonly id: string; readonly type: 'text'; readonly label: string; readonly label_ko: string; readonly required: boolean };

/** A way into the Microsoft tool a task is done in (Secure Score, the incident queue, Message center): https only. */
export interface ToolLink {
  readonly label: string;
  readonly label_ko: string;
  readonly url: string;
}

/** A recurring or on-demand maintenance activity, with every default already applied. */
export interface Activity {
  readonly id: string;
  readonly title: string;
  readonly title_ko: string;
  readonly description: string;
  readonly description_ko: string;
  /** Team ids, with `all` already expanded to every team of the catalog. */
  readonly teams: readonly string[];
  /** Cron expression (5 or 6 fields). Undefined: the activity runs only on demand. */
  readonly schedule?: string;
  /** IANA time zone in which `schedule` is read: the activity's own, else the catalog's. */
  readonly timezone: string;
  /** May also be started by hand (`run`). Always true when there is no schedule. */
  readonly onDemand: boolean;
  /** The cadence in words, as shown on cards (derived from the schedule when the catalog leaves it out). */
  readonly cadence: string;
  readonly cadence_ko: string;
  /** Milliseconds after firing at which the task is due. */
  readonly dueAfterMs: number;
  /**
   * Milliseconds after the due time at which an unfinished task first escalates (the first step of `escalation`);
   * undefined: never.
   */
  readonly escalateAfterMs?: number;
  /**
   * The escalation chain, in increasing delay: `escalate` in the catalog, or `escalateAfter` as one step to SOC
   * Oversight; empty: never.
   */
  readonly escalation: readonly EscalationStep[];
  /**
   * Nudges while nobody has acknowledged: milliseconds after the due time, increasing. Default `[0]`: one nudge
   * when the task becomes overdue.
   */
  readonly nudgesAfterMs: readonly number[];
  /** How its tasks are assigned. @default 'none' */
  readonly assign: AssignPolicy;
  /** @default 'skip' for daily (and finer) schedules, 'next-working-day' for weekly and monthly ones */
  readonly onHoliday: OnHoliday;
  /** What Done asks for, in card order; empty: only the optional note. */
  readonly evidence: readonly EvidenceField[];
  /** Links into the tools, in card order; empty: none. */
  readonly links: readonly ToolLink[];
  /** Who may skip its tasks: `owners` (the Teams team's owners and SOC admins, the default) or `anyone` (any member). */
  readonly skip: SkipPolicy;
}

export type SkipPolicy = 'anyone' | 'owners';

export interface Catalog {
  /** IANA time zone of the catalog (explicit, else SOC_TIMEZONE, else the machine's). */
  readonly timezone: string;
  /** The default calendar of teams that name none (a date-holidays country code); undefined: no public holidays. */
  readonly calendar?: string;
  /** Extra non-working dates (YYYY-MM-DD, in each activity's time zone) of every calendar: `holidays` and `skipDates`. */
  readonly holidays: readonly string[];
  /** Dates worked although they are weekends or holidays. */
  readonly workingDays: readonly string[];
  readonly teams: readonly SocTeam[];
  readonly activities: readonly Activity[];
}

/** The team that supervises the SOC: escalations and digests go to its channel. */
export const OVERSIGHT_TEAM_ID = 'soc-oversight';
