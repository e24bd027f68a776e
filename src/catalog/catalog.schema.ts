import { CronExpressionParser } from 'cron-parser';
import { validate as nodeCronValidate } from 'node-cron';
import { z } from 'zod';
import { OVERSIGHT_TEAM_ID } from './catalog.types';
import { parseDuration } from './duration';
import { isKnownCalendar } from './work-calendar';
import { httpsUrlProblem, MAX_URL_LENGTH } from './https-url';

/*
 * The catalog file in two passes: `catalogDocumentSchema` checks the shape of each value on its own (types, unknown
 * keys, ids, crons, durations, time zones, dates); `checkCatalogReferences` checks what ties values together (team
 * references, duplicates, escalation target). The second pass reads the raw document defensively instead of running
 * as a zod refinement, because zod skips refinements once any field has failed, and a catalog author should see every
 * error in one go.
 */

const ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The team list of an activity may be this word (or `[all]`) for "every team of the catalog". */
export const ALL_TEAMS = 'all';

// A catalog names a handful of zones for thousands of activities, and building an Intl.DateTimeFormat to ask costs
// about half a millisecond: a quarter of the start-up of a 2,500-activity catalog (issue 17.2) went here.
const knownTimeZones = new Map<string, boolean>();

/** Whether the runtime knows this IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone.trim() === '') return false;
  let known = knownTimeZones.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat(undefined, { timeZone });
      known = true;
    } catch {
      known = false;
    }
    knownTimeZones.set(timeZone, known);
  }
  return known;
}

// Two parsers per expression, and a big catalog repeats its cadences: ask once per expression.
const cronProblems = new Map<string, string | undefined>();

/**
 * Why a cron expression cannot be used, or `undefined` when it can. It must have 5 or 6 fields and be accepted by
 * both cron-parser (which computes occurrences) and node-cron (which fires them), so that the two never disagree.
 */
export function cronProblem(expression: string): string | undefined {
  if (cronProblems.has(expression)) return cronProblems.get(expression);
  const problem = findCronProblem(expression);
  cronProblems.set(expression, problem);
  return problem;
}

function findCronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5 && fields.length !== 6) return `expected 5 or 6 fields, got ${fields.length}`;
  try {
    CronExpressionParser.parse(expression);
  } catch (err) {
    return messageOf(err);
  }
  if (!nodeCronValidate(expression)) return 'not accepted by node-cron';
  return undefined;
}

/** Whether `text` is a real calendar date written YYYY-MM-DD (so `2026-02-30` is not). */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const text = z.string().trim().min(1, { error: 'must not be empty' });

const id = z
  .string()
  .regex(ID_PATTERN, {
    error: (iss) =>
      `invalid id ${JSON.stringify(iss.input)} (lowercase letters, digits and hyphens, starting with a letter or digit)`,
  });

