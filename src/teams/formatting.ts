/** Times and durations as people read them, in the activity's time zone and the reader's language. */
import type { Locale } from './cards/card-views';
import { t } from './i18n';

// Building an Intl.DateTimeFormat costs about half a millisecond, using one a few microseconds, and a card shows
// several times: keep one per kind, language and time zone (there are only a handful of each).
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(kind: 'parts' | 'time' | 'day', timeZone: string, locale: Locale): Intl.DateTimeFormat {
  const key = `${kind}|${locale}|${timeZone}`;
  let f = formats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'parts'
        ? { timeZone, weekday: 'short', year: 'numeric', month: locale === 'ko' ? 'numeric' : 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: locale === 'ko' ? 'h12' : 'h23', timeZoneName: 'shortOffset' }
        : kind === 'time'
          ? { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' };
    const language = kind === 'day' ? 'en-CA' : locale === 'ko' ? 'ko-KR' : 'en-GB';
    f = new Intl.DateTimeFormat(language, options);
    formats.set(key, f);
  }
  return f;
}

/** What a date is shown against: today's year is left out, and the reader's own zone is not named. */
export interface DateContext {
  /** Now, to leave out the current year. Without it the year is always shown. */
  readonly now?: number;
  /** The reader's time zone (the SOC's, from the catalog). Without it the zone is always shown. */
  readonly readerTimeZone?: string;
}

type Parts = Record<'year' | 'month' | 'day' | 'weekday' | 'dayPeriod' | 'hour' | 'minute' | 'timeZoneName', string>;

// formatToParts costs several microseconds and a shown time needs it up to five times (the time, the year of now,
// the zone of the reader): the answer to a card action and the card update each show the same few times. Kept by
// minute, zone and language: nothing shown is finer than the minute, and every zone's offset is whole minutes
// today, so all the instants of a minute have the same parts (keyed by instant, "acknowledged at" and "done at",
// a new millisecond each time, never hit). Emptied when full, so it stays small whatever times are asked for.
const PARTS_CACHE_SIZE = 1024;
const partsCache = new Map<string, Readonly<Parts>>();

function partsOf(at: number, timeZone: string, locale: Locale): Readonly<Parts> {
  const minute = at - (((at % 60_000) + 60_000) % 60_000);
  const key = `${minute}|${timeZone}|${locale}`;
  let parts: Parts | Readonly<Parts> | undefined = partsCache.get(key);
  if (parts) return parts;
  const fresh: Parts = { year: '', month: '', day: '', weekday: '', dayPeriod: '', hour: '', minute: '', timeZoneName: '' };
  for (const p of formatOf('parts', timeZone, locale).formatToParts(minute)) if (p.type in fresh) fresh[p.type as keyof Parts] = p.value;
  parts = Object.freeze(fresh);
  if (partsCache.size >= PARTS_CACHE_SIZE) partsCache.clear();
  partsCache.set(key, parts);
  return parts;
}

function yearOf(now: number, timeZone: string, locale: Locale): string {
  return partsOf(now, timeZone, locale).year;
}

// Korean writes dates as 12월 2일(수), with no space before the weekday, and times as 오전 4:51 (the issue 15 review by
// Korean-speaking analysts); Intl's ko-KR gives "2026. 12. 2. (수)", which reads as a form field, so the parts are
// put together here. English keeps the 24-hour clock SOCs use.
function dayText(p: Readonly<Parts>, withYear: boolean, locale: Locale): string {
  if (locale === 'ko') return `${withYear ? `${p.year}년 ` : ''}${p.month}월 ${p.day}일(${p.weekday})`;
  return `${p.weekday} ${p.day} ${p.month}${withYear ? ` ${p.year}` : ''}`;
}

function showsYear(at: number, timeZone: string, locale: Locale, context: DateContext): boolean {
  return context.now === undefined || yearOf(context.now, timeZone, locale) !== partsOf(at, timeZone, locale).year;
}

// Two zone names can share an offset (Asia/Seoul and Asia/Tokyo): what matters to the reader is the clock.
function showsZone(at: number, timeZone: string, locale: Locale, context: DateContext): boolean {
  if (context.readerTimeZone === undefined) return true;
  return partsOf(at, context.readerTimeZone, locale).timeZoneName !== partsOf(at, timeZone, locale).timeZoneName;
}

/**
 * e.g. "Wed 2 Dec, 04:51" / "12월 2일(수) 오전 4:51": the year only when it is not the current one, the zone
 * ("GMT+9") only when it is not the reader's.
 */
export function formatDateTime(at: number, timeZone: string, locale: Locale, context: DateContext = {}): string {
  const p = partsOf(at, timeZone, locale);
  const day = dayText(p, showsYear(at, timeZone, locale, context), locale);
  const zone = showsZone(at, timeZone, locale, context) ? ` ${p.timeZoneName}` : '';
  return locale === 'ko' ? `${day} ${p.dayPeriod} ${p.hour}:${p.minute}${zone}` : `${day}, ${p.hour}:${p.minute}${zone}`;
}

/** A day without its time, e.g. "Wed 25 Nov" / "11월 25일(수)", the year only when it is not the current one. */
export function formatDay(at: number, timeZone: string, locale: Locale, context: DateContext = {}): string {
  return dayText(partsOf(at, timeZone, locale), showsYear(at, timeZone, locale, context), locale);
}

/** e.g. "17:00" when on the same local day as `reference`, else the full date and time. */
export function formatTimeNear(at: number, reference: number, timeZone: string, locale: Locale, context: DateContext = {}): string {
  const day = formatOf('day', timeZone, locale);
  if (day.format(at) !== day.format(reference)) return formatDateTime(at, timeZone, locale, context);
  return formatOf('time', timeZone, locale).format(at);
}

/** e.g. "2 h 10 min", "3 d 4 h", "25 min". */
export function formatElapsed(ms: number, locale: Locale): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return t(locale, 'duration.minutes', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t(locale, 'duration.hours', { h: hours, m: minutes % 60 });
  return t(locale, 'duration.days', { d: Math.floor(hours / 24), h: hours % 24 });
}

/**
 * People's text made inert for the one place whose rendering Teams does not document and where a card cannot go:
 * the `value` of an `application/vnd.microsoft.activity.message` invoke answer, the short note Teams shows on a
 * card after a button press ("Already done by …"). Whether Teams reads Markdown or HTML there, or neither, the
 * result reads as typed: a zero-width space (U+200B, invisible) after `<` and `&` keeps `<at>…</at>`, `<img>`,
 * `<https://…>` and `&lt;` from being markup, a mention or an entity; one after `]` keeps `[x](url)`,
 * `![i](url)` and `[x]: url` from being a link or an image; line breaks become spaces, and a leading `#`, `>`,
 * `-`, `+`, `*` or `1.` gets a zero-width space before it, so it starts no heading, quote or list. Not prevented:
 * emphasis (`**bold**` could turn bold, never into a link). Cards and chat replies need none of this: their
 * people's text is in TextRuns, which have no Markdown at all.
 */
export function inertText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[<&\]]/g, '$&\u200B')
    .replace(/^(?=[#>+\-*]|\d+[.)])/, '\u200B');
}
