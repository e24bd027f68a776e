/**
 * Keeps delivery under Teams' published bot limits, so that in normal operation Teams never has to answer
 * 429. Microsoft states the limits as "N requests per W seconds" per bot per thread (7/1 s, 8/2 s, 60/30 s,
 * 1800/1 h) and per app per tenant (50/1 s). Token buckets would let a full bucket plus its refill through in one
 * window (up to 2N), so each limit is kept as an exact sliding window of send times instead.
 *
 * A send counts from the moment it is reserved, just before it is sent, with a margin for jitter
 * (`JITTER_MARGIN_MS`). Counting from Teams' answer instead is safe without a margin, but then every window of a
 * burst costs one round trip more than Teams' limit. A send reached Teams before Teams answered it, so it counts
 * from the later of its reservation and its answer less the margin: one answered within the margin from its
 * reservation, a slower one from the answer, with the margin once and not twice. A 429 holds the thread and the
 * tenant for its Retry-After.
 *
 * Several replicas split the budget: each one paces itself to 1/replicas of every limit (DELIVERY_REPLICAS).
 * That needs no coordination and cannot exceed the limit together; the price is that one busy replica cannot
 * borrow an idle one's share.
 */

export interface RateLimit {
  readonly count: number;
  readonly windowMs: number;
}

export interface PacerLimits {
  readonly perThread: readonly RateLimit[];
  readonly perTenant: readonly RateLimit[];
}

/** Microsoft's published limits for bots in Teams (they say these may change: they are configuration). */
export const TEAMS_LIMITS: PacerLimits = Object.freeze({
  perThread: [
    { count: 7, windowMs: 1_000 },
    { count: 8, windowMs: 2_000 },
    { count: 60, windowMs: 30_000 },
    { count: 1800, windowMs: 3_600_000 },
  ],
  perTenant: [{ count: 50, windowMs: 1_000 }],
});

/** Parses "7/1s,8/2s,60/30s,1800/1h" into limits; undefined on a syntax error. */
export function parseLimits(text: string, parseDuration: (s: string) => number | undefined): RateLimit[] | undefined {
  const out: RateLimit[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)\/(.+)$/.exec(part);
    const windowMs = m ? parseDuration(m[2]) : undefined;
    if (!m || !windowMs || Number(m[1]) < 1) return undefined;
    out.push({ count: Number(m[1]), windowMs });
  }
  return out;
}

interface Slot {
  /** When the send counts from: the moment it was handed over for sending (a late answer moves it, see `answer`). */
  t: number;
  /** Teams answered (or the request ended without an answer). */
  answered: boolean;
}

export interface Reservation {
  /** 0: reserved; otherwise ms to wait before asking again (nothing was reserved). */
  readonly wait: number;
  /** The request has ended, whatever Teams answered (but 429): the send stays counted from when it was sent. */
  answered(): void;
  /** Nothing was sent (refused before any request left the process): the slot is given back. */
  release(): void;
  /**
   * Teams answered 429: the send stays counted, and nothing more goes to this thread or this tenant for
   * `retryAfterMs` (Teams' Retry-After; without one, `THROTTLED_HOLD_MS`). A 429 does not say which limit it was.
   */
  throttled(retryAfterMs?: number): void;
}

/**
 * Added to every window. Sends are counted from the moment they are handed to the poster, while Teams counts them
 * when they arrive, a little later; a send answered within this margin arrived within it, so with the margin
 * added its count cannot end before Teams' does (a slower one counts from its answer less the margin, see
 * `Window.answer`). Every millisecond of it costs one per window of a burst (a 500-channel fan-out crosses 9).
 * 10 ms, as before this counted from the send: a send counted from its answer then never waits longer than it did,
 * and one answered within 10 ms (warm sends took 5-12 ms to reach the connector in the fan-out benchmark) waits its
 * round trip less. 25 ms cost a 500-channel fan-out up to 1.1 s against
 * the answer-counting pacer in alternating runs. If it were too small, Teams (and the fake connector, which keeps
 * Teams' limits exactly) would answer 429.
 */
