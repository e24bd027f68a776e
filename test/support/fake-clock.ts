/**
 * The one clock tests move by hand (the domain takes a `Clock`; tests never sleep to wait for cron). `now` is a bound
 * property, so `clock.now` can be handed on alone, as the app's options and the stand-ins take it.
 */
import type { Clock } from '../../src/reminders/clock';

export class FakeClock implements Clock {
  private at: number;

  /** @param start epoch ms or an ISO instant such as `2026-03-02T00:00:00Z`. */
  constructor(start: number | string) {
    this.at = toMs(start);
  }

  readonly now = (): number => this.at;

  set(at: number | string): void {
    this.at = toMs(at);
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

function toMs(at: number | string): number {
  if (typeof at === 'number') return at;
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new Error(`not an instant: ${at}`);
  return t;
}
