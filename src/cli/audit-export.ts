/**
 * `audit export`: the event log as an auditor reads it. Each row says what the task was (activity id and English
 * title, team), when it was scheduled and due, who acted (display name, Teams user id, Entra object id), from which
 * status to which, and the note, skip reason and evidence recorded. Times are ISO 8601 in the catalog's time zone
 * with its offset (an auditor in Seoul reads `2026-12-02T09:00:00+09:00`, not a UTC instant); `--since`/`--until`
 * without an offset are read in that zone too, so `--since 2026-12-02` starts at midnight there, not in UTC.
 */
import type { Catalog, EvidenceField } from '../catalog/catalog.types';
import { isIsoDate } from '../catalog/catalog.schema';
import { offsetMs } from '../reminders/fire-times';
import type { AuditEvent } from '../storage/occurrence.repository';
import type { RotationChange } from '../storage/rotation.repository';

/** The columns, in order: the CSV header and the JSON keys. */
export const AUDIT_COLUMNS = [
  'id',
  'at',
  'tenantId',
  'activityId',
  'activityTitle',
  'teamId',
  'teamName',
  'occurrenceId',
  'scheduledAt',
  'dueAt',
  'type',
  'from',
  'to',
  'actorName',
  'actorUserId',
  'actorEntraObjectId',
  'note',
  'reason',
  'evidence',
  'subjectName',
  'subjectEntraObjectId',
] as const;

export type AuditRow = { readonly [K in (typeof AUDIT_COLUMNS)[number]]: K extends 'id' ? number : string } & {
  /** In JSON the evidence is also given as recorded: field id → value. */
  readonly evidenceValues?: Readonly<Record<string, string | number>>;
};

const LOCAL = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An instant of `--since`/`--until`: a date or date-time with an offset (`Z`, `+09:00`) is that instant; without one
 * it is wall-clock time in `timeZone` (a date alone: its midnight). Undefined when `text` is not such a time.
 */
export function parseAuditInstant(text: string, timeZone: string): number | undefined {
  const m = LOCAL.exec(text.trim());
  if (!m || !isIsoDate(m[1]!)) return undefined;
  const [hour, minute, second] = [m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = m[5] ? Number(m[5].padEnd(3, '0')) : 0;
  const [y, mo, d] = m[1]!.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, mo - 1, d, hour, minute, second, ms);
  if (m[6]) {
    const offset = m[6].toUpperCase() === 'Z' ? 0 : offsetFromText(m[6]);
    return offset === undefined ? undefined : wall - offset;
  }
  // The zone's offset at the wall time, found from a first guess: exact except in the hour a clock change skips.
  const guess = wall - offsetMs(wall, timeZone);
  return wall - offsetMs(guess, timeZone);
}

function offsetFromText(text: string): number | undefined {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m || Number(m[2]) > 14 || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3_600_000 + Number(m[3]) * 60_000);
}

/** "2026-03-02T09:00:00-05:00": the instant as local time in `timeZone` with its offset. */
export function isoWithOffset(at: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  ) as Record<string, string>;
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName!.replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

