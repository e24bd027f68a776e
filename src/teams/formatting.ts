/** Times and durations as people read them, in the activity's time zone and the reader's language. */
import type { Locale } from './cards/card-views';
import { t } from './i18n';

// Building an Intl.DateTimeFormat costs about half a millisecond, using one a few microseconds, and a card shows
// several times: keep one per kind, language and time zone (there are only a handful of each).
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(kind: 'full' | 'time' | 'day', timeZone: string, locale: Locale): Intl.DateTimeFormat {
  const key = `${kind}|${locale}|${timeZone}`;
  let f = formats.get(key);
  if (!f) {
    const language = locale === 'ko' ? 'ko-KR' : 'en-GB';
    const options: Intl.DateTimeFormatOptions =
      kind === 'full'
        ? { timeZone, weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'shortOffset' }
        : kind === 'time'
          ? { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
          : { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' };
    formats.set(key, (f = new Intl.DateTimeFormat(kind === 'day' ? 'en-CA' : language, options)));
  }
  return f;
}

/** e.g. "Mon, 9 Mar 2026, 17:00 GMT-4" / "2026. 3. 9. (월) 17:00 GMT-4". */
export function formatDateTime(at: number, timeZone: string, locale: Locale): string {
  return formatOf('full', timeZone, locale).format(at);
}

/** e.g. "17:00" when on the same local day as `reference`, else the full date and time. */
export function formatTimeNear(at: number, reference: number, timeZone: string, locale: Locale): string {
  const day = formatOf('day', timeZone, locale);
  if (day.format(at) !== day.format(reference)) return formatDateTime(at, timeZone, locale);
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
