#!/usr/bin/env node
/**
 * A production install of the packed product: what the Dockerfile's build stage runs, and what
 * test/integration/production-install.test.ts runs, so the test proves the image's steps.
 *
 *   node scripts/install-packed.js <soc-reminders-X.Y.Z.tgz> <empty-or-new-dir> [--from <checkout>]
 *
 * 1. Unpacks the tarball (`npm pack` built dist/ through `prepare`) into the folder.
 * 2. Installs the production dependencies only, at the versions of the checkout's package-lock.json
 *    (npm never publishes a lockfile), from the npm cache where it can (`--prefer-offline`), with install
 *    scripts off: nothing compiles, and no dev dependency (TypeScript, jest, esbuild) is there.
 * 3. Native modules (better-sqlite3): copies the build the checkout's `npm ci` made when it is the same
 *    version for the same Node (same ABI), so it is compiled once per image, not twice; otherwise runs
 *    `npm rebuild <name>` in the folder (which compiles: python3, make and g++ needed).
 *
 * --from defaults to the checkout this script is in.
 */
'use strict';

const { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join, resolve } = require('node:path');

function fail(message) {
  process.stderr.write(`install-packed: ${message}\n`);
  process.exit(1);
}

function run(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) fail(`${command} ${args.join(' ')} failed in ${cwd} (exit ${r.status ?? r.signal})`);
}

/** The npm that runs us when we run under npm (npm_execpath), else the one on PATH. */
function npm(args, cwd) {
  const cli = process.env.npm_execpath;
  if (cli && /npm-cli\.js$/.test(cli)) run(process.execPath, [cli, ...args], cwd);
  else run('npm', args, cwd);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function main(argv) {
  const positionals = [];
  let from = resolve(__dirname, '..');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from') from = resolve(argv[++i] ?? fail('--from needs a folder'));
    else positionals.push(argv[i]);
  }
  if (positionals.length !== 2) fail('usage: install-packed.js <tarball> <dir> [--from <checkout>]');
  const tarball = resolve(positionals[0]);
  const dest = resolve(positionals[1]);
  if (!existsSync(tarball)) fail(`no such tarball: ${tarball}`);
  if (existsSync(dest) && readdirSync(dest).length > 0) fail(`${dest} is not empty`);
  mkdirSync(dest, { recursive: true });

  // npm pack puts everything under package/.
  run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1'], dest);
  const pkg = readJson(join(dest, 'package.json'));
  const lockFile = join(from, 'package-lock.json');
  if (!existsSync(lockFile)) fail(`no package-lock.json in ${from}`);
  const lock = readJson(lockFile);
  if (lock.name !== pkg.name || lock.version !== pkg.version) fail(`${lockFile} is for ${lock.name}@${lock.version}, the tarball is ${pkg.name}@${pkg.version}`);
  writeFileSync(join(dest, 'package-lock.json'), JSON.stringify(lock, null, 2));

  npm(['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dest);

  for (const name of nativeModules(dest)) {
    const built = join(from, 'node_modules', name);
    const target = join(dest, 'node_modules', name);
    const sameVersion = existsSync(join(built, 'package.json')) && readJson(join(built, 'package.json')).version === readJson(join(target, 'package.json')).version;
    const release = join(built, 'build', 'Release');
    const binaries = existsSync(release) ? readdirSync(release).filter((f) => f.endsWith('.node')) : [];
    if (sameVersion && binaries.length > 0) {
      // Only the loadable modules: the object files beside them are megabytes the image does not need.
      mkdirSync(join(target, 'build', 'Release'), { recursive: true });
      for (const file of binaries) cpSync(join(release, file), join(target, 'build', 'Release', file));
      process.stdout.write(`install-packed: ${name}: reused the build in ${built}\n`);
    } else {
      process.stdout.write(`install-packed: ${name}: no build of this version to reuse, compiling\n`);
      npm(['rebuild', name, '--loglevel=error'], dest);
    }
  }
  process.stdout.write(`install-packed: ${pkg.name}@${pkg.version} installed in ${dest}; start it with: npm start (in that folder)\n`);
}

/**
 * Production dependencies that need a native build to work. dtrace-provider (optional, restify's) is left out:
 * it is only for DTrace probes and restify runs without it; package.json's allowScripts refuses it too.
 */
function nativeModules(dest) {
  const pkg = readJson(join(dest, 'package.json'));
  const allowed = pkg.allowScripts ?? {};
  const found = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (entry.startsWith('@')) {
        walk(path);
        continue;
      }
      const manifest = join(path, 'package.json');
      if (!existsSync(manifest)) continue;
      const name = readJson(manifest).name;
      if (existsSync(join(path, 'binding.gyp')) && allowed[name] !== false) found.push(name);
    }
  };
  walk(join(dest, 'node_modules'));
  return found;
}

main(process.argv.slice(2));
