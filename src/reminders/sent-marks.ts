/**
 * Marks delivered items sent in groups, one commit for many. Under card actions each action cost two commits: its
 * own, and the delivery worker's "sent" for its card update; on SQLite a commit with its BEGIN is a fifth of the
 * statements' time. Marks that arrive while one group is being written go into the next group, so under load a
 * group holds whatever finished meanwhile, and alone an item waits only for the next turn of the event loop.
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

export class SentMarks {
  private waiting: Waiter[] = [];
  private writing = false;
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
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.writeGroup();
    });
  }

  private async writeGroup(): Promise<void> {
    const group = this.waiting.splice(0, MAX_GROUP);
    if (group.length === 0) return;
    this.writing = true;
    try {
      await this.write(group.map((w) => w.id));
      for (const w of group) w.resolve();
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }
}
