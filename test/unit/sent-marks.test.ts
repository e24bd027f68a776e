/**
 * Delivered card updates are marked sent in groups: what finishes together is one write (one commit), marks that
 * come while four writes are under way go into the next, a write that hangs holds back only its own marks, and
 * nobody is told "sent" before the write is done.
 */
import { SentMarks } from '../../src/reminders/sent-marks';

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A write that records its groups, failing once when told to. */
function recorder() {
  const writes: number[][] = [];
  let fail: Error | undefined;
  return {
    writes,
    failNext: (err: Error) => {
      fail = err;
    },
    write: async (ids: readonly number[]) => {
      writes.push([...ids]);
      const err = fail;
      fail = undefined;
      if (err) throw err;
    },
  };
}

describe('SentMarks', () => {
  it('writes the marks made in one turn as one group, and resolves each after the write', async () => {
    const r = recorder();
    const marks = new SentMarks(r.write);
    const resolved: number[] = [];
    const all = [1, 2, 3].map((id) => marks.mark(id).then(() => void resolved.push(id)));
    expect(r.writes).toEqual([]);
    expect(resolved).toEqual([]);
    await Promise.all(all);
    expect(r.writes).toEqual([[1, 2, 3]]);
    expect(resolved).toEqual([1, 2, 3]);
  });

  it('writes another group while one hangs: a write that never ends holds back only its own marks', async () => {
    const writes: number[][] = [];
    const marks = new SentMarks(async (ids) => {
      writes.push([...ids]);
      if (writes.length === 1) await new Promise<void>(() => undefined); // a PostgreSQL connection gone half-open
    });
    const first = marks.mark(1);
    let firstSettled = false;
    void first.then(() => (firstSettled = true));
    await turn();
    await marks.mark(2);
    expect(writes).toEqual([[1], [2]]);
    expect(firstSettled).toBe(false);
  });

  it('gathers the marks made while four groups are being written into one group after them', async () => {
    const writes: number[][] = [];
    const finish: Array<() => void> = [];
    const marks = new SentMarks(async (ids) => {
      writes.push([...ids]);
      await new Promise<void>((resolve) => finish.push(resolve));
    });
    const firstFour: Promise<void>[] = [];
    for (const id of [1, 2, 3, 4]) {
      firstFour.push(marks.mark(id));
      await turn();
    }
    const later = [marks.mark(5), marks.mark(6)];
    await turn();
    expect(writes).toEqual([[1], [2], [3], [4]]);
    finish[0]!();
    await firstFour[0];
    await turn();
    expect(writes).toEqual([[1], [2], [3], [4], [5, 6]]);
    for (const f of finish) f();
    await Promise.all([...firstFour, ...later]);
  });

  it('rejects every mark of a failed group with its error, and goes on with the next', async () => {
    const r = recorder();
    const marks = new SentMarks(r.write);
    r.failNext(new Error('SQLITE_FULL'));
    const failed = [marks.mark(1), marks.mark(2)];
    for (const p of failed) await expect(p).rejects.toThrow('SQLITE_FULL');
    await marks.mark(3);
    expect(r.writes).toEqual([[1, 2], [3]]);
  });
});
