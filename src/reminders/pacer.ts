/**
 * Keeps delivery under Teams' published bot limits, so that in normal operation Teams never has to answer
 * 429. Microsoft states the limits as "N requests per W seconds" per bot per thread (7/1 s, 8/2 s, 60/30 s,
 * 1800/1 h) and per app per tenant (50/1 s). Token buckets would let a full bucket plus its refill through in one
 * window (up to 2N), so each limit is kept as an exact sliding window of send times instead.
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
  t: number;
}

export interface Reservation {
  /** 0: reserved; otherwise ms to wait before asking again. */
  readonly wait: number;
  /** Marks the reserved request as answered (no-op when nothing was reserved). */
  complete(): void;
}

class Window {
  /** Sorted by time: reservations, moved to their completion time when the request has finished. */
  private readonly times: Slot[] = [];
  constructor(private readonly limit: RateLimit) {}

  /** ms until one more send fits (0: it fits now). */
  waitAt(now: number): number {
    const cutoff = now - this.limit.windowMs;
    while (this.times.length > 0 && this.times[0].t <= cutoff) this.times.shift();
    if (this.times.length < this.limit.count) return 0;
    return this.times[this.times.length - this.limit.count].t + this.limit.windowMs - now + 1;
  }

  record(now: number): Slot {
    const slot = { t: now };
    this.times.push(slot);
    return slot;
  }

  /**
   * Teams counts a request when it arrives, somewhere between our reservation and the answer; counting it at the
   * answer is the safe side. `now` is never earlier than any recorded time, so the order holds.
   */
  complete(slot: Slot, now: number): void {
    const i = this.times.indexOf(slot);
    if (i < 0) return;
    this.times.splice(i, 1);
    slot.t = now;
    this.times.push(slot);
  }

  get idle(): boolean {
    return this.times.length === 0;
  }
}

/** Windows up to this long are the ones a burst fills in moments; a restart waits them out (see `holdUntil`). */
const BURST_WINDOW_MAX_MS = 5_000;

export class Pacer {
  private readonly threads = new Map<string, Window[]>();
  private readonly tenants = new Map<string, Window[]>();
  private readonly limits: PacerLimits;
  private sends = 0;
  /** No send before this time (epoch ms, real time). */
  private heldUntil = 0;

  /**
   * @param replicas how many replicas share the budget (each takes an equal share, at least 1 per window).
   * @param marginMs extra time added to every window. Sends are already counted from Teams' answer, after Teams
   *   counted them, and both sides measure durations, not instants, so this only covers rounding on Teams' side;
   *   every millisecond of it costs one per window of a burst (50 ms was 5 % of a 500-channel fan-out). @default 10
   */
  constructor(
    limits: PacerLimits = TEAMS_LIMITS,
    replicas = 1,
    private readonly now: () => number = Date.now,
    private readonly marginMs = 10,
  ) {
    const share = (l: RateLimit): RateLimit => ({ count: Math.max(1, Math.floor(l.count / replicas)), windowMs: l.windowMs + this.marginMs });
    this.limits = { perThread: limits.perThread.map(share), perTenant: limits.perTenant.map(share) };
  }

  /**
   * Reserves a send to `threadKey` in `tenantId` if every limit allows it now; otherwise says how many ms to
   * wait, reserving nothing. Call `complete()` when the request has been answered.
   */
  reserve(tenantId: string, threadKey: string): Reservation {
    const now = this.now();
    if (now < this.heldUntil) return { wait: this.heldUntil - now, complete: () => undefined };
    const windows = [...this.windowsOf(this.tenants, tenantId, this.limits.perTenant), ...this.windowsOf(this.threads, `${tenantId}|${threadKey}`, this.limits.perThread)];
    const wait = Math.max(...windows.map((w) => w.waitAt(now)));
    if (wait > 0) return { wait, complete: () => undefined };
    const slots = windows.map((w) => w.record(now));
    if (++this.sends % 10_000 === 0) this.forgetIdle();
    return {
      wait: 0,
      complete: () => {
        windows.forEach((w, i) => {
          w.complete(slots[i], this.now());
        });
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
      w = limits.map((l) => new Window(l));
      map.set(key, w);
    }
    return w;
  }

  /** Drops windows with nothing in them, so thousands of quiet channels cost no memory. */
  private forgetIdle(): void {
    const now = this.now();
    for (const map of [this.threads, this.tenants]) {
      for (const [key, windows] of map) {
        for (const w of windows) w.waitAt(now);
        if (windows.every((w) => w.idle)) map.delete(key);
      }
    }
  }
}
