/** Milliseconds per unit, largest first: the order in which a compound duration must list its parts. */
const UNITS = [
  ['w', 7 * 24 * 60 * 60 * 1000],
  ['d', 24 * 60 * 60 * 1000],
  ['h', 60 * 60 * 1000],
  ['m', 60 * 1000],
  ['s', 1000],
] as const;

const UNIT_MS: ReadonlyMap<string, number> = new Map(UNITS);
const DURATION = /^(?:\d+[wdhms])+$/;
const PART = /(\d+)([wdhms])/g;

/**
 * Parses a compact duration such as `90s`, `30m`, `8h`, `2d`, `1w`, `1h30m` or `1d12h` into milliseconds.
 *
 * Units are w, d, h, m, s (lowercase), each at most once and largest first, so `30m1h` and `1h1h` are refused
 * rather than guessed at. Surrounding whitespace is ignored; anything else (spaces inside, words, decimals, signs)
 * is refused.
 *
 * @returns the duration in milliseconds, or `undefined` when the text is not a valid duration or totals zero.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  let previousRank = -1;
  for (const [, digits, unit] of trimmed.matchAll(PART)) {
    const rank = UNITS.findIndex(([u]) => u === unit);
    if (rank <= previousRank) return undefined;
    previousRank = rank;
    total += Number(digits) * UNIT_MS.get(unit)!;
  }
  if (total <= 0 || !Number.isSafeInteger(total)) return undefined;
  return total;
}

/**
 * Formats milliseconds as the compact form `parseDuration` reads (`1d12h`, `1w`, `1h30m`), so that the two round-trip
 * for whole seconds. Sub-second remainders are rounded to the nearest second; zero is `0s`.
 *
 * @throws RangeError for a negative or non-finite value.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  let rest = Math.round(ms / 1000) * 1000;
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
