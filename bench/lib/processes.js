'use strict';
/**
 * Servers under test as their own processes: the service exactly as deployed (its `npm start` command) and
 * the bare baseline bot. Each one gets a core of its own while the load generator runs in the benchmark's
 * process. Stopped by their own pid, always.
 */
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const c = require('./common');

function track(child, name) {
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s) => {
    // restify's spdy dependency prints a harmless DEP0111 warning; anything else is kept for the error message.
    if (!/DEP0111|trace-deprecation/.test(s)) stderr = (stderr + s).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid,
    name,
    exited,
    stderr: () => stderr,
    rss: () => c.rssOf(child.pid),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Node's options in the `npm start` of the app at `appRoot` (`node --max-semi-space-size=8 dist/src/index.js`: the
 * young generation's size), so that the service is measured as it is deployed (the Dockerfile and infra/main.bicep run
 * the same command). An older build's `node dist/src/index.js` gives none.
 */
function deployedNodeArgs(appRoot) {
  const start = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')).scripts?.start ?? '';
  const m = /^node((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\/src\/index\.js$/.exec(start.trim());
  if (!m) throw new Error(`${appRoot}/package.json: npm start is not "node [--options] dist/src/index.js": ${start}`);
  return m[1].split(/\s+/).filter((a) => a !== '');
}

/**
 * Starts `node dist/src/index.js` of `appRoot` (default the app under test) as its `npm start` does, with `env`
 * (PORT is chosen here) and `nodeArgs` added, and waits until `answersPath` (default /healthz) answers 200.
 * Returns the process handle plus `url`, `startupMs` (spawn → that first 200), `whenReady()` (spawn → /readyz 200)
 * and `timeUntil(check, what)` (spawn → the first time `check(url)` resolves true, polled every 10 ms from now on);
 * `cpuMsAt` holds the process's CPU time (ms, all threads) when each `what` came true: on a shared machine it says
 * more than the wall time.
 */
async function startService(env, { timeoutMs = 60_000, nodeArgs = [], appRoot = c.APP_ROOT, answersPath = '/healthz' } = {}) {
  const port = await c.freePort();
  const started = Date.now();
  const child = spawn(process.execPath, [...deployedNodeArgs(appRoot), ...nodeArgs, join(appRoot, 'dist', 'src', 'index.js')], {
    cwd: appRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', SOC_TIMEZONE: 'UTC', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.resume();
  const handle = track(child, 'service');
  const url = `http://127.0.0.1:${port}`;
  const died = handle.exited.then(({ code }) => {
    throw new Error(`the service exited (code ${code}) before it was ready: ${handle.stderr()}`);
  });
  died.catch(() => undefined); // raced below; a stop after the measurement is not an error
  const cpuMsAt = {};
  const timeUntil = async (check, what) => {
    await Promise.race([c.until(() => check(url), timeoutMs, what, 10), died]);
    cpuMsAt[what] = c.cpuMsOf(child.pid);
    return Date.now() - started;
  };
  const startupMs = await timeUntil(async () => (await fetch(`${url}${answersPath}`)).status === 200, `the service to answer ${answersPath}`);
  /** ms from the spawn until /readyz answers 200 (the catch-up after downtime done), polled from now on. */
  const whenReady = () => timeUntil(async () => (await fetch(`${url}/readyz`)).status === 200, 'the service to answer /readyz');
  return { ...handle, url, port, startupMs, whenReady, timeUntil, cpuMsAt };
}

/** Starts the bare botbuilder + restify bot of bench/baseline and waits for it to listen. */
async function startBaseline() {
  const child = spawn(process.execPath, [join(c.BENCH_DIR, 'baseline', 'bare-bot.js')], {
    cwd: c.ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = track(child, 'baseline');
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s) => {
      out += s;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    handle.exited.then(({ code }) => reject(new Error(`baseline bot exited (code ${code}): ${handle.stderr()}`)));
  });
  return { ...handle, url: `http://127.0.0.1:${port}`, port };
}

module.exports = { startService, startBaseline };
