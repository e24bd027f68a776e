/**
 * The pacer on the fake clock: sends count against Teams' windows from the moment they are reserved (with the
 * jitter margin), not from Teams' answer; slow or unanswered sends keep counting; a 429 holds its thread and
 * tenant for Retry-After; a send that never left is given back. Teams' limits: 50 per second per tenant, 7 per
 * second and 8 per 2 s per thread.
 */
import { JITTER_MARGIN_MS, Pacer, SLOW_ANSWER_MS, THROTTLED_HOLD_MS, TEAMS_LIMITS, type Reservation } from '../../src/reminders/pacer';
import { FakeClock } from '../support/fake-clock';

const TENANT = 'tenant-a';

/** Reserves one send to each of `n` distinct threads of `tenant` (one send per channel, as a fan-out does). */
function burst(pacer: Pacer, n: number, tenant = TENANT, prefix = 'channel'): Reservation[] {
  return Array.from({ length: n }, (_, i) => {
    const r = pacer.reserve(tenant, `${prefix}-${i}`);
    expect(r.wait).toBe(0);
    return r;
  });
}

describe('the pacer', () => {
  let clock: FakeClock;
  let pacer: Pacer;
  beforeEach(() => {
    clock = new FakeClock('2026-03-09T09:00:00Z');
    pacer = new Pacer(TEAMS_LIMITS, 1, clock.now);
  });

  it('counts a send from the moment it was sent, not from Teams\' answer, plus the margin', () => {
    const first = burst(pacer, 50);
    clock.advance(80);
    for (const r of first) r.answered();
    // Teams' second is over 1000 ms after the sends; the margin keeps the next one back until 1000 + 25 ms.
    clock.set(Date.parse('2026-03-09T09:00:01Z'));
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeLessThanOrEqual(JITTER_MARGIN_MS + 1);
    clock.set(Date.parse('2026-03-09T09:00:01Z') + JITTER_MARGIN_MS + 1);
    // Counted from the answers (80 ms later), this would still have to wait 80 ms.
    expect(burst(pacer, 50, TENANT, 'next')).toHaveLength(50);
    expect(pacer.reserve(TENANT, 'one-too-many').wait).toBeGreaterThan(0);
  });

  it('keeps Teams\' per-thread windows exactly: 7 per second, 8 per 2 s', () => {
    const sends = Array.from({ length: 7 }, () => pacer.reserve(TENANT, 'busy-channel'));
    expect(sends.map((r) => r.wait)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    for (const r of sends) r.answered();
    expect(pacer.reserve(TENANT, 'busy-channel').wait).toBe(1000 + JITTER_MARGIN_MS + 1);
    clock.advance(1000 + JITTER_MARGIN_MS);
    pacer.reserve(TENANT, 'busy-channel').answered();
    // Eight in 2 s: the ninth waits for the first to be 2 s old.
    expect(pacer.reserve(TENANT, 'busy-channel').wait).toBe(2000 + JITTER_MARGIN_MS - (1000 + JITTER_MARGIN_MS) + 1);
    // Another channel of the tenant is not held by this one's windows.
    expect(pacer.reserve(TENANT, 'quiet-channel').wait).toBe(0);
  });

  it('counts a slow answer from the answer: its delay may not repeat in the next window', () => {
    const first = burst(pacer, 50);
    clock.advance(SLOW_ANSWER_MS + 200);
    for (const r of first) r.answered();
    const answeredAt = clock.now();
    clock.set(answeredAt + 1000 - 1);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    clock.set(answeredAt + 1000 + JITTER_MARGIN_MS);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
  });

  it('never lets a send still in flight leave the window, however long it takes', () => {
    const first = burst(pacer, 50);
    clock.advance(5_000);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    for (const r of first) r.answered();
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(1000 + JITTER_MARGIN_MS + 1);
    clock.advance(1000 + JITTER_MARGIN_MS);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
  });

  it('gives a send back when nothing was sent', () => {
    const first = burst(pacer, 50);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    first[0].release();
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
  });

  it('holds the thread and the tenant for Retry-After after a 429, and no other tenant', () => {
    const [r] = burst(pacer, 1);
    clock.advance(20);
    r.throttled(3_000);
    expect(pacer.reserve(TENANT, 'channel-0').wait).toBe(3_000);
    expect(pacer.reserve(TENANT, 'another-channel').wait).toBe(3_000);
    expect(pacer.reserve('tenant-b', 'channel-0').wait).toBe(0);
    clock.advance(3_000);
    expect(pacer.reserve(TENANT, 'another-channel').wait).toBe(0);
  });

  it('holds for Teams\' shortest window after a 429 without Retry-After', () => {
    const [r] = burst(pacer, 1);
    r.throttled(undefined);
    expect(pacer.reserve(TENANT, 'another-channel').wait).toBe(THROTTLED_HOLD_MS);
  });

  it('ignores a second ending of the same reservation', () => {
    const first = burst(pacer, 50);
    first[0].release();
    first[0].release();
    first[1].answered();
    first[1].release();
    // One slot free, not two (or more).
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
    expect(pacer.reserve(TENANT, 'channel-51').wait).toBeGreaterThan(0);
  });

  it('splits the budget between replicas', () => {
    const shared = new Pacer(TEAMS_LIMITS, 2, clock.now);
    burst(shared, 25);
    expect(shared.reserve(TENANT, 'channel-25').wait).toBeGreaterThan(0);
  });

  it('holds every send until a given time, and says how long a restart should wait: the 2 s thread window with the margin', () => {
    expect(pacer.burstWindowMs).toBe(2000 + JITTER_MARGIN_MS);
    pacer.holdUntil(clock.now() + 1500);
    expect(pacer.reserve(TENANT, 'channel-0').wait).toBe(1500);
    clock.advance(1500);
    expect(pacer.reserve(TENANT, 'channel-0').wait).toBe(0);
  });
});
