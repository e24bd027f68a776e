/**
 * Delivered card updates are marked sent in groups: what finishes together is one write (one commit), a mark
 * that comes while a write is under way goes into the next, and nobody is told "sent" before the write is done.
 */
import { SentMarks } from '../../src/reminders/sent-marks';

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

  it('puts a mark made while a group is being written into the next group', async () => {
    const writes: number[][] = [];
    let finishFirst!: () => void;
    const marks = new SentMarks(async (ids) => {
      writes.push([...ids]);
      if (writes.length === 1)
        await new Promise<void>((resolve) => {
          finishFirst = resolve;
        });
    });
    const first = marks.mark(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([[1]]);
    const second = marks.mark(2);
    const third = marks.mark(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([[1]]);
    finishFirst();
    await Promise.all([first, second, third]);
    expect(writes).toEqual([[1], [2, 3]]);
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
