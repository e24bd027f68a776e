/**
 * A look at a database without changing it, for `soc-reminders doctor`: can we connect, and how many of our
 * migrations does it have. Unlike openStore it never creates the file nor migrates. Also: what filesystem a
 * SQLite file sits on, since WAL mode is unsafe on network shares (App Service's /home is SMB).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Client } from 'pg';
import { redactUrl, type StoreLocation } from './database';
import { MIGRATION_NAMES } from './migrator';

export type DatabaseProbe =
  | { readonly ok: true; readonly where: string; readonly applied: number; readonly known: number; readonly created: boolean; readonly server?: string }
  | { readonly ok: false; readonly where: string; readonly reason: string };

/** Filesystems on which SQLite's WAL (shared memory between processes) is not safe. */
const NETWORK_FILESYSTEMS = new Set(['cifs', 'smb3', 'smbfs', 'nfs', 'nfs4', 'fuse.sshfs', '9p', 'afs', 'ceph', 'glusterfs', 'fuse.glusterfs', 'fuse.blobfuse', 'fuse.blobfuse2']);

/** The network filesystem type under `path` (from /proc/mounts), or undefined on a local disk or elsewhere than Linux. */
export function networkFilesystemOf(path: string): { type: string; mountPoint: string } | undefined {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const target = resolve(path);
  let best: { type: string; mountPoint: string } | undefined;
  for (const line of mounts.split('\n')) {
    const [, mountPoint, type] = line.split(' ');
    if (!mountPoint || !type) continue;
    const mp = mountPoint.replace(/\\040/g, ' ');
    const inside = target === mp || target.startsWith(mp.endsWith('/') ? mp : `${mp}/`);
    if (inside && (!best || mp.length > best.mountPoint.length)) best = { type, mountPoint: mp };
  }
  return best && NETWORK_FILESYSTEMS.has(best.type) ? best : undefined;
}

export async function probeDatabase(location: StoreLocation, connectTimeoutMs: number): Promise<DatabaseProbe> {
  if (location.dialect === 'sqlite') {
    const where = `sqlite ${location.target}`;
    if (location.target === ':memory:') return { ok: true, where, applied: 0, known: MIGRATION_NAMES.length, created: false };
    if (!existsSync(location.target)) {
      // openStore creates it with its folder: the nearest existing ancestor must be writable then.
      return { ok: true, where, applied: 0, known: MIGRATION_NAMES.length, created: false };
    }
    let db: SqliteDatabase.Database | undefined;
    try {
      db = new SqliteDatabase(location.target, { readonly: true, fileMustExist: true });
      const hasTable = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get() !== undefined;
      const applied = hasTable ? (db.prepare('select count(*) as n from kysely_migration').get() as { n: number }).n : 0;
      return { ok: true, where, applied, known: MIGRATION_NAMES.length, created: true };
    } catch (err) {
      return { ok: false, where, reason: (err as Error).message };
    } finally {
      db?.close();
    }
  }
  const where = `postgres ${redactUrl(location.target)}`;
  const client = new Client({ connectionString: location.target, connectionTimeoutMillis: connectTimeoutMs });
  // Without a listener an error on an idle client would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const version = (await client.query<{ v: string }>("select current_setting('server_version') as v")).rows[0].v;
    const table = await client.query("select 1 from information_schema.tables where table_name = 'kysely_migration'");
    const applied = table.rowCount ? Number((await client.query<{ n: string }>('select count(*) as n from kysely_migration')).rows[0].n) : 0;
    return { ok: true, where, applied, known: MIGRATION_NAMES.length, created: true, server: `PostgreSQL ${version}` };
  } catch (err) {
    // pg's messages carry host and port but never the password.
    return { ok: false, where, reason: (err as Error).message || String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The folder SQLite would create its file in (for the network-share check before the file exists). */
export function sqliteFolder(location: StoreLocation): string {
  return dirname(location.target);
}
