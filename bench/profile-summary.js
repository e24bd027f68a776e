'use strict';
/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the time went, by function (self time) and by package or
 * source file (self time, so the columns add up), without opening DevTools.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/fanout.js --quick
 *   node bench/profile-summary.js /tmp/prof/CPU.*.cpuprofile [--top 25] [--focus <substring of a url>]
 *
 * --focus also prints the heaviest call paths (inclusive time) that pass through functions whose file matches.
 */
const { readFileSync } = require('node:fs');
const { relative } = require('node:path');
const { ROOT } = require('./lib/common');

function summarise(profile, top = 25, focus) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const where = (n) => {
    const url = n.callFrame.url || '';
    if (!url) return `(${n.callFrame.functionName || 'native'})`;
    const path = url.replace(/^file:\/\//, '');
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    if (nm) return nm[1];
    if (path.startsWith('node:')) return path;
    return relative(ROOT, path);
  };
  const byFn = new Map();
  const byFile = new Map();
  for (const [id, us] of self) {
    const n = nodes.get(id);
    const fnKey = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fnKey, (byFn.get(fnKey) ?? 0) + us);
    const f = where(n);
    byFile.set(f, (byFile.get(f) ?? 0) + us);
  }
  const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const lines = [`total sampled ${(total / 1000).toFixed(0)} ms`, '', 'self time by package / file:'];
  for (const [k, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'self time by function:');
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  if (focus) {
    // Inclusive time of each function in a matching file, summed over its call sites.
    const inclusive = new Map();
    for (const [id, us] of self) {
      const seen = new Set();
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const n = nodes.get(cur);
        if (!(n.callFrame.url || '').includes(focus)) continue;
        const key = `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
        if (seen.has(key)) continue;
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
    lines.push('', `inclusive time of functions in files matching "${focus}":`);
    for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  const topAt = args.indexOf('--top');
  const focusAt = args.indexOf('--focus');
  if (!file) {
    process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [--top N] [--focus text]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(`${summarise(profile, topAt >= 0 ? Number(args[topAt + 1]) : 25, focusAt >= 0 ? args[focusAt + 1] : undefined)}\n`);
}

module.exports = { summarise };
