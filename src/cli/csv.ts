/**
 * CSV for people who open it in a spreadsheet. The audit export carries text that anyone in the tenant typed (a
 * display name, a Done note, a Skip reason); Excel, LibreOffice and Google Sheets run a cell that starts with a
 * formula character as a formula (`=HYPERLINK(…)`, `=cmd|…`, `@SUM(…)`), so such a cell is neutralised the way
 * OWASP's "CSV Injection" page says: prefixed with `'` and quoted.
 */

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP: `=`, `+`, `-`, `@`, tab, carriage return),
 * and their full-width forms, which East Asian input methods type and some spreadsheet locales turn into the
 * ASCII ones on import.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * A leading space does not always save a cell: spreadsheets trim it on import, or on the next edit of the cell.
 * So the first character after leading blanks counts too ("  =1+1"). Blanks here are spaces, no-break spaces and
 * line feeds; tab and carriage return are formula starts themselves.
 */
const LEADING_BLANKS = /^[ \u00A0\n]*/;

/** True when a spreadsheet could take `text` for a formula. */
export function looksLikeFormula(text: string): boolean {
  return FORMULA_START.test(text.replace(LEADING_BLANKS, ''));
}

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, with quotes doubled; a cell a
 * spreadsheet would run as a formula gets a leading `'` (shown, never evaluated) and is always quoted.
 * `undefined` and `null` are empty cells.
 */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  if (looksLikeFormula(text)) return `"'${text.replace(/"/g, '""')}"`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (without its line break) from the cells in order. */
export function csvLine(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',');
}