export const JITTER_MARGIN_MS = 10;

/** How long a 429 without Retry-After holds its thread and tenant: Teams' shortest window. */
export const THROTTLED_HOLD_MS = 1_000;

/**
 * One limit as an exact sliding window of send times (the limit's window includes the margin). A slot counts from
 * its send time, or from its answer less `marginMs` when that is later; a slot still in flight never leaves the
 * window (under load, requests were seen to reach the connector seconds after they were reserved).
 */
class Window {
  /** Sorted by `t`. */
  private slots: Slot[] = [];
  constructor(
    private readonly limit: RateLimit,
    private readonly marginMs: number,
  ) {}

  /** ms until one more send fits (0: it fits now); a lower bound while slow sends are still in flight. */
  waitAt(now: number): number {
    const cutoff = now - this.limit.windowMs;
    if (this.slots.length > 0 && this.slots[0].t <= cutoff) this.slots = this.slots.filter((s) => s.t > cutoff || !s.answered);
    if (this.slots.length < this.limit.count) return 0;
    const index = this.slots.length - this.limit.count;
    let i = -1;
    for (const s of this.slots) {
      // In flight and already slow: it will count from its answer less the margin, which is not before now less it.
      if (!s.answered && now - this.marginMs > s.t) continue;
      if (++i === index) return s.t + this.limit.windowMs - now + 1;
    }
    return this.limit.windowMs + 1;
  }

  record(now: number): Slot {
    const slot = { t: now, answered: false };
    this.slots.push(slot);
    return slot;
  }

  /**
   * The request ended: Teams saw it by now, so it counts from now less the margin when that is later than its send
   * (the window adds the margin back).
   *
   * A send answered later than the margin after it was sent counts from its answer less the margin: Teams cannot
   * have counted it later than it answered, and every window already adds the margin, so that expires exactly when
   * a window counted from the answer would. Counting such a send from its reservation is not safe: it may have
   * reached Teams late in its round trip (the first requests of a burst open connections: 40-540 ms to arrive in the
   * benchmark, against 5-12 ms in the next window). Trusting round trips up to 100 ms drew 4 429s in a 5 × 200
   * fan-out on a loaded machine, up to 50 ms 5 in another; none in 6 runs at the margin. Counting slow sends from the
   * answer with the margin on top, as before, cost each window of a loaded burst one margin more than it needs.
   * A send still in flight counts as if answered now (it never leaves the window while in flight).
   */
  answer(slot: Slot, now: number): void {
    slot.answered = true;
    const at = now - this.marginMs;
    if (at <= slot.t) return;
    this.remove(slot);
    slot.t = at;
    // Sends reserved within the margin before now count from later than `at`: keep the list sorted.
    let i = this.slots.length;
    while (i > 0 && this.slots[i - 1].t > at) i--;
    this.slots.splice(i, 0, slot);
  }

  remove(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  get idle(): boolean {
    return this.slots.length === 0;
  }
}

/** Windows up to this long are the ones a burst fills in moments; a restart waits them out (see `holdUntil`). */
const BURST_WINDOW_MAX_MS = 5_000;

const NOTHING_RESERVED = { answered: () => undefined, release: () => undefined, throttled: () => undefined };

export class Pacer {
  private readonly threads = new Map<string, Window[]>();
  private readonly tenants = new Map<string, Window[]>();
  /** Tenants and threads (keys as in the maps above) Teams answered 429, until when (epoch ms, real time). */
  private readonly throttledUntil = new Map<string, number>();
  private readonly limits: PacerLimits;
  private sends = 0;
  /** No send before this time (epoch ms, real time). */
  private heldUntil = 0;

