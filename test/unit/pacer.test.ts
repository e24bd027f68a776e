/**
 * The pacer on the fake clock: sends count against Teams' windows from the moment they are reserved (with the
 * jitter margin), not from Teams' answer; a slow one counts from its answer (Teams saw it by then), exactly a
 * window, the margin once; unanswered sends keep counting; a 429 holds its thread and
 * tenant for Retry-After; a send that never left is given back. Teams' limits: 50 per second per tenant, 7 per
 * second and 8 per 2 s per thread.
 */
import { JITTER_MARGIN_MS, Pacer, THROTTLED_HOLD_MS, TEAMS_LIMITS, type Reservation } from '../../src/reminders/pacer';
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

  it('counts a send answered within the margin from the moment it was sent, plus the margin, and a slower one from its answer, a window exactly', () => {
    const start = clock.now();
    const window = 1000 + JITTER_MARGIN_MS;
    const first = burst(pacer, 50);
    clock.advance(80);
    for (const r of first) r.answered();
    // 80 ms: the first requests of a burst open connections and may reach Teams late, so they count from the answer:
    // Teams saw them by then, so its second after the answer is all they wait (not the margin on top).
    clock.set(start + window);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(80 - JITTER_MARGIN_MS + 1);
    clock.set(start + 80 + window);
    const second = burst(pacer, 50, TENANT, 'second');
    clock.advance(8);
    for (const r of second) r.answered();
    // Answered within the margin: Teams' second after those sends is over 1000 ms after them, then the margin.
    clock.set(start + 80 + window + 1000);
    expect(pacer.reserve(TENANT, 'third-0').wait).toBe(JITTER_MARGIN_MS + 1);
    clock.set(start + 80 + 2 * window);
    // Counted from the answers (8 ms later), these would still have to wait 8 ms.
    expect(burst(pacer, 50, TENANT, 'third')).toHaveLength(50);
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

  it('counts a slow answer from the answer, after a quick one too: its delay may not repeat in the next window', () => {
    pacer.reserve(TENANT, 'warm-up').answered();
    clock.advance(1000 + JITTER_MARGIN_MS);
    const sent = clock.now();
    const second = burst(pacer, 50);
    // 300 ms: a slow answer (over the margin).
    clock.advance(300);
    for (const r of second) r.answered();
    const answeredAt = clock.now();
    clock.set(sent + 1000 + JITTER_MARGIN_MS);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(answeredAt - sent - JITTER_MARGIN_MS + 1);
    // Teams counted them no later than it answered: its window from the answer is over 1000 ms after it.
    clock.set(answeredAt + 999);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    clock.set(answeredAt + 1000);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
  });

  it('never lets a send still in flight leave the window, however long it takes', () => {
    const first = burst(pacer, 50);
    clock.advance(5_000);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBeGreaterThan(0);
    for (const r of first) r.answered();
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(1000 + 1);
    clock.advance(1000);
    expect(pacer.reserve(TENANT, 'channel-50').wait).toBe(0);
  });

  it('keeps counting a send reserved after a slow one that was answered later: each leaves the window in its turn', () => {
    const two = new Pacer({ perThread: [], perTenant: [{ count: 2, windowMs: 1000 }] }, 1, clock.now);
    const start = clock.now();
    const slow = two.reserve(TENANT, 'a');
    clock.advance(100);
    const quick = two.reserve(TENANT, 'b');
    expect(quick.wait).toBe(0);
    clock.advance(5);
    // The slow one counts from its answer less the margin (95 ms), before the quick one's send (100 ms).
    slow.answered();
    quick.answered();
    clock.set(start + 105 + 1000);
    expect(two.reserve(TENANT, 'c').wait).toBe(0);
    // The quick one still counts: sent at 100 ms, plus the window and the margin.
    expect(two.reserve(TENANT, 'd').wait).toBe(100 + 1000 + JITTER_MARGIN_MS - 1105 + 1);
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
