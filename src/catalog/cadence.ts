/** Locales the catalog carries words for. */
export type CatalogLocale = 'en' | 'ko';

const DAY_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
const DAY_KO = ['일요일', '월요일', '화요일', '수요일', '목요일', '금요일', '토요일'] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const NTH_EN = ['First', 'Second', 'Third', 'Fourth', 'Fifth'] as const;
const NTH_KO = ['첫째', '둘째', '셋째', '넷째', '다섯째'] as const;

const WORDS = {
  en: {
    asNeeded: 'As needed',
    andAsNeeded: ' and as needed',
    fallback: (expr: string) => `Schedule: ${expr}`,
    everyDay: (t: string) => `Every day at ${t}`,
    weekdays: (t: string) => `Weekdays at ${t}`,
    weekends: (t: string) => `Weekends at ${t}`,
    weekly: (days: readonly number[], t: string) => `Every ${joinEn(days.map((d) => DAY_EN[d]!))} at ${t}`,
    nthWeekday: (nth: number, day: number, t: string) => `${NTH_EN[nth - 1]} ${DAY_EN[day]} of the month at ${t}`,
    monthlyOnDay: (day: number, t: string) => `Monthly on day ${day} at ${t}`,
    monthlyLastDay: (t: string) => `Monthly on the last day at ${t}`,
    every: (n: number, unit: 'second' | 'minute' | 'hour') => (n === 1 ? `Every ${unit}` : `Every ${n} ${unit}s`),
  },
  ko: {
    asNeeded: '필요에 따라',
    andAsNeeded: ' 및 필요한 경우',
    fallback: (expr: string) => `일정: ${expr}`,
    everyDay: (t: string) => `매일 ${t}`,
    weekdays: (t: string) => `평일 ${t}`,
    weekends: (t: string) => `주말 ${t}`,
    weekly: (days: readonly number[], t: string) => `매주 ${days.map((d) => DAY_KO[d]!).join(', ')} ${t}`,
    nthWeekday: (nth: number, day: number, t: string) => `매월 ${NTH_KO[nth - 1]} ${DAY_KO[day]} ${t}`,
    monthlyOnDay: (day: number, t: string) => `매월 ${day}일 ${t}`,
    monthlyLastDay: (t: string) => `매월 마지막 날 ${t}`,
    every: (n: number, unit: 'second' | 'minute' | 'hour') => `${n}${{ second: '초', minute: '분', hour: '시간' }[unit]}마다`,
  },
} as const;

/**
 * The cadence of an activity in words, for cards: `0 9 * * 1-5` → "Weekdays at 09:00" / "평일 09:00",
 * `0 10 * * 1` → "Every Monday at 10:00" / "매주 월요일 10:00", `0 10 * * 1#1` → "First Monday of the month at 10:00" /
 * "매월 첫째 월요일 10:00", `0 10 15 * *` → "Monthly on day 15 at 10:00", `*\/30 * * * * *` → "Every 30 seconds".
 * Expressions without a common reading come back as `Schedule: <expr>` / `일정: <expr>`.
 *
 * No schedule reads "As needed" / "필요에 따라"; a schedule that may also be started by hand gets " and as needed" /
 * " 및 필요한 경우" appended.
 */
export function describeSchedule(schedule: string | undefined, onDemand: boolean, locale: CatalogLocale): string {
  const words = WORDS[locale];
  const expr = schedule?.trim();
  if (!expr) return words.asNeeded;
  const base = describeCron(expr, locale) ?? words.fallback(expr);
  return onDemand ? base + words.andAsNeeded : base;
}

/** How often a schedule fires, as far as holidays care: `daily` covers every day, weekdays and anything finer. */
export type CadenceKind = 'daily' | 'weekly' | 'monthly';

/**
 * The cadence kind of a cron expression, read like `describeSchedule` reads it: both day fields open, steps,
 * or five or more days a week are daily; a list of fewer weekdays is weekly; a day of the month, `L`, `1#1`, or a
 * month list is monthly.
 */
export function cadenceKind(schedule: string): CadenceKind {
  const fields = schedule.trim().split(/\s+/);
  const [, , , dayOfMonth = '*', month = '*', dayOfWeek = '*'] = fields.length === 6 ? fields : ['0', ...fields];
  if (!isAny(dayOfMonth) || month !== '*' || dayOfWeek.includes('#')) return 'monthly';
  if (isAny(dayOfWeek)) return 'daily';
  const days = parseDays(dayOfWeek);
  return days && days.length < 5 ? 'weekly' : 'daily';
}

