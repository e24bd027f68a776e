'use strict';
/**
 * A throwaway PostgreSQL cluster for a benchmark (the recipe of docs STACK.md): initdb into a temporary
 * directory, listen on 127.0.0.1 only, stop and delete on `stop()` and when the process exits.
 *
 * Unlike the test clusters it keeps fsync on and turns synchronous_commit off: that is the durability SQLite has
 * here (WAL, synchronous=NORMAL: a crash of the process loses nothing, a power cut may lose the last commits),
 * so the two dialects are compared on equal terms.
 *
 * BENCH_DATABASE_URL (a server's admin database URL) uses an existing server instead.
 */
const { execFileSync, spawnSync } = require('node:child_process');
const { chownSync, existsSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { freePort, tempDir } = require('./common');
// util-linux's runuser lives in sbin, which a minimal PATH may not carry.
const RUNUSER = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p)) ?? 'runuser';

function findBinDir() {
  const dirs = [];
  if (process.env.TEST_PG_BIN) dirs.push(process.env.TEST_PG_BIN);
  try {
    for (const v of readdirSync('/usr/lib/postgresql').filter((x) => /^\d+$/.test(x)).sort((a, b) => b - a)) dirs.push(join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // not a Debian-style installation
  }
  return dirs.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

/** True when a cluster can be started here (or BENCH_DATABASE_URL names a server). */
function postgresAvailable() {
  return Boolean(process.env.BENCH_DATABASE_URL || findBinDir());
}

/**
 * Starts a cluster; returns `{ url(database), createDatabase(name), stop() }`. `url('postgres')` is the admin
 * database.
 */
async function startPostgres() {
  const { Client } = require('pg');
  const admin = async (adminUrl, statement) => {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  if (process.env.BENCH_DATABASE_URL) {
    const base = new URL(process.env.BENCH_DATABASE_URL);
    const url = (db) => Object.assign(new URL(base), { pathname: `/${db}` }).toString();
    const created = [];
    return {
      url,
      async createDatabase(name) {
        await admin(base.toString(), `drop database if exists "${name}" with (force)`);
        await admin(base.toString(), `create database "${name}"`);
        created.push(name);
        return url(name);
      },
      async stop() {
        for (const name of created) await admin(base.toString(), `drop database if exists "${name}" with (force)`).catch(() => undefined);
      },
    };
  }
  const bin = findBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin); set BENCH_DATABASE_URL or install postgresql');
  const dir = tempDir('pg');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool, args) => {
    const cmd = asRoot ? RUNUSER : join(bin, tool);
    const full = asRoot ? ['-u', 'postgres', '--', join(bin, tool), ...args] : args;
    const r = spawnSync(cmd, full, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout}`);
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c synchronous_commit=off', '-c shared_buffers=256MB', '-c max_connections=50'];
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-o', settings.join(' '), 'start']);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const url = (db) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  return {
    url,
    async createDatabase(name) {
      await admin(url('postgres'), `create database "${name}"`);
      return url(name);
    },
    async stop() {
      stop();
    },
  };
}

module.exports = { startPostgres, postgresAvailable };