  /**
   * @param replicas how many replicas share the budget (each takes an equal share, at least 1 per window).
   * @param marginMs extra time added to every window, for the jitter between our send and Teams' count.
   *   @default JITTER_MARGIN_MS
   */
  constructor(
    limits: PacerLimits = TEAMS_LIMITS,
    replicas = 1,
    private readonly now: () => number = Date.now,
    private readonly marginMs = JITTER_MARGIN_MS,
  ) {
    const share = (l: RateLimit): RateLimit => ({ count: Math.max(1, Math.floor(l.count / replicas)), windowMs: l.windowMs + this.marginMs });
    this.limits = { perThread: limits.perThread.map(share), perTenant: limits.perTenant.map(share) };
  }

  /**
   * Reserves a send to `threadKey` in `tenantId` if every limit allows it now, counted from now: call it right
   * before sending, and tell the reservation how the request ended. Otherwise says how many ms to wait, reserving
   * nothing.
   */
  reserve(tenantId: string, threadKey: string): Reservation {
    const now = this.now();
    const threadId = `${tenantId}|${threadKey}`;
    const heldUntil = Math.max(this.heldUntil, this.throttledUntil.get(tenantId) ?? 0, this.throttledUntil.get(threadId) ?? 0);
    if (now < heldUntil) return { wait: heldUntil - now, ...NOTHING_RESERVED };
    const windows = [...this.windowsOf(this.tenants, tenantId, this.limits.perTenant), ...this.windowsOf(this.threads, threadId, this.limits.perThread)];
    const wait = Math.max(...windows.map((w) => w.waitAt(now)));
    if (wait > 0) return { wait, ...NOTHING_RESERVED };
    const slots = windows.map((w) => w.record(now));
    if (++this.sends % 10_000 === 0) this.forgetIdle();
    let ended = false;
    const end = (f: (w: Window, slot: Slot) => void) => {
      if (ended) return;
      ended = true;
      windows.forEach((w, i) => {
        f(w, slots[i]);
      });
    };
    return {
      wait: 0,
      answered: () => end((w, slot) => w.answer(slot, this.now())),
      release: () => end((w, slot) => w.remove(slot)),
      throttled: (retryAfterMs) => {
        end((w, slot) => w.answer(slot, this.now()));
        const until = this.now() + (retryAfterMs ?? THROTTLED_HOLD_MS);
        for (const key of [tenantId, threadId]) this.throttledUntil.set(key, Math.max(until, this.throttledUntil.get(key) ?? 0));
      },
    };
  }

  /**
   * How long after the last send of another process this one should wait before its first: the longest of the
   * short windows (with Teams' limits, 8 per 2 s per thread), plus the margin. Longer windows (60 per 30 s, 1800 per
   * hour per thread) take far more than a burst to fill, and Teams' 429 answers them if they ever are.
   */
  get burstWindowMs(): number {
    const short = [...this.limits.perThread, ...this.limits.perTenant].filter((l) => l.windowMs <= BURST_WINDOW_MAX_MS + this.marginMs);
    return short.length === 0 ? 0 : Math.max(...short.map((l) => l.windowMs));
  }

  /**
   * Holds every send until `at` (real time). A process knows only its own sends: one that starts right after another
   * died (or beside a replica in the middle of a burst) would otherwise send into windows Teams is still counting.
   */
  holdUntil(at: number): void {
    this.heldUntil = Math.max(this.heldUntil, at);
  }

  private windowsOf(map: Map<string, Window[]>, key: string, limits: readonly RateLimit[]): Window[] {
    let w = map.get(key);
    if (!w) {
      w = limits.map((l) => new Window(l, this.marginMs));
      map.set(key, w);
    }
    return w;
  }

  /** Drops windows with nothing in them, so thousands of quiet channels cost no memory. */
  private forgetIdle(): void {
    const now = this.now();
    for (const [key, until] of this.throttledUntil) if (until <= now) this.throttledUntil.delete(key);
    for (const map of [this.threads, this.tenants]) {
      for (const [key, windows] of map) {
        for (const w of windows) w.waitAt(now);
        if (windows.every((w) => w.idle)) map.delete(key);
      }
    }
  }
}
