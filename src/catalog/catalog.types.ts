/** A SOC team of the catalog. Teams are bound to Teams channels at run time. */
export interface SocTeam {
  readonly id: string;
  readonly name: string;
  readonly name_ko: string;
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
  /** Who may skip its tasks: `owners` (the Teams team's owners and SOC admins, the default) or `anyone` (any member). */
  readonly skip: SkipPolicy;
}

export type SkipPolicy = 'anyone' | 'owners';

export interface Catalog {
  /** IANA time zone of the catalog (explicit, else SOC_TIMEZONE, else the machine's). */
  readonly timezone: string;
  /** ISO dates (YYYY-MM-DD, in each activity's time zone) on which nothing fires. */
  readonly skipDates: readonly string[];
  readonly teams: readonly SocTeam[];
  readonly activities: readonly Activity[];
}

/** The team that supervises the SOC: escalations and digests go to its channel. */
export const OVERSIGHT_TEAM_ID = 'soc-oversight';
