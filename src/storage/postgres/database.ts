// The PostgreSQL metadata database (--database-url): a `pg` connection pool, versioned migrations
// run under a session advisory lock (so N nodes starting at once apply each migration exactly once),
// and a transaction helper. BIGINT columns (millisecond timestamps, counts) come back as numbers.
import pg from 'pg';
import { MIGRATIONS } from './migrations.js';
import { migrateQueue } from './queue.js';

export type Pool = pg.Pool;
export type Client = pg.PoolClient;
/** Anything that runs a query: the pool (autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'>;

/** Key of the advisory lock that serialises migrations across nodes ('osprey-migrate'). */
const MIGRATION_LOCK = 0x6f737072;

const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Opens a pool on `url` (postgres://user:pass@host:port/db) and migrates the schema.
 * `max`: connections this node holds at most (docs/scale-out.md sizes it).
 */
export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Pool> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, types, application_name: 'osprey' });
  // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Likewise for a client in use (the queue's LISTEN connection): its query fails and the queue reconnects.
  pool.on('connect', (client) => { client.on('error', () => undefined); });
  try {
    await migrate(pool);
  } catch (e) {
    await pool.end();
    throw e;
  }
  return pool;
}

async function migrate(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)');
    const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const [i, sql] of MIGRATIONS.entries()) {
      const version = i + 1;
      if (applied.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version, Date.now()]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    }
    // graphile-worker's schema (the job queue), still under the lock: one node installs it, the others find it.
    await migrateQueue(pool);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** Runs `fn` in one transaction (READ COMMITTED); rolls back when it throws. */
export async function tx<T>(pool: Pool, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/**
 * Takes a transaction-scoped advisory lock named by `key` (e.g. `projects:<account>:<region>`): the
 * count-guarded writes (at most N per parent) take it before counting, so two writers on any nodes
 * count and insert one after the other. Released at COMMIT or ROLLBACK.
 */
export async function lockKey(c: Client, key: string): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}
