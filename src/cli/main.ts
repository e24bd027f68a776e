/**
 * `soc-reminders`: the command line of the service. Exit 0 on success, 1 on a failure it explains, 2 on a
 * usage error.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CatalogError, catalogSummary, loadCatalog } from '../catalog/catalog.loader';
import type { Catalog } from '../catalog/catalog.types';
import { ConfigError, readConfig, type Config } from '../config';
import { packageRoot, packageVersion } from '../package-root';
import { workCalendar } from '../catalog/work-calendar';
import { plannedRunsBetween } from '../reminders/fire-times';
import { movedNote } from '../reminders/occurrence-creation';
import { openStore, parseDatabaseUrl, type Store } from '../storage/database';
import { listAuditEvents } from '../storage/occurrence.repository';
import { listRotationChanges } from '../storage/rotation.repository';
import { listOutbox, requeueDead } from '../storage/outbox.repository';
import { AUDIT_COLUMNS, ROTATION_AUDIT_COLUMNS, auditRows, isoWithOffset, parseAuditInstant, rotationAuditRows } from './audit-export';
import { csvLine } from './csv';
import { formatFindings, runDoctor } from './doctor';

class UsageError extends Error {}
class Failure extends Error {}

const DAY = 86_400_000;

const HELP: Record<string, string> = {
  main: `soc-reminders ${'<command>'}

Commands:
  catalog validate [--file F]                      check a catalog file (default: the configured or built-in one)
  schedule preview --from ISO --days N [--file F] [--json]
                                                   what would fire, when and for which team
  audit export [--since T] [--until T] [--format csv|json]
                                                   every recorded event, with what it was about
  audit rotations [--since T] [--until T] [--format csv|json]
                                                   who changed a team's rotation from chat, from what to what
  outbox list [--failed]                           deliveries waiting or dead-lettered
  outbox retry <id> | --all-failed                 send dead-lettered deliveries again
  package [--out FILE]                             build the Teams app package (build/appPackage.zip)
  doctor [--url URL]                               check this deployment's settings and database

Run 'soc-reminders <command> --help' for details. Configuration comes from the environment and .env
(see .env.example).`,
  'catalog validate': `soc-reminders catalog validate [--file F]

Validates a catalog and prints a one-line summary (exit 0), or every error with its path (exit 1).
Without --file: SOC_CATALOG_FILE, else the built-in catalog.`,
  'schedule preview': `soc-reminders schedule preview --from ISO --days N [--file F] [--json]

Lists every scheduled run in [from, from + N days), per team, in each activity's time zone
(activity timezone, else the catalog's, else SOC_TIMEZONE, else the machine's), after each team's holiday
calendar: a run on a holiday is left out (onHoliday: skip) or listed on the next working day with the date it
moved from and why (onHoliday: next-working-day).
--json prints [{ "activityId", "teamId", "at", "movedFrom"?, "reason"?, "reason_ko"? }] with "at" and
"movedFrom" in ISO 8601 with their UTC offset.`,
  'audit export': `soc-reminders audit export [--since T] [--until T] [--format csv|json]

Prints every recorded event from the database in DATABASE_URL, oldest first, one row each: id, at, tenantId,
activityId, activityTitle (English), teamId, teamName, occurrenceId, scheduledAt, dueAt, type (created, posted,
acknowledged, snoozed, woke, overdue, escalated, done, skipped, missed), from, to, actorName, actorUserId,
actorEntraObjectId, note, reason (of a skip), evidence (what Done recorded: "Report link: https://…; …"),
subjectName and subjectEntraObjectId (whom it was about: the person an "assigned" event gave the task to; its
note says how: rotation, take, reassign, handover).
Times are ISO 8601 in the catalog's time zone with its offset (catalog timezone, else SOC_TIMEZONE).
--since (from, included) and --until (to, not included) take a date (2026-12-02) or a date-time
(2026-12-02T09:00); without an offset they are read in the catalog's time zone, with one (Z, +09:00) as given.
Default format: csv. A CSV cell that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
carriage return, also after leading spaces) is written with a leading ' so that it shows as text. JSON also
carries evidenceValues (field id → value as recorded).`,
  'audit rotations': `soc-reminders audit rotations [--since T] [--until T] [--format csv|json]

Prints every change of a team's rotation made from chat (rotation set, rotation reset), oldest first: id, at,
tenantId, teamId, teamName, from, to (the people in order, "Name <Entra object id>; …", or "(catalog)" for the
catalog's rotation), actorName, actorUserId, actorEntraObjectId. --since, --until and --format as for audit export.`,
  'outbox list': `soc-reminders outbox list [--failed]

Lists deliveries to Teams that are pending, being sent, or (with --failed, only) dead-lettered.`,
  'outbox retry': `soc-reminders outbox retry <id> | --all-failed

Makes dead-lettered deliveries pending again; a running bot sends them within seconds.`,
  package: `soc-reminders package [--out FILE]

Validates the manifest in manifest/ (filled from TEAMS_APP_ID, MicrosoftAppId and PUBLIC_HOSTNAME) and the
icons, then writes the Teams app package (default build/appPackage.zip). Prints every error and exits 1 if
anything is invalid. Needs MicrosoftAppId, not its client secret.`,
  doctor: `soc-reminders doctor [--url URL]

Checks the settings the service would start with (environment and .env) and says in plain words what is wrong:
local mode, the app id, type and tenant, the client secret (present, not verified), ALLOWED_TENANTS, the
public host and the messaging endpoint, the database (reachable, migrations applied, SQLite on a network
share), and what the tab's sign-in needs in Entra ID. Changes nothing. Exit 0, or 1 when a problem would stop
the deployment from working. --url (e.g. https://soc-reminders.contoso.com) also reads the running service's
/healthz and checks that it answers, healthy, in the mode these settings describe.`,
};

function parseInstant(name: string, value: string | undefined): number {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) throw new UsageError(`--${name}: "${value}" is not an ISO 8601 date or date-time`);
  return ms;
}

function config(): Config {
  return readConfig();
}

function catalogFrom(file: string | undefined, cfg: Config): Catalog {
  return loadCatalog({ file: file ?? cfg.catalogFile, defaultTimezone: cfg.timezone });
}

/** An audit command's --since or --until, read in the catalog's time zone; undefined when not given. */
function auditBound(name: 'since' | 'until', text: string | undefined, timeZone: string): number | undefined {
  if (text === undefined) return undefined;
  const at = parseAuditInstant(text, timeZone);
  if (at === undefined) throw new UsageError(`--${name}: "${text}" is not a date (2026-12-02) or date-time (2026-12-02T09:00, optionally with an offset)`);
  return at;
}

