import type { CalendarSpec } from './work-calendar';

/** A SOC team of the catalog. Teams are bound to Teams channels at run time. */
export interface SocTeam {
  readonly id: string;
  readonly name: string;
  readonly name_ko: string;
  /** The team's working calendar: its own `calendar` or `allHours`, else the catalog's, plus the catalog's extra dates. */
  readonly calendar: CalendarSpec;
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
  /** Milliseconds after the due time at which an unfinished task escalates to SOC Oversight; undefined: never. */
  readonly escalateAfterMs?: number;
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
