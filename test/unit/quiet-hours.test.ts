/** Quiet hours end at their wall-clock time in the team's zone, across daylight-saving changes too. */
import { quietUntil } from '../../src/reminders/quiet-hours';

const NIGHT = { startMinute: 22 * 60, endMinute: 8 * 60 };

describe('quietUntil', () => {
  it('is undefined outside the hours and for a team without them', () => {
    expect(quietUntil({ ...NIGHT, timezone: 'Asia/Seoul' }, Date.parse('2026-03-09T12:59:00Z'))).toBeUndefined(); // 21:59 KST
    expect(quietUntil({ ...NIGHT, timezone: 'Asia/Seoul' }, Date.parse('2026-03-09T23:00:00Z'))).toBeUndefined(); // 08:00 KST
    expect(quietUntil(undefined, Date.parse('2026-03-09T14:00:00Z'))).toBeUndefined();
  });

  it('ends at 08:00 the next morning from before midnight, and the same morning from after it', () => {
    const seoul = { ...NIGHT, timezone: 'Asia/Seoul' };
    expect(new Date(quietUntil(seoul, Date.parse('2026-03-09T13:00:00Z'))!).toISOString()).toBe('2026-03-09T23:00:00.000Z'); // 22:00 KST
    expect(new Date(quietUntil(seoul, Date.parse('2026-03-09T16:00:00Z'))!).toISOString()).toBe('2026-03-09T23:00:00.000Z'); // 01:00 KST
  });

  it('ends at 08:00 local on the night the clocks move (New York, spring forward and fall back)', () => {
    const ny = { ...NIGHT, timezone: 'America/New_York' };
    // 2026-03-08 02:00 EST → 03:00 EDT: 08:00 EDT is 12:00 UTC (13:00 the morning before).
    expect(new Date(quietUntil(ny, Date.parse('2026-03-08T04:00:00Z'))!).toISOString()).toBe('2026-03-08T12:00:00.000Z'); // 23:00 EST
    expect(new Date(quietUntil(ny, Date.parse('2026-03-07T04:00:00Z'))!).toISOString()).toBe('2026-03-07T13:00:00.000Z');
    // 2026-11-01 02:00 EDT → 01:00 EST: 08:00 EST is 13:00 UTC.
    expect(new Date(quietUntil(ny, Date.parse('2026-11-01T03:00:00Z'))!).toISOString()).toBe('2026-11-01T13:00:00.000Z'); // 23:00 EDT
  });

  it('handles hours that do not wrap (a lunch break)', () => {
    const lunch = { startMinute: 12 * 60, endMinute: 13 * 60, timezone: 'Europe/Berlin' };
    expect(new Date(quietUntil(lunch, Date.parse('2026-07-01T10:30:00Z'))!).toISOString()).toBe('2026-07-01T11:00:00.000Z'); // 12:30 CEST
    expect(quietUntil(lunch, Date.parse('2026-07-01T11:00:00Z'))).toBeUndefined();
  });
});
