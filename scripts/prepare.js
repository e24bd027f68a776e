#!/usr/bin/env node
/**
 * `npm install` / `npm ci` in a checkout, and `npm pack`, run this (package.json `prepare`): it builds dist/
 * when the compiler is there. The build happens at install and pack time, never at start, so a production
 * install (`npm ci --omit=dev`, or the packed product) starts without TypeScript.
 *
 * - Installed from the packed product (no src/): nothing to build, dist/ came in the package.
 * - A checkout with dev dependencies: `npm run build`.
 * - A checkout installed with --omit=dev: keeps a dist/ already built; without one it stops here and says how
 *   to get one, instead of letting `npm start` fail later on a missing file.
 */
'use strict';

const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

function hasCompiler() {
  try {
    require.resolve('typescript/package.json', { paths: [ROOT] });
    return true;
  } catch {
    return false;
  }
}

if (!existsSync(join(ROOT, 'src', 'index.ts'))) process.exit(0);

if (hasCompiler()) {
  // npm sets npm_execpath to its own CLI: run the same npm that runs us, whatever is first on PATH.
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(r.status ?? 1);
}

if (existsSync(join(ROOT, 'dist', 'src', 'index.js'))) {
  process.stdout.write('soc-reminders: dev dependencies are not installed; using the dist/ already built\n');
  process.exit(0);
}

process.stderr.write(
  'soc-reminders: dist/ is not built and TypeScript is not installed (dev dependencies were omitted).\n' +
    '  Build first: npm ci && npm run build && npm prune --omit=dev\n' +
    '  or install the packed product (npm pack; see docs/deploy.md).\n',
);
process.exit(1);
