/**
 * Dates, times and durations as the tab shows them: in the catalog's time zone (the one the cards and the
 * schedules use, whatever the viewer's machine says), 24-hour clock, in the viewer's language.
 */
import type { Strings } from './strings';

export class Formats {
  private readonly dayTime: Intl.DateTimeFormat;
  private readonly dayOnly: Intl.DateTimeFormat;
  private readonly timeOnly: Intl.DateTimeFormat;
  private readonly shortDate: Intl.DateTimeFormat;
  private readonly axisDate: Intl.DateTimeFormat;
  private readonly dayKeyFormat: Intl.DateTimeFormat;
  private readonly relative: Intl.RelativeTimeFormat;
  private readonly percentFormat: Intl.NumberFormat;

  constructor(
    readonly locale: string,
    readonly timeZone: string,
    private readonly strings: Strings,
  ) {
    const base = { timeZone } as const;
    this.dayTime = new Intl.DateTimeFormat(locale, { ...base, weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.dayOnly = new Intl.DateTimeFormat(locale, { ...base, weekday: 'short', month: 'short', day: 'numeric' });
    this.timeOnly = new Intl.DateTimeFormat(locale, { ...base, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    this.shortDate = new Intl.DateTimeFormat(locale, { ...base, month: 'short', day: 'numeric' });
    // Korean month names are as long as the day ("10월 19일"): numeric dates fit under a bar ("10. 19.").
    this.axisDate = locale.toLowerCase().startsWith('ko') ? new Intl.DateTimeFormat(locale, { ...base, month: 'numeric', day: 'numeric' }) : this.shortDate;
    this.dayKeyFormat = new Intl.DateTimeFormat('en-CA', { ...base, year: 'numeric', month: '2-digit', day: '2-digit' });
    this.relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'long' });
    this.percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 });
  }

  /** "Tue, Nov 24, 17:00" / "11월 24일 (화) 17:00" */
  dateTime(iso: string): string {
    return this.dayTime.format(new Date(iso));
  }

  /** "Tue, Nov 24" */
  day(iso: string): string {
    return this.dayOnly.format(new Date(iso));
  }

  /** "17:00" */
  time(iso: string | number): string {
    return this.timeOnly.format(new Date(iso));
  }

  /** "Nov 24" / "11월 24일" */
  date(iso: string): string {
    return this.shortDate.format(new Date(iso));
  }

  /** Under a chart bar: "Nov 24" / "11. 24." */
  chartDate(iso: string): string {
    return this.axisDate.format(new Date(iso));
  }

  /** Calendar day in the catalog's zone (YYYY-MM-DD), to group rows by day. */
  dayKey(iso: string): string {
    return this.dayKeyFormat.format(new Date(iso));
  }

  /** "3 hours ago", "in 2 days" / "3시간 전", "2일 후", relative to the server's `now`. */
  fromNow(iso: string, now: string): string {
    const diff = Date.parse(iso) - Date.parse(now);
    const abs = Math.abs(diff);
    const minute = 60_000;
    const hour = 60 * minute;
    const day = 24 * hour;
    if (abs < hour) return this.relative.format(Math.round(diff / minute), 'minute');
    if (abs < 2 * day) return this.relative.format(Math.round(diff / hour), 'hour');
    return this.relative.format(Math.round(diff / day), 'day');
  }

  /** 0.75 → "75%" */
  percent(ratio: number): string {
    return this.percentFormat.format(ratio);
  }

  /** A duration in the two largest units that matter: "2 d 4 h", "3 h 5 min", "12 min" / "2일 4시간", … */
  duration(ms: number): string {
    const totalMinutes = Math.round(ms / 60_000);
    const days = Math.floor(totalMinutes / 1440);
    const hours = Math.floor((totalMinutes % 1440) / 60);
    const minutes = totalMinutes % 60;
    return this.strings.duration(days, hours, minutes);
  }
}

/** The locale for Intl: the host's tag when it is in the tab's language, else a sensible default for it. */
export function intlLocale(lang: 'en' | 'ko', hostTag: string | undefined): string {
  const tag = hostTag?.trim();
  if (tag?.toLowerCase().startsWith(lang)) {
    try {
      return Intl.getCanonicalLocales(tag)[0] ?? lang;
    } catch {
      // A malformed tag from the host or the URL: fall through to the default.
    }
  }
  return lang === 'ko' ? 'ko-KR' : 'en-GB';
}