function describeCron(expr: string, locale: CatalogLocale): string | undefined {
  const words = WORDS[locale];
  const fields = expr.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return undefined;
  const [second, minute, hour, dayOfMonth, month, dayOfWeek] = fields.length === 6 ? fields : ['0', ...fields];
  if (month !== '*') return undefined;

  const steps = describeStep(second!, minute!, hour!, fields.length === 6);
  if (steps && isAny(dayOfMonth!) && isAny(dayOfWeek!)) return words.every(steps.n, steps.unit);

  const time = clockTime(second!, minute!, hour!);
  if (time === undefined) return undefined;

  if (isAny(dayOfMonth!)) {
    if (isAny(dayOfWeek!)) return words.everyDay(time);
    const nth = /^([0-7a-z]+)#([1-5])$/i.exec(dayOfWeek!);
    if (nth) {
      const day = parseDay(nth[1]!);
      return day === undefined ? undefined : words.nthWeekday(Number(nth[2]), day, time);
    }
    const days = parseDays(dayOfWeek!);
    if (!days) return undefined;
    if (days.length === 7) return words.everyDay(time);
    if (sameDays(days, [1, 2, 3, 4, 5])) return words.weekdays(time);
    if (sameDays(days, [6, 0])) return words.weekends(time);
    return words.weekly(days, time);
  }
  if (!isAny(dayOfWeek!)) return undefined;
  if (/^l$/i.test(dayOfMonth!)) return words.monthlyLastDay(time);
  const day = integerIn(dayOfMonth!, 1, 31);
  return day === undefined ? undefined : words.monthlyOnDay(day, time);
}

/**
 * `*\/N` in the finest field with every coarser field open. Only steps that divide the field's cycle are "every N":
 * `*\/7` minutes fires at :56 and then again at :00, which is not every seven minutes.
 */
function describeStep(
  second: string,
  minute: string,
  hour: string,
  hasSeconds: boolean,
): { n: number; unit: 'second' | 'minute' | 'hour' } | undefined {
  const step = (field: string, cycle: number): number | undefined => {
    if (field === '*') return 1;
    const m = /^\*\/(\d+)$/.exec(field);
    const n = m ? integerIn(m[1]!, 1, cycle - 1) : undefined;
    return n !== undefined && cycle % n === 0 ? n : undefined;
  };
  const unit = (n: number | undefined, u: 'second' | 'minute' | 'hour') => (n === undefined ? undefined : { n, unit: u });
  if (hasSeconds && second !== '0') {
    return minute === '*' && hour === '*' ? unit(step(second, 60), 'second') : undefined;
  }
  if (minute === '0') return unit(step(hour, 24), 'hour');
  if (hour === '*') return unit(step(minute, 60), 'minute');
  return undefined;
}

function clockTime(second: string, minute: string, hour: string): string | undefined {
  const s = integerIn(second, 0, 59);
  const m = integerIn(minute, 0, 59);
  const h = integerIn(hour, 0, 23);
  if (s === undefined || m === undefined || h === undefined) return undefined;
  const hhmm = `${pad(h)}:${pad(m)}`;
  return s === 0 ? hhmm : `${hhmm}:${pad(s)}`;
}

/**
 * A day-of-week list or range (`1-5`, `MON-FRI`, `1,3,5`, `SAT,SUN`) as unique day numbers (Sunday = 0), ordered
 * Monday first as working weeks are read.
 */
function parseDays(field: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of field.split(',')) {
    const range = part.split('-');
    if (range.length > 2) return undefined;
    const from = parseDay(range[0]!);
    const to = range.length === 2 ? parseDay(range[1]!) : from;
    if (from === undefined || to === undefined) return undefined;
    // `5-7` ends on Sunday, which parseDay folds to 0; keep the range ascending.
    const end = to < from ? to + 7 : to;
    for (let d = from; d <= end; d++) days.add(d % 7);
  }
  return [...days].sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7));
}

function parseDay(text: string): number | undefined {
  const name = DAY_NAMES.indexOf(text.toLowerCase() as (typeof DAY_NAMES)[number]);
  if (name >= 0) return name;
  const n = integerIn(text, 0, 7);
  return n === undefined ? undefined : n % 7;
}

function integerIn(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

function isAny(field: string): boolean {
  return field === '*' || field === '?';
}

function sameDays(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function joinEn(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
