import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import type * as Yaml from 'yaml';
import { packageRoot } from '../package-root';
import { cadenceKind, describeSchedule } from './cadence';
import { ALL_TEAMS, isKnownTimeZone, parseQuietHours, validateCatalogDocument, type ActivityDocument } from './catalog.schema';
import { OVERSIGHT_TEAM_ID, type Activity, type Catalog, type EscalationStep, type SocTeam } from './catalog.types';
import { parseDuration } from './duration';

/** The catalog used when none is configured: the SOC maintenance table of the Microsoft 365 Defender guide. */
export const BUILTIN_CATALOG_PATH = join(packageRoot(), 'src/catalog/builtin-catalog.yaml');

/** How long a task may stay open after it fires when the catalog does not say. */
export const DEFAULT_DUE_AFTER = '8h';

/** A catalog that cannot be used, with every problem found in it (not only the first). */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';

  constructor(
    /** Where the catalog came from: a file path, or the `source` given to `parseCatalog`. */
    readonly source: string,
    /** Every problem, each prefixed with its path in the file (`activities[3].schedule: …`) or its YAML line. */
    readonly errors: string[],
  ) {
    super(`Invalid catalog ${source}:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
  }
}

export interface ParseCatalogOptions {
  /** IANA time zone for the catalog and its activities when the file names none (SOC_TIMEZONE, else the machine's). */
  defaultTimezone: string;
  /** Named in errors. @default '<inline>' */
  source?: string;
}

export interface LoadCatalogOptions {
  /** Catalog file to read. @default BUILTIN_CATALOG_PATH */
  file?: string;
  /** IANA time zone for the catalog and its activities when the file names none. */
  defaultTimezone: string;
}

/**
 * Parses and validates catalog YAML and applies every default: `name_ko`/`title_ko`/`description_ko` fall back to
 * the English, `teams: all` becomes every team id in catalog order, `onDemand` is true exactly when there is no
 * schedule unless said otherwise, cadences are put in words from the schedule, `dueAfter` is 8h, and time zones
 * resolve activity → catalog → `defaultTimezone`.
 *
 * @returns a deeply frozen catalog.
 * @throws CatalogError listing every problem found.
 */
export function parseCatalog(yamlText: string, options: ParseCatalogOptions): Catalog {
  const source = options.source ?? '<inline>';
  const errors: string[] = [];
  if (!isKnownTimeZone(options.defaultTimezone)) {
    errors.push(`default time zone: unknown time zone ${JSON.stringify(options.defaultTimezone)}`);
  }

  const raw = readYaml(yamlText, errors);
  if (raw === undefined) throw new CatalogError(source, errors);
  const result = validateCatalogDocument(raw);
  if (!result.ok) errors.push(...result.errors);
  if (!result.ok || errors.length > 0) throw new CatalogError(source, errors);

  const doc = result.document;
  const catalogTimezone = doc.timezone ?? options.defaultTimezone;
  // `skipDates` is the first name of `holidays`: both are extra non-working dates of every calendar.
  const holidays = [...new Set([...(doc.holidays ?? []), ...(doc.skipDates ?? [])])].sort();
  const workingDays = [...new Set(doc.workingDays ?? [])].sort();
  const teams: SocTeam[] = doc.teams.map((t) => {
    const allHours = t.allHours ?? false;
    const country = allHours ? undefined : (t.calendar ?? doc.calendar);
    // Validated by the schema (and refused with allHours), so parsing cannot fail here.
    const quiet = t.quietHours === undefined || allHours ? undefined : parseQuietHours(t.quietHours)!;
    return {
      id: t.id,
      name: t.name,
      name_ko: t.name_ko ?? t.name,
      calendar: { ...(country !== undefined && { country }), allHours, holidays: allHours ? [] : holidays, workingDays },
      rotation: (t.rotation ?? []).map((p) => ({ id: p.id.toLowerCase(), name: p.name })),
      ...(t.tag !== undefined && { tag: { id: t.tag.id, name: t.tag.name } }),
      ...(quiet !== undefined && { quietHours: { ...quiet, timezone: t.timezone ?? catalogTimezone } }),
    };
  });
  const allTeamIds = teams.map((t) => t.id);
  const activities = doc.activities.map((a) => toActivity(a, catalogTimezone, allTeamIds));
  return deepFreeze({ timezone: catalogTimezone, ...(doc.calendar !== undefined && { calendar: doc.calendar }), holidays, workingDays, teams, activities });
}

/**
 * Reads a catalog file (the built-in one when `file` is undefined) and parses it with `parseCatalog`.
 *
 * @throws CatalogError when the file cannot be read or is not a valid catalog.
 */
export function loadCatalog(options: LoadCatalogOptions): Catalog {
  const file = options.file ?? BUILTIN_CATALOG_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(file, [`cannot read the file: ${messageOf(err)}`]);
  }
  return parseCatalog(text, { defaultTimezone: options.defaultTimezone, source: file });
}

/** One line for logs and the health endpoint, e.g. `8 activities (7 scheduled, 4 on demand), 4 teams, time zone Asia/Seoul`. */
export function catalogSummary(c: Catalog): string {
  const scheduled = c.activities.filter((a) => a.schedule !== undefined).length;
  const onDemand = c.activities.filter((a) => a.onDemand).length;
  const parts = [
    `${count(c.activities.length, 'activity', 'activities')} (${scheduled} scheduled, ${onDemand} on demand)`,
    count(c.teams.length, 'team', 'teams'),
    `time zone ${c.timezone}`,
  ];
  if (c.calendar !== undefined) parts.push(`calendar ${c.calendar}`);
  if (c.holidays.length > 0) parts.push(count(c.holidays.length, 'extra holiday', 'extra holidays'));
  return parts.join(', ');
}

function toActivity(a: ActivityDocument, catalogTimezone: string, allTeamIds: readonly string[]): Activity {
  const onDemand = a.onDemand ?? a.schedule === undefined;
  const teams = a.teams.includes(ALL_TEAMS) ? allTeamIds : a.teams;
  // Durations were validated by the schema, so parsing cannot fail here.
  const escalation: EscalationStep[] =
    a.escalate !== undefined
      ? a.escalate.map((s) => ({
          afterMs: parseDuration(s.after)!,
          to: typeof s.to === 'string' ? { kind: 'team', teamId: s.to } : { kind: 'person', person: { id: s.to.id.toLowerCase(), name: s.to.name } },
        }))
      : a.escalateAfter !== undefined
        ? [{ afterMs: parseDuration(a.escalateAfter)!, to: { kind: 'team', teamId: OVERSIGHT_TEAM_ID } }]
        : [];
  const activity: Activity = {
    id: a.id,
    title: a.title,
    title_ko: a.title_ko ?? a.title,
    description: a.description,
    description_ko: a.description_ko ?? a.description,
    teams: [...teams],
    ...(a.schedule !== undefined && { schedule: a.schedule }),
    timezone: a.timezone ?? catalogTimezone,
    onDemand,
    cadence: a.cadence ?? describeSchedule(a.schedule, onDemand, 'en'),
    cadence_ko: a.cadence_ko ?? describeSchedule(a.schedule, onDemand, 'ko'),
    // Both durations were validated by the schema, so parsing cannot fail here.
    dueAfterMs: parseDuration(a.dueAfter ?? DEFAULT_DUE_AFTER)!,
    ...(escalation[0] !== undefined && { escalateAfterMs: escalation[0].afterMs }),
    escalation,
    nudgesAfterMs: a.nudges === undefined ? [0] : a.nudges.map((d) => parseDuration(d)!),
    assign: a.assign ?? 'none',
    // Moving a daily run onto the next day would give that day two: daily work is skipped, rarer work moves.
    onHoliday: a.onHoliday ?? (a.schedule !== undefined && cadenceKind(a.schedule) === 'daily' ? 'skip' : 'next-working-day'),
    evidence: (a.evidence ?? []).map((f) => ({ ...f, label_ko: f.label_ko ?? f.label, required: f.required ?? false })),
    links: (a.links ?? []).map((l) => ({ label: l.label, label_ko: l.label_ko ?? l.label, url: l.url })),
    skip: a.skip ?? 'owners',
  };
  return activity;
}

/**
 * The YAML as plain data, or `undefined` after pushing its syntax errors (with line and column) onto `errors`.
 *
 * Two parsers, for speed and for the errors. js-yaml reads a good file 3–4× faster than `yaml` when the process
 * is cold (a 2,500-activity catalog: 210–280 ms against 710–1,130 ms; the built-in one: 32 against 85 ms), and
 * start-up waits for it. Both read YAML 1.2's core schema (dates stay strings, no merge keys, duplicate keys refused)
 * and give the same data for the built-in catalog and the benchmark's. `yaml` reads the file whenever js-yaml
 * refuses it, to report every problem with its line and column; js-yaml is told to refuse any alias
 * (`maxAliases: 0`), so that a file with aliases is read by `yaml`, whose limit of 100 stops a "billion laughs".
 * A file with a directive line (`%YAML 1.1`) goes to `yaml` at once: js-yaml reads on as YAML 1.2 (`yes` stays
 * text, `012` is twelve) and lets `%YAML 1.3` or an unknown directive through, which `yaml` reports.
 */
function readYaml(yamlText: string, errors: string[]): unknown {
  // A directive (`%YAML 1.1`, `%TAG`) changes how the rest reads, and js-yaml ignores it where `yaml` honours it.
  if (DIRECTIVE.test(yamlText)) return readYamlWithPositions(yamlText, errors);
  try {
    const data = loadYaml(yamlText, { schema: CORE_SCHEMA, maxAliases: 0 });
    if (data !== undefined) return data;
  } catch {
    // Reported below, by the parser that says where.
  }
  return readYamlWithPositions(yamlText, errors);
}

/** `yaml`, loaded only for a file js-yaml refused: a good catalog never needs it. */
let yamlModule: typeof Yaml | undefined;

const DIRECTIVE = /^\uFEFF?%/m;

function readYamlWithPositions(yamlText: string, errors: string[]): unknown {
  yamlModule ??= require('yaml') as typeof Yaml;
  const lineCounter = new yamlModule.LineCounter();
  const doc = yamlModule.parseDocument(yamlText, { lineCounter, prettyErrors: false });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    errors.push(...problems.map((e) => formatYamlError(e, lineCounter)));
    return undefined;
  }
  try {
    return doc.toJS();
  } catch (err) {
    // toJS throws for things the parser lets through, such as an alias to an anchor that does not exist.
    errors.push(`YAML: ${messageOf(err)}`);
    return undefined;
  }
}

function formatYamlError(error: Yaml.YAMLError, lineCounter: Yaml.LineCounter): string {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  return `YAML line ${line}, column ${col}: ${error.message.split('\n')[0]}`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The message of anything thrown; `instanceof Error` is not enough, as errors from another realm (jest's vm) fail it. */
function messageOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(err);
}