const timeZone = z.string().refine(isKnownTimeZone, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}` });

const duration = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    error: (iss) => `invalid duration ${JSON.stringify(iss.input)} (e.g. 90s, 30m, 8h, 2d, 1w, 1h30m)`,
  });

const cron = z.string().trim().superRefine((expr, ctx) => {
  const problem = cronProblem(expr);
  if (problem) ctx.addIssue({ code: 'custom', message: `invalid cron expression ${JSON.stringify(expr)} (${problem})` });
});

const isoDate = z.string().refine(isIsoDate, { error: (iss) => `invalid date ${JSON.stringify(iss.input)} (YYYY-MM-DD)` });

/** A date-holidays country code (`KR`, `US-CA`); date-holidays is loaded only when a catalog names one. */
const calendarCode = z
  .string()
  .refine(isKnownCalendar, {
    error: (iss) => `unknown calendar ${JSON.stringify(iss.input)} (a country code date-holidays knows, e.g. KR, JP, US or US-CA)`,
  });

const onHoliday = z.enum(['next-working-day', 'skip'], {
  error: (iss) => `invalid onHoliday ${JSON.stringify(iss.input)} (next-working-day or skip)`,
});

/** An Entra (Azure AD) object id: what Teams mentions and 1:1 chats are addressed by. */
export const ENTRA_OBJECT_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Bounds that keep a card, a mention list and a catalog review readable. */
export const MAX_ROTATION = 50;
export const MAX_NUDGES = 8;
export const MAX_ESCALATION_STEPS = 6;
const MAX_PERSON_NAME = 100;

const personSchema = z.strictObject({
  id: z.string().regex(ENTRA_OBJECT_ID, { error: (iss) => `invalid Entra object id ${JSON.stringify(iss.input)} (a GUID, as Entra ID shows it)` }),
  name: text.max(MAX_PERSON_NAME, { error: `must be at most ${MAX_PERSON_NAME} characters` }),
});

/** `HH:MM-HH:MM` in 24-hour time, e.g. `22:00-08:00` (wraps past midnight). */
const QUIET_HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/** `22:00-08:00` → start and end in minutes after midnight, or undefined when it is not such a range. */
export function parseQuietHours(value: string): { startMinute: number; endMinute: number } | undefined {
  const m = QUIET_HOURS.exec(value.trim());
  if (!m) return undefined;
  const startMinute = Number(m[1]) * 60 + Number(m[2]);
  const endMinute = Number(m[3]) * 60 + Number(m[4]);
  return startMinute === endMinute ? undefined : { startMinute, endMinute };
}

const quietHours = z.string().refine((s) => parseQuietHours(s) !== undefined, {
  error: (iss) => `invalid quietHours ${JSON.stringify(iss.input)} (HH:MM-HH:MM in 24-hour time, start and end different, e.g. 22:00-08:00)`,
});

const teamSchema = z.strictObject({
  id,
  name: text,
  name_ko: text.optional(),
  calendar: calendarCode.optional(),
  allHours: z.boolean().optional(),
  timezone: timeZone.optional(),
  rotation: z.array(personSchema).max(MAX_ROTATION, { error: `at most ${MAX_ROTATION} people` }).optional(),
  tag: z.strictObject({ id: text.max(200, { error: 'must be at most 200 characters' }), name: text.max(MAX_PERSON_NAME, { error: `must be at most ${MAX_PERSON_NAME} characters` }) }).optional(),
  quietHours: quietHours.optional(),
});

/** Bounds of the evidence and links of one activity: a card must stay within Teams' 28 KB and fit a phone. */
export const MAX_EVIDENCE_FIELDS = 8;
export const MAX_LINKS = 8;
const MAX_LABEL = 60;
const EVIDENCE_ID = /^[a-zA-Z][a-zA-Z0-9_-]{0,39}$/;

const label = text.max(MAX_LABEL, { error: `must be at most ${MAX_LABEL} characters` });

const httpsUrl = z.string().superRefine((value, ctx) => {
  const problem = httpsUrlProblem(value);
  if (problem === 'not-https') ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not an https:// link (only https links are put on cards)` });
  else if (problem === 'too-long') ctx.addIssue({ code: 'custom', message: `link longer than ${MAX_URL_LENGTH} characters` });
  else if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a link (https://host/path)` });
});

const evidenceBase = {
  id: z.string().regex(EVIDENCE_ID, { error: (iss) => `invalid evidence id ${JSON.stringify(iss.input)} (a letter, then letters, digits, _ or -; at most 40)` }),
  label,
  label_ko: label.optional(),
  required: z.boolean().optional(),
};

const evidenceFieldSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...evidenceBase, type: z.literal('url') }),
  z.strictObject({ ...evidenceBase, type: z.literal('text') }),
  z
    .strictObject({ ...evidenceBase, type: z.literal('number'), min: z.number().finite().optional(), max: z.number().finite().optional() })
    .refine((f) => f.min === undefined || f.max === undefined || f.min <= f.max, { error: 'min must not be greater than max', path: ['min'] }),
], { error: 'type must be url, number or text' });

const linkSchema = z.strictObject({ label, label_ko: label.optional(), url: httpsUrl });

