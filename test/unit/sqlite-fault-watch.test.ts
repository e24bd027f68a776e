/**
 * The file check's window: a verdict "intact" stands for RECHECK_MS, so a write does not stat three files each
 * time, and a file lost is refused from at most that long after; health always looks afresh.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECHECK_MS, SqliteFaultWatch } from '../../src/storage/sqlite-fault-watch';
import { StoreUnavailable } from '../../src/storage/store-faults';

describe('SqliteFaultWatch', () => {
  let dir: string;
  let file: string;
  let elapsed: number;
  let watch: SqliteFaultWatch;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-fault-watch-'));
    file = join(dir, 'soc.db');
    for (const suffix of ['', '-wal', '-shm']) writeFileSync(file + suffix, '');
    elapsed = 0;
    watch = new SqliteFaultWatch(file, () => true, Date.now, { elapsed: () => elapsed });
    watch.arm();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses writes once the last intact verdict is RECHECK_MS old, and from then on', () => {
    watch.assertIntact();
    rmSync(`${file}-wal`);
    elapsed += RECHECK_MS - 1;
    // Within the window the last verdict stands: no file is looked at.
    expect(() => watch.assertIntact()).not.toThrow();
    elapsed += 1;
    expect(() => watch.assertIntact()).toThrow(StoreUnavailable);
    // Lost stays lost, even with the file back.
    writeFileSync(`${file}-wal`, '');
    elapsed += RECHECK_MS;
    expect(() => watch.assertIntact()).toThrow(/write-ahead log .*-wal was deleted/);
  });

  it('keeps checking while the files stay: each verdict opens a new window', () => {
    for (let i = 0; i < 5; i++) {
      elapsed += RECHECK_MS;
      expect(() => watch.assertIntact()).not.toThrow();
    }
    rmSync(file);
    elapsed += RECHECK_MS;
    expect(() => watch.assertIntact()).toThrow(/database file .*soc\.db was deleted/);
  });

  it('looks afresh for health, inside the window too', () => {
    watch.assertIntact();
    rmSync(`${file}-shm`);
    expect(watch.health()).toMatchObject({ ok: false, state: 'lost', code: 'STORE_LOST' });
    expect(() => watch.assertIntact()).toThrow(StoreUnavailable);
  });
});
