/** Runs the built service or CLI as a real child process (dist/ is built by `npm test` before jest). */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const SERVICE = join(ROOT, 'dist', 'src', 'index.js');
const CLI = join(ROOT, 'bin', 'soc-reminders.js');

function requireBuild(): void {
  if (!existsSync(SERVICE)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
}

/** An environment without the developer's own settings leaking in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', LOG_LEVEL: 'info' };
  return { ...env, ...extra };
}

export function runCli(args: string[], env: Record<string, string> = {}, cwd = ROOT): { code: number; stdout: string; stderr: string } {
  requireBuild();
  const r = spawnSync(process.execPath, [CLI, ...args], { env: cleanEnv(env), cwd, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Starts the service and waits for its "started" log line (which carries the bound port). `launcher` runs it
 * through another program that ends by exec'ing node (e.g. `unshare -m sh -c '…; exec "$@"' sh`), so the
 * child's pid is still the service's.
 */
export async function startService(env: Record<string, string>, cwd = ROOT, timeoutMs = 20_000, launcher: readonly string[] = []): Promise<ServiceProcess> {
  requireBuild();
  const [command, ...args] = [...launcher, process.execPath, SERVICE];
  const child = spawn(command, args, { env: cleanEnv({ PORT: '0', ...env }), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`service did not start within ${timeoutMs} ms (it needs LOG_LEVEL info or lower to say so):\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /"port":(\d+)[^\n]*SOC Reminders started/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before starting:\n${out}`));
    });
  });
  return { child, port, output: () => out, exited };
}

/** Starts the service expecting it to refuse to start; returns its exit code and output. */
export async function startServiceExpectingFailure(env: Record<string, string>, cwd = ROOT): Promise<{ code: number | null; output: string }> {
  requireBuild();
  const r = spawnSync(process.execPath, [SERVICE], { env: cleanEnv({ PORT: '0', ...env }), cwd, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}
