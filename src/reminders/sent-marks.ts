/**
 * Marks delivered items sent in groups, one commit for many. Under card actions each action cost two commits: its
 * own, and the delivery worker's "sent" for its card update; on SQLite a commit with its BEGIN is a fifth of the
 * statements' time. A group is what arrived by the next turn of the event loop; while `MAX_WRITES_IN_FLIGHT` groups
 * are being written, marks gather for the one after, so under load a group holds whatever finished meanwhile.
 *
 * Only for items whose repeat changes nothing people see (card updates, see `DeliveryWorker`): a crash between the
 * send and the group's commit leaves the item leased, and it is sent again when the lease runs out, which an
 * update survives (it redraws the card as it then is). Posts keep their own commit right after Teams' answer.
 */
interface Waiter {
  readonly id: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Most ids in one UPDATE's `in (…)` list. */
const MAX_GROUP = 500;

/**
 * Groups written at once. One would make every later mark wait for a write that hangs (a PostgreSQL connection
 * half-open after a failover waits for TCP to give up, minutes), and with it every update delivery and its
 * tenant's slots; a few keep marks going on other connections. On SQLite they queue on the one connection anyway.
 */
const MAX_WRITES_IN_FLIGHT = 4;

export class SentMarks {
  private waiting: Waiter[] = [];
  private writesInFlight = 0;
  private scheduled = false;

  /** @param write marks the ids sent in one statement (and one commit) */
  constructor(private readonly write: (ids: readonly number[]) => Promise<unknown>) {}

  /** Resolves once `id` is recorded as sent (committed); rejects with the write's error when that failed. */
  mark(id: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.writesInFlight >= MAX_WRITES_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.writeGroup();
    });
  }

  private async writeGroup(): Promise<void> {
    const group = this.waiting.splice(0, MAX_GROUP);
    if (group.length === 0) return;
    this.writesInFlight++;
    try {
      await this.write(group.map((w) => w.id));
      for (const w of group) w.resolve();
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      this.writesInFlight--;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
