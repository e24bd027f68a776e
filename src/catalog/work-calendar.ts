/**
 * Working calendars: which local dates a team does not work (public holidays of its country, the catalog's own
 * holidays) and which day a run moved off a holiday lands on.
 *
 * Public holidays come from date-holidays (https://github.com/commenthol/date-holidays), which knows the Korean
 * lunar holidays (설날, 추석) and substitute days (대체공휴일). It is loaded only when a catalog names a calendar:
 * requiring it costs about 75 ms and 45 MB of RSS (measured on Node 24, 2026-12), which a catalog without
 * calendars should not pay at every start.
 */
import type Holidays from 'date-holidays';

/** Why a date is not worked, in both of the catalog's languages. */
export interface HolidayName {
  readonly en: string;
  readonly ko: string;
}

/** A team's working calendar, resolved from the catalog. */
export interface WorkCalendar {
  /** Same key, same calendar: lets callers plan once per (schedule, calendar). */
  readonly key: string;
  /** A 24×7 team: no holidays, nothing moves. */
  readonly allHours: boolean;
  /** True when no date can be a holiday (24×7, or no country and no extra dates): planning can skip every check. */
  readonly noHolidays: boolean;
  /** The holiday on a local date (YYYY-MM-DD), or undefined on a working day or an ordinary weekend. */
  holidayOn(date: string): HolidayName | undefined;
  /** True when the local date is worked: not a holiday, and not a Saturday or Sunday unless listed as a working day. */
  isWorkingDay(date: string): boolean;
}

/** How a team's calendar is written in the catalog, after defaults. */
export interface CalendarSpec {
  /** date-holidays country code, optionally with a state (`KR`, `US-CA`); undefined: no public holidays. */
  readonly country?: string;
  readonly allHours: boolean;
  /** Extra non-working dates (the catalog's `holidays` and its alias `skipDates`). */
  readonly holidays: readonly string[];
  /** Dates worked even though they are weekends or holidays. */
  readonly workingDays: readonly string[];
}

const CATALOG_HOLIDAY: HolidayName = { en: 'holiday in the catalog', ko: '카탈로그 지정 휴일' };

let holidaysClass: typeof Holidays | undefined;

/** date-holidays, required on first use (see the module comment for why not at import). */
function holidaysLibrary(): typeof Holidays {
  // The package is an ES module with a CommonJS build whose export is the class itself (lib/index.cjs).
  holidaysClass ??= require('date-holidays') as typeof Holidays;
  return holidaysClass;
}

/** `KR` → ['KR'], `US-CA` → ['US', 'CA']. */
function splitCode(code: string): [string, string | undefined] {
  const [country, state] = code.split('-', 2) as [string, string | undefined];
  return [country.toUpperCase(), state?.toUpperCase()];
}

/** True when date-holidays knows the country (and the state, when one is given) of a calendar code. */
export function isKnownCalendar(code: string): boolean {
  if (!/^[A-Za-z]{2}(-[A-Za-z0-9]{1,4})?$/.test(code)) return false;
  const [country, state] = splitCode(code);
  const H = holidaysLibrary();
  const probe = new H();
  if (!(country in probe.getCountries())) return false;
  return state === undefined || state in (probe.getStates(country) ?? {});
}

/** Public holidays of one country, computed a year at a time and kept. */
class CountryHolidays {
  private readonly years = new Map<number, Map<string, HolidayName>>();
  private readonly lib: Holidays;

  constructor(code: string) {
    const [country, state] = splitCode(code);
    const H = holidaysLibrary();
    this.lib = state === undefined ? new H(country) : new H(country, state);
  }

  on(date: string): HolidayName | undefined {
    const year = Number(date.slice(0, 4));
    let days = this.years.get(year);
    if (!days) {
      days = this.yearOf(year);
      this.years.set(year, days);
    }
    return days.get(date);
  }

  private yearOf(year: number): Map<string, HolidayName> {
    const days = new Map<string, HolidayName>();
    const ko = new Map(this.lib.getHolidays(year, 'ko').map((h) => [h.date, h.name]));
    // Only public holidays close an office; bank, school and observance days do not (date-holidays' types).
    for (const h of this.lib.getHolidays(year, 'en')) {
      if (h.type !== 'public') continue;
      const name = { en: h.name, ko: ko.get(h.date) ?? h.name };
      // `date` is the local start ("2026-09-24 00:00:00"); 추석 spans three days (rule `P3D`).
      const length = Math.max(1, Math.round((h.end.getTime() - h.start.getTime()) / 86_400_000));
      const first = Date.parse(`${h.date.slice(0, 10)}T00:00:00Z`);
      for (let d = 0; d < length; d++) {
        const local = new Date(first + d * 86_400_000).toISOString().slice(0, 10);
        if (!days.has(local)) days.set(local, name);
      }
    }
    return days;
  }
}

const countries = new Map<string, CountryHolidays>();

/** The working calendar of a spec. Country holidays are computed lazily and shared between calendars. */
export function workCalendar(spec: CalendarSpec): WorkCalendar {
  const extra = new Set(spec.holidays);
  const worked = new Set(spec.workingDays);
  const country = spec.country === undefined || spec.allHours ? undefined : spec.country;
  const key = spec.allHours ? '24x7' : `${country ?? '-'}|${[...extra].join(',')}|${[...worked].join(',')}`;
  const holidayOn = (date: string): HolidayName | undefined => {
    if (spec.allHours || worked.has(date)) return undefined;
    if (extra.has(date)) return CATALOG_HOLIDAY;
    if (country === undefined) return undefined;
    let lib = countries.get(country);
    if (!lib) {
      lib = new CountryHolidays(country);
      countries.set(country, lib);
    }
    return lib.on(date);
  };
  return {
    key,
    allHours: spec.allHours,
    noHolidays: spec.allHours || (country === undefined && extra.size === 0),
    holidayOn,
    isWorkingDay(date) {
      if (spec.allHours || worked.has(date)) return true;
      const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
      return weekday !== 0 && weekday !== 6 && holidayOn(date) === undefined;
    },
  };
}

/** A calendar with no holidays at all, for callers that have no team (and for 24×7 teams). */
export const ALL_HOURS: WorkCalendar = workCalendar({ allHours: true, holidays: [], workingDays: [] });
