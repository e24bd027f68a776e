'use strict';
/**
 * What every benchmark shares: command-line options, statistics, the machine description, loading the built
 * app from dist/, and writing results (a JSON file under bench/results/ and a table in bench/RESULTS.md).
 *
 * Benchmarks are plain Node scripts over the compiled app (`npm run build` first), so they measure exactly what
 * `node dist/src/index.js` runs. Test helpers written in TypeScript (the fake Bot Connector) are compiled on the
 * fly with esbuild into a temporary directory.
 */
const { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { cpus, loadavg, tmpdir, totalmem } = require('node:os');
const { join, relative, resolve } = require('node:path');
const { createServer } = require('node:net');

const ROOT = resolve(__dirname, '..', '..');
/**
 * The app under test: this checkout, or BENCH_APP_ROOT — another checkout, built (`npm run build`), e.g. of an
 * older commit for a before/after comparison on the same machine at the same time.
 */
const APP_ROOT = process.env.BENCH_APP_ROOT ? resolve(process.env.BENCH_APP_ROOT) : ROOT;
const BENCH_DIR = join(ROOT, 'bench');
const RESULTS_DIR = join(BENCH_DIR, 'results');
const RESULTS_MD = join(BENCH_DIR, 'RESULTS.md');
/** The machine's load when the benchmark started: other work on a 2-core machine colours every figure. */
const LOAD_AT_START = loadavg();

/**
 * Options every benchmark understands:
 *   --quick        a small, fast variant (the test suite runs it): one run, small sizes; RESULTS.md untouched
 *   --runs N       repetitions whose median is reported (default 3, quick 1)
 *   --out DIR      where the JSON goes (default bench/results/)
 *   --no-md        do not update RESULTS.md
 * plus benchmark-specific `--name value` pairs, returned in `extra`.
 */
function parseArgs(argv = process.argv.slice(2)) {
  const opts = { quick: false, runs: undefined, out: undefined, md: true, extra: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') opts.quick = true;
    else if (a === '--no-md') opts.md = false;
    else if (a === '--runs') opts.runs = Number(argv[++i]);
    else if (a === '--out') opts.out = resolve(argv[++i]);
    else if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) opts.extra[a.slice(2)] = true;
      else opts.extra[a.slice(2)] = argv[++i];
    }
  }
  if (opts.runs === undefined) opts.runs = opts.quick ? 1 : 3;
  if (!(opts.runs >= 1)) throw new Error('--runs must be at least 1');
  // Quick runs are smoke tests: they never overwrite the committed figures.
  if (opts.quick) opts.md = false;
  return opts;
}

function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an array of numbers. */
function percentile(values, p) {
  if (values.length === 0) return null;
  const v = Float64Array.from(values).sort();
  const rank = Math.min(v.length, Math.max(1, Math.ceil((p / 100) * v.length)));
  return v[rank - 1];
}