/** Audit rows of `events`, with titles and team names (English) from `catalog` and times in its zone. */
export function auditRows(events: readonly AuditEvent[], catalog: Catalog): AuditRow[] {
  const activities = new Map(catalog.activities.map((a) => [a.id, a]));
  const teams = new Map(catalog.teams.map((t) => [t.id, t]));
  const time = (at: number | undefined): string => (at === undefined ? '' : isoWithOffset(at, catalog.timezone));
  return events.map((e) => {
    const activity = e.occurrence ? activities.get(e.occurrence.activityId) : undefined;
    const skipped = e.type === 'skipped';
    return {
      id: e.id,
      at: time(e.at),
      tenantId: e.tenantId,
      activityId: e.occurrence?.activityId ?? '',
      // An activity since removed from the catalog keeps its id; its title is not known any more.
      activityTitle: activity?.title ?? '',
      teamId: e.occurrence?.teamId ?? '',
      teamName: e.occurrence ? (teams.get(e.occurrence.teamId)?.name ?? '') : '',
      occurrenceId: e.occurrenceId,
      scheduledAt: time(e.occurrence?.scheduledAt),
      dueAt: time(e.occurrence?.dueAt),
      type: e.type,
      from: e.fromStatus ?? '',
      to: e.toStatus,
      actorName: e.actor.name,
      actorUserId: e.actor.userId,
      actorEntraObjectId: e.actor.aadObjectId ?? '',
      // A skip's text is its reason; every other event's is a note (Done's, the system's "on demand", a missed run's
      // count and span).
      note: skipped ? '' : (missedRunNote(e, time) ?? e.note ?? ''),
      reason: skipped ? (e.note ?? '') : '',
      evidence: e.evidence ? describeEvidence(e.evidence, activity?.evidence ?? []) : '',
      // Whom the event was about: the person assigned (issue 14), the person or team escalated to.
      subjectName: e.subject?.name ?? '',
      subjectEntraObjectId: e.subject?.aadObjectId ?? '',
      ...(e.evidence ? { evidenceValues: e.evidence } : {}),
    };
  });
}

/**
 * The note of a missed run's event, in both languages like a moved run's (the audit is read by whoever runs the
 * SOC): `missed 96 times between 2026-11-24T09:00:00+09:00 and 2026-11-30T09:00:00+09:00 / 2026-11-24T09:00:00+09:00
 * ~ 2026-11-30T09:00:00+09:00 사이 96회 누락`. A missed row from before runs is a run of one: `missed at … / … 누락`.
 */
function missedRunNote(e: AuditEvent, time: (at: number) => string): string | undefined {
  const run = e.occurrence?.missedRun;
  if (e.type !== 'missed' || !run || !e.occurrence) return undefined;
  const first = time(e.occurrence.scheduledAt);
  if (run.count === 1) return `missed at ${first} / ${first} 누락`;
  const last = time(run.lastAt);
  return `missed ${run.count} times between ${first} and ${last} / ${first} ~ ${last} 사이 ${run.count}회 누락`;
}

/** `Secure Score (%): 72; Report link: https://…` — labels from the catalog (English), else the field id. */
function describeEvidence(evidence: Readonly<Record<string, string | number>>, fields: readonly EvidenceField[]): string {
  return Object.entries(evidence)
    .map(([id, value]) => `${fields.find((f) => f.id === id)?.label ?? id}: ${value}`)
    .join('; ');
}

/** The columns of `audit rotations`, in order. */
export const ROTATION_AUDIT_COLUMNS = ['id', 'at', 'tenantId', 'teamId', 'teamName', 'from', 'to', 'actorName', 'actorUserId', 'actorEntraObjectId'] as const;

export type RotationAuditRow = { readonly [K in (typeof ROTATION_AUDIT_COLUMNS)[number]]: K extends 'id' ? number : string };

/**
 * Rows of the rotation changes made from chat: `from` and `to` list the people as `Name <entra id>; …`, or
 * `(catalog)` for the catalog's rotation.
 */
export function rotationAuditRows(changes: readonly RotationChange[], catalog: Catalog): RotationAuditRow[] {
  const teams = new Map(catalog.teams.map((t) => [t.id, t]));
  const people = (list: RotationChange['from']) => (list === undefined ? '(catalog)' : list.map((p) => `${p.name} <${p.id}>`).join('; '));
  return changes.map((c) => ({
    id: c.id,
    at: isoWithOffset(c.at, catalog.timezone),
    tenantId: c.tenantId,
    teamId: c.teamId,
    teamName: teams.get(c.teamId)?.name ?? '',
    from: people(c.from),
    to: people(c.to),
    actorName: c.actor.name,
    actorUserId: c.actor.userId,
    actorEntraObjectId: c.actor.aadObjectId ?? '',
  }));
}
