import type { TagStore } from '../ports.js';
import { statement, type Db } from './database.js';

const UPSERT = 'INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?) ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value';

/** Upserts tags inside the caller's transaction (create + tags writes). */
export function writeTags(db: Db, resourceArn: string, tags: Record<string, string>): void {
  const stmt = statement(db, UPSERT);
  for (const [k, v] of Object.entries(tags)) stmt.run(resourceArn, k, v);
}

export class SqliteTagStore implements TagStore {
  constructor(private readonly db: Db) {}

  async get(resourceArn: string) {
    const rows = statement(this.db, 'SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key').all(resourceArn) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async put(resourceArn: string, tags: Record<string, string>) {
    this.db.transaction(() => writeTags(this.db, resourceArn, tags))();
  }

  async putWithin(resourceArn: string, tags: Record<string, string>, max: number) {
    // IMMEDIATE: the write lock is taken before the count, so no other writer slips in between.
    return this.db.transaction(() => {
      const keys = statement(this.db, 'SELECT key FROM tags WHERE resource_arn = ?').pluck().all(resourceArn) as string[];
      if (new Set([...keys, ...Object.keys(tags)]).size > max) return false;
      writeTags(this.db, resourceArn, tags);
      return true;
    }).immediate();
  }

  async remove(resourceArn: string, keys: string[]) {
    const stmt = statement(this.db, 'DELETE FROM tags WHERE resource_arn = ? AND key = ?');
    this.db.transaction(() => { for (const k of keys) stmt.run(resourceArn, k); })();
  }

  async removeAll(resourceArn: string) { statement(this.db, 'DELETE FROM tags WHERE resource_arn = ?').run(resourceArn); }

  async resourceExists(resourceArn: string) {
    return statement(this.db, `SELECT EXISTS (SELECT 1 FROM projects WHERE arn = @arn) OR EXISTS (SELECT 1 FROM versions WHERE arn = @arn)
      OR EXISTS (SELECT 1 FROM datasets WHERE arn = @arn)`).pluck().get({ arn: resourceArn }) === 1;
  }
}