function round(x, digits = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x ?? null;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median of each numeric field over several runs' summaries (non-numeric fields from the first run). */
function medianOfRuns(runs) {
  if (runs.length === 0) return {};
  const out = {};
  for (const key of Object.keys(runs[0])) {
    const values = runs.map((r) => r[key]);
    out[key] = values.every((x) => typeof x === 'number') ? median(values) : values[0];
  }
  return out;
}

function machine() {
  const c = cpus();
  return {
    cores: c.length,
    cpu: c[0]?.model?.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

function machineLine(m = machine()) {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
}

/** Requires a module of the built app (`dist/src/<path>`), with a clear message when it was not built. */
function dist(path) {
  const file = join(APP_ROOT, 'dist', 'src', path);
  if (!existsSync(`${file}.js`)) throw new Error(`${file}.js is missing: run \`npm run build\` first`);
  return require(file);
}

const compiled = new Map();

/**
 * Compiles a TypeScript helper from test/support (which the build leaves out of dist/) with esbuild and loads
 * it. Only node built-ins may be imported by such a helper, or what esbuild can bundle from node_modules.
 */
function requireTs(repoPath) {
  const source = join(ROOT, repoPath);
  const key = `${source}:${statSync(source).mtimeMs}`;
  if (compiled.has(key)) return compiled.get(key);
  const { buildSync } = require('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'soc-bench-ts-'));
  const outfile = join(dir, 'module.cjs');
  try {
    buildSync({ entryPoints: [source], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error', external: ['better-sqlite3', 'pg'] });
    const mod = require(outfile);
    compiled.set(key, mod);
    return mod;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The fake Teams Bot Connector of the tests (Teams' limits, 429 + Retry-After). */
function loadFakeConnector() {
  return requireTs('test/support/fake-bot-connector.ts');
}

function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `soc-bench-${prefix}-`));
}

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or the deadline passes. */
async function until(fn, timeoutMs, what, stepMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Resident set size of a process in bytes, from /proc (Linux). */
function rssOf(pid = process.pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU time a process has used so far (user + system, all its threads), in ms, or null where /proc has none. Unlike
 * requests per second it hardly moves when other work shares the machine: what a request costs, not how long it waited.
 */
function cpuMsOf(pid = process.pid) {
  try {
    // Fields after the command name (which may hold spaces), from the 3rd: utime and stime are the 14th and 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS = 100;

const MB = 2 ** 20;

/**
 * Writes the result JSON: `<out>/<name>.json` in full mode, `<name>.quick.tmp.json` in quick mode (ignored by git).
 * Returns the file path.
 */
function writeResult(name, opts, result) {
  const dir = opts.out ?? RESULTS_DIR;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, opts.quick ? `${name}.quick.tmp.json` : `${name}.json`);
  const doc = {
    benchmark: name,
    mode: opts.quick ? 'quick' : 'full',
    runs: opts.runs,
    date: new Date().toISOString(),
    command: commandLine(),
    machine: machine(),
    // 1-minute load average at start and end: above ~0.5 something else was running.
    loadAverage: { atStart: round(LOAD_AT_START[0]), atEnd: round(loadavg()[0]) },
    ...result,
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

function commandLine() {
  const script = relative(ROOT, process.argv[1] ?? '');
  return ['node', script, ...process.argv.slice(2)].join(' ');
}

/**
 * Replaces the block between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->` in RESULTS.md with a table
 * and the line saying where, when and how it was measured. Text outside the markers (the analysis) is kept.
 */
function updateResultsMd(name, opts, { title, columns, rows, notes = [] }) {
  if (!opts.md) return;
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const table = [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map((c) => String(c ?? '—').replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
  const block = [
    start,
    `_${machineLine()} · ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · \`${commandLine()}\` · median of ${opts.runs} run${opts.runs === 1 ? '' : 's'}_`,
    '',
    ...table,
    ...(notes.length ? ['', ...notes] : []),
    end,
  ].join('\n');
  let md = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : '# Benchmark results\n';
  const i = md.indexOf(start);
  const j = md.indexOf(end);
  if (i >= 0 && j > i) md = md.slice(0, i) + block + md.slice(j + end.length);
  else md = `${md.trimEnd()}\n\n## ${title}\n${block}\n`;
  writeFileSync(RESULTS_MD, md);
}

/** "met" / "**missed**" against a target; `null` values are not judged. */
function verdict(ok) {
  return ok === null || ok === undefined ? '' : ok ? 'met' : '**missed**';
}

/** Runs `main(opts)` and exits non-zero with the error when it throws. */
function runMain(main) {
  const opts = parseArgs();
  main(opts).then(
    (file) => {
      if (file) process.stdout.write(`result: ${relative(process.cwd(), file)}\n`);
      // Some libraries (pg pools, keep-alive agents) may keep the loop alive: a benchmark is done when main is.
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`${err?.stack ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}

function log(...parts) {
  process.stdout.write(`${parts.join(' ')}\n`);
}

module.exports = {
  ROOT,
  APP_ROOT,
  BENCH_DIR,
  RESULTS_DIR,
  MB,
  parseArgs,
  median,
  percentile,
  round,
  medianOfRuns,
  machine,
  machineLine,
  dist,
  requireTs,
  loadFakeConnector,
  tempDir,
  freePort,
  sleep,
  until,
  rssOf,
  cpuMsOf,
  writeResult,
  updateResultsMd,
  verdict,
  runMain,
  log,
};
