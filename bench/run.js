'use strict';
/**
 * Runs every benchmark, one after the other, each in its own process (so one's memory and JIT state cannot colour
 * the next). Needs the built app: `npm run bench` builds first.
 *
 *   node bench/run.js [--quick] [--only fanout,card-actions,workload,scheduler,memory] [--runs N] [--out DIR] [--no-md]
 *
 * Each benchmark writes bench/results/<name>.json (quick: <name>.quick.tmp.json) and its table in bench/RESULTS.md
 * (not in quick mode). Exit code 1 when any benchmark failed to run; a missed target is a figure, not a failure.
 */
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const c = require('./lib/common');

const BENCHMARKS = ['fanout', 'card-actions', 'workload', 'scheduler', 'memory'];

function runOne(name, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [join(__dirname, `${name}.js`), ...args], { cwd: c.ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s) => {
      // restify's spdy prints a harmless DEP0111 warning in every process that loads it.
      const kept = s
        .split('\n')
        .filter((line) => line && !/DEP0111|trace-deprecation/.test(line))
        .join('\n');
      if (kept) {
        stderr += `${kept}\n`;
        process.stderr.write(`${kept}\n`);
      }
    });
    child.on('exit', (code) => resolve({ name, code, seconds: Math.round((Date.now() - started) / 100) / 10, stderr }));
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : BENCHMARKS;
  const unknown = only.filter((n) => !BENCHMARKS.includes(n));
  if (unknown.length) throw new Error(`unknown benchmark(s): ${unknown.join(', ')} (known: ${BENCHMARKS.join(', ')})`);
  const passThrough = argv.filter((_a, i) => i !== onlyAt && i !== onlyAt + 1);
  c.log(`benchmarks on ${c.machineLine()}`);
  const outcomes = [];
  for (const name of only) {
    c.log(`\n== ${name} ==`);
    outcomes.push(await runOne(name, passThrough));
  }
  c.log('\n== summary ==');
  for (const o of outcomes) c.log(`${o.code === 0 ? 'ok    ' : 'FAILED'} ${o.name} (${o.seconds} s)`);
  return outcomes.every((o) => o.code === 0) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  },
);