const activitySchema = z.strictObject({
  id,
  title: text,
  title_ko: text.optional(),
  description: text,
  description_ko: text.optional(),
  // `teams: all` reads as `[all]`, so that list errors keep their index (`teams[1]`) instead of a vague union error.
  teams: z.preprocess(
    (value) => (value === ALL_TEAMS ? [ALL_TEAMS] : value),
    z.array(z.string().min(1, { error: 'must not be empty' })).min(1, { error: 'at least one team is required' }),
  ),
  schedule: cron.optional(),
  timezone: timeZone.optional(),
  onDemand: z.boolean().optional(),
  cadence: text.optional(),
  cadence_ko: text.optional(),
  dueAfter: duration.optional(),
  escalateAfter: duration.optional(),
  onHoliday: onHoliday.optional(),
  evidence: z.array(evidenceFieldSchema).max(MAX_EVIDENCE_FIELDS, { error: `at most ${MAX_EVIDENCE_FIELDS} evidence fields` }).optional(),
  links: z.array(linkSchema).max(MAX_LINKS, { error: `at most ${MAX_LINKS} links` }).optional(),
  // Who may skip this activity's tasks (issue 13): its team's owners and SOC admins by default, or any member.
  skip: z.enum(['anyone', 'owners'], { error: 'must be "anyone" or "owners"' }).optional(),
  assign: z.enum(['rotation', 'none'], { error: 'must be "rotation" or "none"' }).optional(),
  nudges: z.array(duration).min(1, { error: 'at least one nudge (omit the key for the default, one nudge when overdue)' }).max(MAX_NUDGES, { error: `at most ${MAX_NUDGES} nudges` }).optional(),
  escalate: z
    .array(z.strictObject({ after: duration, to: z.union([z.string().min(1, { error: 'must not be empty' }), personSchema], { error: 'must be a team id or a person { id, name }' }) }))
    .min(1, { error: 'at least one step (or omit the key)' })
    .max(MAX_ESCALATION_STEPS, { error: `at most ${MAX_ESCALATION_STEPS} steps` })
    .optional(),
});

/** The shape of a catalog file, value by value. Cross-references are checked by `checkCatalogReferences`. */
export const catalogDocumentSchema = z.strictObject({
  timezone: timeZone.optional(),
  calendar: calendarCode.optional(),
  holidays: z.array(isoDate).optional(),
  workingDays: z.array(isoDate).optional(),
  // The first name of `holidays`, kept so that older catalogs still load.
  skipDates: z.array(isoDate).optional(),
  teams: z.array(teamSchema).min(1, { error: 'at least one team is required' }),
  activities: z.array(activitySchema).min(1, { error: 'at least one activity is required' }),
});

/** A catalog file that passed both checks, before defaults are applied. */
export type CatalogDocument = z.infer<typeof catalogDocumentSchema>;
export type ActivityDocument = CatalogDocument['activities'][number];

/**
 * Every problem of a parsed catalog file, each as `<path>: <problem>` (`activities[3].schedule: invalid cron
 * expression "61 * * * *" (…)`), or the typed document when there is none.
 */
export function validateCatalogDocument(
  raw: unknown,
): { ok: true; document: CatalogDocument } | { ok: false; errors: string[] } {
  const parsed = catalogDocumentSchema.safeParse(raw, { reportInput: true });
  const errors = parsed.success ? [] : parsed.error.issues.flatMap(formatIssue);
  errors.push(...checkCatalogReferences(raw), ...checkEvidenceIds(raw));
  if (parsed.success && errors.length === 0) return { ok: true, document: parsed.data };
  return { ok: false, errors };
}

/**
 * Checks what no single value can tell: duplicate team and activity ids, team ids that name no team, `all` mixed
 * with team ids, `onDemand: false` without a schedule, and escalation without an oversight team to escalate to.
 * Values of the wrong type are skipped here: the schema already reports them.
 */
