// The embedded metadata database: one SQLite file in WAL mode, with ordered schema migrations.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens (creating) a SQLite file in WAL mode and applies `migrations` (the metadata schema by default).
 * `pageSize` (bytes, a power of two from 512 to 65536) applies to a new file only: SQLite keeps a
 * database's page size once it has tables.
 */
export function openDatabase(file: string, migrations: string[] = MIGRATIONS, opts: { pageSize?: number } = {}): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  if (opts.pageSize) db.pragma(`page_size = ${opts.pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, migrations);
  return db;
}

function migrate(db: Db, migrations: string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  migrations.forEach((sql, i) => {
    const version = i + 1;
    if (applied.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
    })();
  });
}

const statementCache = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, prepared once per database (for SQL built at run time, e.g. IN lists). */
export function statement(db: Db, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) cache.set(sql, (stmt = db.prepare(sql)));
  return stmt;
}

/** The parameter list of an SQL `IN (…)` with n values: `?,?,?`. */
export function inList(n: number): string {
  return new Array(n).fill('?').join(',');
}

/**
 * Results of read queries, kept until the database changes: through this connection (total_changes())
 * or through any other connection or process (PRAGMA data_version), so a hit is never stale.
 * Cached values are shared between callers and must not be mutated.
 */
export class ReadCache {
  private readonly ownChanges: Database.Statement;
  private readonly othersChanges: Database.Statement;
  private generation = '';
  private readonly entries = new Map<string, unknown>();

  constructor(db: Db, private readonly maxEntries = 1000) {
    this.ownChanges = db.prepare('SELECT total_changes()').pluck();
    this.othersChanges = db.prepare('PRAGMA data_version').pluck();
  }

  get<T>(key: string, load: () => T): T {
    const generation = `${this.ownChanges.get()}:${this.othersChanges.get()}`;
    if (generation !== this.generation) { this.entries.clear(); this.generation = generation; }
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, value);
    return value;
  }
}
