/**
 * package.json `prepare` (scripts/prepare.js) runs on every `npm install`/`npm ci` of a checkout and on
 * `npm pack`. It used to be `tsc`, so `npm ci --omit=dev` stopped with "tsc: not found"; now it builds where the
 * compiler is and otherwise says what to do.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/process';

describe('prepare', () => {
  let dir: string;
  const run = () => spawnSync(process.execPath, [join(dir, 'scripts', 'prepare.js')], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });

  beforeEach(() => {
    // A checkout installed with --omit=dev: package.json and the sources, no TypeScript in node_modules.
    dir = mkdtempSync(join(tmpdir(), 'soc-prepare-'));
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'src'));
    copyFileSync(join(ROOT, 'scripts', 'prepare.js'), join(dir, 'scripts', 'prepare.js'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'soc-reminders', version: '0.0.0' }));
    writeFileSync(join(dir, 'src', 'index.ts'), '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stops an install without dev dependencies and without a build, saying how to get one', () => {
    const r = run();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dist/ is not built and TypeScript is not installed (dev dependencies were omitted)');
    expect(r.stderr).toContain('npm ci && npm run build && npm prune --omit=dev');
  });

  it('keeps a dist/ already built when the compiler is gone', () => {
    mkdirSync(join(dir, 'dist', 'src'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'src', 'index.js'), '');
    const r = run();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('using the dist/ already built');
  });

  it('does nothing in the installed product, which has no sources', () => {
    rmSync(join(dir, 'src'), { recursive: true });
    const r = run();
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', '']);
  });
});
