// Tags in PostgreSQL. TagResource's quota check and write run under a per-resource advisory lock.
import type { TagStore } from '../ports.js';
import { lockKey, tx, type Pool, type Queryable } from './database.js';

/** Upserts tags inside the caller's transaction (create + tags writes), in one statement. */
export async function writeTags(q: Queryable, resourceArn: string, tags: Record<string, string>): Promise<void> {
  const keys = Object.keys(tags);
  if (keys.length === 0) return;
  await q.query(`INSERT INTO tags (resource_arn, key, value) SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
    ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, [resourceArn, keys, keys.map((k) => tags[k])]);
}

export class PgTagStore implements TagStore {
  constructor(private readonly pool: Pool) {}

  async get(resourceArn: string) {
    const rows = (await this.pool.query<{ key: string; value: string }>('SELECT key, value FROM tags WHERE resource_arn = $1 ORDER BY key COLLATE "C"', [resourceArn])).rows;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async put(resourceArn: string, tags: Record<string, string>) { await writeTags(this.pool, resourceArn, tags); }

  async putWithin(resourceArn: string, tags: Record<string, string>, max: number) {
    return tx(this.pool, async (c) => {
      await lockKey(c, `tags:${resourceArn}`);
      const keys = (await c.query<{ key: string }>('SELECT key FROM tags WHERE resource_arn = $1', [resourceArn])).rows.map((r) => r.key);
      if (new Set([...keys, ...Object.keys(tags)]).size > max) return false;
      await writeTags(c, resourceArn, tags);
      return true;
    });
  }

  async remove(resourceArn: string, keys: string[]) {
    await this.pool.query('DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2)', [resourceArn, keys]);
  }

  async removeAll(resourceArn: string) { await this.pool.query('DELETE FROM tags WHERE resource_arn = $1', [resourceArn]); }

  async resourceExists(resourceArn: string) {
    const r = await this.pool.query(`SELECT EXISTS (SELECT 1 FROM projects WHERE arn = $1) OR EXISTS (SELECT 1 FROM versions WHERE arn = $1)
      OR EXISTS (SELECT 1 FROM datasets WHERE arn = $1) AS found`, [resourceArn]);
    return r.rows[0].found === true;
  }
}
