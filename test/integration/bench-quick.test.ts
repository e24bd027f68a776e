/**
 * The benchmarks still run: the quick mode of each (small sizes, one run) as its own process against the built
 * app, writing its JSON into a temporary directory (RESULTS.md and bench/results/ are left alone). Figures are not
 * judged here — a loaded CI machine is no place for that — only that each benchmark completes and reports.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runBenchmark(name: string, out: string): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bench', `${name}.js`), '--quick', '--out', out], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('benchmarks, quick mode', () => {
  let out: string;
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'app.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    out = mkdtempSync(join(tmpdir(), 'soc-bench-quick-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  const expectations: Record<string, (result: Record<string, unknown>) => void> = {
    fanout: (r) => {
      const scenarios = r.scenarios as Array<{ median: { posts: number; lost: number; duplicated: number } }>;
      expect(scenarios.length).toBeGreaterThan(0);
      for (const s of scenarios) expect(s.median.lost).toBe(0);
    },
    'card-actions': (r) => {
      const servers = r.servers as Array<{ key: string; levels: Array<{ rps: number; eventsEqualAnswers?: boolean }> }>;
      expect(servers.map((s) => s.key)).toEqual(expect.arrayContaining(['baseline', 'sqlite']));
      for (const s of servers) for (const l of s.levels) expect(l.rps).toBeGreaterThan(0);
      expect(servers.find((s) => s.key === 'sqlite')!.levels.every((l) => l.eventsEqualAnswers)).toBe(true);
    },
    workload: (r) => {
      const results = r.results as Array<{ dialect: string; forTeam: { p95Ms: number; listOpenOccurrencesOfPersonP95Ms: number }; plans: Record<string, { plan: string[] }> }>;
      expect(results.length).toBeGreaterThan(0);
      for (const x of results) {
        expect(Object.keys(x.plans)).toEqual(['listOpenOccurrences', 'listScheduledBetween', 'listForStats', 'countDoneSince', 'listOpenOccurrencesOfPerson#1', 'listOpenOccurrencesOfPerson#2']);
        expect(x.forTeam.listOpenOccurrencesOfPersonP95Ms).toBeGreaterThan(0);
        // My tasks finds a person's tasks through an index each, never by scanning the tenant's open tasks.
        if (x.dialect === 'sqlite') {
          expect(x.plans['listOpenOccurrencesOfPerson#1'].plan.join(' ')).toContain('occurrences_assignee');
          expect(x.plans['listOpenOccurrencesOfPerson#2'].plan.join(' ')).toContain('occurrences_ack_aad');
        }
      }
    },
    scheduler: (r) => {
      expect((r.catchUp as { median: { catchUpMs: number } }).median.catchUpMs).toBeGreaterThan(0);
      expect((r.lateness as { created: number }).created).toBeGreaterThan(0);
      // Start-up is timed to what a client sees: liveness, a card action answered, readiness.
      const startup = (r.startup as { median: Record<string, number> }).median;
      for (const k of ['coldLivezMs', 'coldBotMs', 'coldReadyMs', 'livezAfterDowntimeMs', 'botAfterDowntimeMs', 'readyAfterDowntimeMs']) expect(startup[k]).toBeGreaterThan(0);
    },
    memory: (r) => {
      expect((r.idle as { median: { idleRssMB: number } }).median.idleRssMB).toBeGreaterThan(0);
    },
  };

  it.each(Object.keys(expectations))('%s completes and writes its JSON', async (name) => {
    const outcome = await runBenchmark(name, out);
    if (outcome.code !== 0) throw new Error(`bench/${name}.js --quick failed (${outcome.code}):\n${outcome.stderr}\n${outcome.stdout}`);
    const file = join(out, `${name}.quick.tmp.json`);
    expect(existsSync(file)).toBe(true);
    const result = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(result).toMatchObject({ benchmark: name, mode: 'quick', machine: expect.objectContaining({ cores: expect.any(Number) }) });
    expectations[name](result);
  }, 70_000);
});