/**
 * `audit export` and `audit rotations`: the same options (--since, --until read in the catalog's time zone,
 * --format), the same store, the same CSV (csvLine neutralises cells a spreadsheet would run as formulas).
 */
async function exportAudit<C extends string>(
  args: string[],
  columns: readonly C[],
  read: (db: Store['db'], range: { since?: number; until?: number }, catalog: Catalog) => Promise<readonly Record<C, unknown>[]>,
): Promise<void> {
  const { values } = parseArgs({ args, options: { since: { type: 'string' }, until: { type: 'string' }, format: { type: 'string', default: 'csv' } }, strict: true });
  if (values.format !== 'csv' && values.format !== 'json') throw new UsageError('--format must be csv or json');
  const cfg = config();
  const catalog = catalogFrom(undefined, cfg);
  const since = auditBound('since', values.since, catalog.timezone);
  const until = auditBound('until', values.until, catalog.timezone);
  if (since !== undefined && until !== undefined && until <= since) throw new UsageError('--until must be after --since');
  const store = await openStore(parseDatabaseUrl(cfg.databaseUrl));
  try {
    const rows = await read(store.db, { since, until }, catalog);
    if (values.format === 'json') return out(JSON.stringify(rows, null, 2));
    return out([csvLine(columns), ...rows.map((r) => csvLine(columns.map((h) => r[h])))].join('\n'));
  } finally {
    await store.close();
  }
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

async function run(argv: string[]): Promise<void> {
  const [group, sub] = argv;
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (!group || group === 'help' || (wantsHelp && (!group || group.startsWith('-')))) return out(HELP.main);
  if (group === '--version') return out(packageVersion());
  const single = group === 'package' || group === 'doctor';
  const key = single ? group : `${group} ${sub ?? ''}`.trim();
  if (!HELP[key]) throw new UsageError(`unknown command "${key}"`);
  if (wantsHelp) return out(HELP[key]);
  const rest = single ? argv.slice(1) : argv.slice(2);

  switch (key) {
    case 'catalog validate': {
      const { values } = parseArgs({ args: rest, options: { file: { type: 'string' } }, strict: true });
      const cfg = config();
      const catalog = catalogFrom(values.file, cfg);
      return out(`valid: ${catalogSummary(catalog)} (${values.file ?? cfg.catalogFile ?? 'built-in catalog'})`);
    }
    case 'schedule preview': {
      const { values } = parseArgs({ args: rest, options: { from: { type: 'string' }, days: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
      const from = parseInstant('from', values.from);
      const days = Number(values.days);
      if (values.days === undefined || !Number.isInteger(days) || days < 1 || days > 366) throw new UsageError('--days must be a whole number from 1 to 366');
      const catalog = catalogFrom(values.file, config());
      type Row = { activityId: string; teamId: string; at: string; movedFrom?: string; reason?: string; reason_ko?: string; note?: string; ms: number };
      const rows: Row[] = [];
      const calendars = new Map(catalog.teams.map((t) => [t.id, workCalendar(t.calendar)]));
      for (const activity of catalog.activities) {
        for (const teamId of activity.teams) {
          for (const run of plannedRunsBetween(activity, calendars.get(teamId)!, from - 1, from + days * DAY - 1)) {
            const moved = run.moved && { movedFrom: isoWithOffset(run.moved.from, activity.timezone), reason: run.moved.holiday.en, reason_ko: run.moved.holiday.ko };
            rows.push({ activityId: activity.id, teamId, at: isoWithOffset(run.at, activity.timezone), ...moved, note: movedNote({ activity, moved: run.moved }), ms: run.at });
          }
        }
      }
      rows.sort((a, b) => a.ms - b.ms || a.activityId.localeCompare(b.activityId) || a.teamId.localeCompare(b.teamId));
      if (values.json) return out(JSON.stringify(rows.map(({ ms: _ms, note: _note, ...row }) => row), null, 2));
      if (rows.length === 0) return out('nothing is scheduled in that period');
      return out(rows.map((r) => `${r.at}  ${r.activityId.padEnd(28)} ${r.teamId}${r.note ? `  ${r.note}` : ''}`).join('\n'));
    }
    case 'audit export':
      // The catalog gives titles, team names and the time zone in which the export is read and written.
      return exportAudit(rest, AUDIT_COLUMNS, async (db, range, catalog) => auditRows(await listAuditEvents(db, range), catalog));
    case 'audit rotations':
      return exportAudit(rest, ROTATION_AUDIT_COLUMNS, async (db, range, catalog) => rotationAuditRows(await listRotationChanges(db, range), catalog));
    case 'outbox list': {
      const { values } = parseArgs({ args: rest, options: { failed: { type: 'boolean' } }, strict: true });
      const store = await openStore(parseDatabaseUrl(config().databaseUrl));
      try {
        const items = await listOutbox(store.db, { status: values.failed ? ['dead'] : ['pending', 'sending', 'dead'] });
        if (items.length === 0) return out(values.failed ? 'no dead-lettered deliveries' : 'the outbox is empty');
        return out(
          items
            .map((i) => `${String(i.id).padStart(6)}  ${i.status.padEnd(7)} ${i.kind.padEnd(16)} attempts=${i.attempts} created=${new Date(i.createdAt).toISOString()}${i.lastError ? `  last error: ${i.lastError}` : ''}`)
            .join('\n'),
        );
      } finally {
        await store.close();
      }
    }
    case 'outbox retry': {
      const { values, positionals } = parseArgs({ args: rest, options: { 'all-failed': { type: 'boolean' } }, strict: true, allowPositionals: true });
      if (!values['all-failed'] && positionals.length !== 1) throw new UsageError('say which item: outbox retry <id>, or --all-failed');
      const id = values['all-failed'] ? undefined : Number(positionals[0]);
      if (id !== undefined && !Number.isInteger(id)) throw new UsageError(`"${positionals[0]}" is not an outbox id`);
      const store = await openStore(parseDatabaseUrl(config().databaseUrl));
      try {
        const n = await requeueDead(store.db, Date.now(), id);
        if (id !== undefined && n === 0) throw new Failure(`outbox item ${id} is not dead-lettered (or does not exist)`);
        return out(`${n} deliver${n === 1 ? 'y' : 'ies'} queued again`);
      } finally {
        await store.close();
      }
    }
    case 'package': {
      const { values } = parseArgs({ args: rest, options: { out: { type: 'string' } }, strict: true });
      // The package carries the app id and host, never the secret: whoever builds it need not hold it.
      const cfg = readConfig({ requireAppPassword: false });
      // Loaded here, not at the top: ajv, the manifest schemas and pngjs are for this build tool alone, so every
      // other command starts without them, and the runtime never reaches them through an import.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { buildAppPackage, packageValuesFrom } = require('../tools/app-package/app-package') as typeof import('../tools/app-package/app-package');
      const { values: manifestValues, errors: valueErrors } = packageValuesFrom({ teamsAppId: cfg.teamsAppId, botId: cfg.microsoftAppId, publicHostname: cfg.publicHostname, version: packageVersion() });
      // Name the environment variables a Teams admin sets, not the fields they fill.
      const variable: Record<string, string> = { teamsAppId: 'TEAMS_APP_ID', botId: 'MicrosoftAppId', publicHostname: 'PUBLIC_HOSTNAME' };
      const named = valueErrors.map((e) => e.replace(/^(teamsAppId|botId|publicHostname)\b/, (k) => variable[k] ?? k));
      if (named.length > 0) throw new Failure(`cannot build the app package:\n${named.map((e) => `  - ${e}`).join('\n')}`);
      const { zip, errors } = buildAppPackage({ manifestDir: join(packageRoot(), 'manifest'), values: manifestValues });
      if (!zip || errors.length > 0) throw new Failure(`the app package is invalid:\n${errors.map((e) => `  - ${e}`).join('\n')}`);
      const file = resolve(values.out ?? join('build', 'appPackage.zip'));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, zip);
      return out(`wrote ${file} (${zip.length} bytes)`);
    }
    case 'doctor': {
      const { values } = parseArgs({ args: rest, options: { url: { type: 'string' } }, strict: true });
      let cfg: Config | ConfigError;
      try {
        cfg = readConfig({ requireAppPassword: false });
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        cfg = err;
      }
      const { text, failed } = formatFindings(await runDoctor(cfg, process.versions.node, { url: values.url }));
      out(`soc-reminders doctor: the settings in the environment and .env\n${text}`);
      if (failed) throw new Failure('doctor found problems (FAIL above)');
      return;
    }
  }
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await run(argv);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof Error && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`soc-reminders: ${err.message}\nRun 'soc-reminders --help'.\n`);
      return 2;
    }
    if (err instanceof CatalogError || err instanceof ConfigError || err instanceof Failure) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`soc-reminders: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