export function checkCatalogReferences(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const errors: string[] = [];
  const teamIds = new Set<string>();
  listOf(raw.teams).forEach((team, i) => {
    if (!isRecord(team) || typeof team.id !== 'string') return;
    if (team.allHours === true && team.calendar !== undefined) {
      errors.push(`teams[${i}].allHours: a 24×7 team has no holiday calendar; remove "calendar" or "allHours"`);
    }
    if (team.allHours === true && team.quietHours !== undefined) {
      errors.push(`teams[${i}].allHours: a 24×7 team has no quiet hours; remove "quietHours" or "allHours"`);
    }
    const people = new Set<string>();
    listOf(team.rotation).forEach((person, j) => {
      if (!isRecord(person) || typeof person.id !== 'string') return;
      const key = person.id.toLowerCase();
      if (people.has(key)) errors.push(`teams[${i}].rotation[${j}].id: ${JSON.stringify(person.id)} is already in this rotation`);
      people.add(key);
    });
    if (team.id === ALL_TEAMS) errors.push(`teams[${i}].id: "${ALL_TEAMS}" is reserved for "every team"`);
    else if (teamIds.has(team.id)) errors.push(`teams[${i}].id: duplicate id ${JSON.stringify(team.id)}`);
    teamIds.add(team.id);
  });

  const activityIds = new Set<string>();
  listOf(raw.activities).forEach((activity, i) => {
    if (!isRecord(activity)) return;
    const at = `activities[${i}]`;
    if (typeof activity.id === 'string') {
      if (activityIds.has(activity.id)) errors.push(`${at}.id: duplicate id ${JSON.stringify(activity.id)}`);
      activityIds.add(activity.id);
    }
    if (Array.isArray(activity.teams)) {
      const named = activity.teams.filter((t): t is string => typeof t === 'string');
      if (named.includes(ALL_TEAMS) && activity.teams.length > 1) {
        errors.push(`${at}.teams: "${ALL_TEAMS}" cannot be combined with team ids`);
      }
      const seen = new Set<string>();
      activity.teams.forEach((team, j) => {
        if (typeof team !== 'string' || team === ALL_TEAMS || team === '') return;
        if (!teamIds.has(team)) errors.push(`${at}.teams[${j}]: unknown team ${JSON.stringify(team)}`);
        else if (seen.has(team)) errors.push(`${at}.teams[${j}]: duplicate team ${JSON.stringify(team)}`);
        seen.add(team);
      });
    }
    if (activity.onDemand === false && activity.schedule === undefined) {
      errors.push(`${at}.onDemand: false needs a schedule (an activity without one can only be started on demand)`);
    }
    if (activity.escalateAfter !== undefined && !teamIds.has(OVERSIGHT_TEAM_ID)) {
      errors.push(`${at}.escalateAfter: escalation needs a team with id "${OVERSIGHT_TEAM_ID}" in the catalog`);
    }
    if (activity.escalateAfter !== undefined && activity.escalate !== undefined) {
      errors.push(`${at}.escalate: give either escalateAfter (one step to ${OVERSIGHT_TEAM_ID}) or escalate (a chain), not both`);
    }
    errors.push(...increasing(listOf(activity.nudges), `${at}.nudges`, (d) => d));
    const steps = listOf(activity.escalate);
    errors.push(...increasing(steps, `${at}.escalate`, (s) => (isRecord(s) ? s.after : undefined), '.after'));
    steps.forEach((step, j) => {
      if (isRecord(step) && typeof step.to === 'string' && step.to !== '' && !teamIds.has(step.to)) {
        errors.push(`${at}.escalate[${j}].to: unknown team ${JSON.stringify(step.to)}`);
      }
    });
  });
  return errors;
}

/** Each delay of a list must be later than the one before it: a chain that goes back in time is a typo. */
function increasing(list: readonly unknown[], at: string, durationOf: (item: unknown) => unknown, suffix = ''): string[] {
  const errors: string[] = [];
  let previous: number | undefined;
  list.forEach((item, j) => {
    const text = durationOf(item);
    const ms = typeof text === 'string' ? parseDuration(text) : undefined;
    if (ms === undefined) return;
    if (previous !== undefined && ms <= previous) errors.push(`${at}[${j}]${suffix}: must be later than the step before it`);
    previous = ms;
  });
  return errors;
}

/** Evidence ids are the keys of what Done records: two fields with one id would overwrite each other. */
function checkEvidenceIds(raw: unknown): string[] {
  if (!isRecord(raw)) return [];
  const errors: string[] = [];
  listOf(raw.activities).forEach((activity, i) => {
    if (!isRecord(activity)) return;
    const seen = new Set<string>();
    listOf(activity.evidence).forEach((field, j) => {
      if (!isRecord(field) || typeof field.id !== 'string') return;
      if (seen.has(field.id)) errors.push(`activities[${i}].evidence[${j}].id: duplicate evidence id ${JSON.stringify(field.id)}`);
      seen.add(field.id);
    });
  });
  return errors;
}

/** One zod issue as `path: problem` lines; an unknown-keys issue yields a line per key. */
function formatIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  const at = formatPath(issue.path);
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return [`${at}: required`];
    return [`${at}: expected ${describeType(issue.expected)}, got ${describeValue(issue.input)}`];
  }
  return [`${at}: ${issue.message}`];
}

/** `['activities', 3, 'schedule']` → `activities[3].schedule`; the root is called `catalog`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'catalog' : out;
}

function describeType(expected: string): string {
  switch (expected) {
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The message of anything thrown; `instanceof Error` is not enough, as errors from another realm (jest's vm) fail it. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
