'use strict';
/**
 * Bulk loading of occurrences for benchmarks, far faster than the app's one-row-per-transaction path: the schema
 * comes from the app's own migrations (`openStore`), then rows go in with one prepared statement in big
 * transactions (SQLite, better-sqlite3) or `insert … select from unnest(…)` of 5,000 rows at a time (PostgreSQL).
 */
const c = require('./common');

const TEXT = [
  'id',
  'tenant_id',
  'activity_id',
  'team_id',
  'trigger',
  'state',
  'ack_user_id',
  'ack_aad_id',
  'ack_name',
  'snoozed_by_name',
  'closed_user_id',
  'closed_aad_id',
  'closed_name',
  'close_note',
  'started_by_name',
  'posted_conversation_id',
  'posted_activity_id',
  'posted_service_url',
  'assignee_aad_id',
  'assignee_name',
];
const BIGINT = ['scheduled_at', 'due_at', 'escalate_at', 'created_at', 'posted_at', 'acknowledged_at', 'snoozed_until', 'overdue_at', 'escalated_at', 'closed_at', 'assigned_at'];
const COLUMNS = [...TEXT, ...BIGINT];

/** Creates the schema (the app's migrations) at a DATABASE_URL-style location and closes it again. */
async function migrate(url) {
  const { openStore, parseDatabaseUrl } = c.dist('storage/database');
  const store = await openStore(parseDatabaseUrl(url));
  await store.close();
}

/**
 * Inserts `count` occurrences made by `make(i)` (a row object with any of COLUMNS; missing ones are NULL) and
 * the tenants named in `tenants`. Returns the time taken in ms.
 */
async function seedOccurrences(url, { count, make, tenants = [] }) {
  const started = Date.now();
  await migrate(url);
  if (/^postgres/i.test(url)) await seedPostgres(url, count, make, tenants);
  else seedSqlite(url.replace(/^(sqlite|file):(\/\/)?/i, ''), count, make, tenants);
  return Date.now() - started;
}

function seedSqlite(file, count, make, tenants) {
  const Database = require('better-sqlite3');
  const db = new Database(file);
  try {
    // A throwaway load: no journal, no syncs, and a page cache big enough for the indexes being built at random.
    // The service switches the file back to WAL when it opens it.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1000000');
    const insert = db.prepare(`insert into occurrences (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`);
    const insertTenant = db.prepare('insert into tenants (tenant_id, first_seen_at) values (?, ?) on conflict do nothing');
    const chunk = db.transaction((from, to) => {
      for (let i = from; i < to; i++) {
        const row = make(i);
        insert.run(COLUMNS.map((k) => row[k] ?? null));
      }
    });
    db.transaction(() => {
      for (const t of tenants) insertTenant.run(t, 0);
    })();
    for (let i = 0; i < count; i += 50_000) chunk(i, Math.min(count, i + 50_000));
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}

async function seedPostgres(url, count, make, tenants) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const t of tenants) await client.query('insert into tenants (tenant_id, first_seen_at) values ($1, 0) on conflict do nothing', [t]);
    const casts = COLUMNS.map((k, i) => `$${i + 1}::${TEXT.includes(k) ? 'text' : 'bigint'}[]`);
    const sql = `insert into occurrences (${COLUMNS.join(', ')}) select * from unnest(${casts.join(', ')})`;
    const STEP = 5000;
    for (let from = 0; from < count; from += STEP) {
      const to = Math.min(count, from + STEP);
      const arrays = COLUMNS.map(() => []);
      for (let i = from; i < to; i++) {
        const row = make(i);
        for (let k = 0; k < COLUMNS.length; k++) arrays[k].push(row[COLUMNS[k]] ?? null);
      }
      await client.query(sql, arrays);
    }
    // Autovacuum would analyze the table soon after a load this size; do it now so plans reflect the data.
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

module.exports = { seedOccurrences, migrate, COLUMNS };
