// Bucket records in PostgreSQL, shared by every node: the primary key on the name keeps bucket
// names global, as in S3, so two nodes creating one name at once make exactly one owner.
import type { BucketRecord, BucketStore } from '../ports.js';
import type { Pool } from './database.js';

interface Row { name: string; owner_account_id: string; region: string; created_ms: number; policy: string | null }

const toRecord = (r: Row): BucketRecord => ({
  name: r.name, ownerAccountId: r.owner_account_id, region: r.region, createdAt: new Date(r.created_ms),
  ...(r.policy === null ? {} : { policy: r.policy }),
});

export class PgBucketStore implements BucketStore {
  constructor(private readonly pool: Pool) {}

  async insert(b: BucketRecord): Promise<boolean> {
    const r = await this.pool.query(`INSERT INTO s3_buckets (name, owner_account_id, region, created_ms, policy) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT DO NOTHING`, [b.name, b.ownerAccountId, b.region, b.createdAt.getTime(), b.policy ?? null]);
    return r.rowCount === 1;
  }

  async get(name: string): Promise<BucketRecord | undefined> {
    const r = await this.pool.query('SELECT * FROM s3_buckets WHERE name = $1', [name]);
    return r.rows[0] && toRecord(r.rows[0] as Row);
  }

  async list(ownerAccountId: string): Promise<BucketRecord[]> {
    return (await this.pool.query('SELECT * FROM s3_buckets WHERE owner_account_id = $1 ORDER BY name', [ownerAccountId])).rows.map((r) => toRecord(r as Row));
  }

  async setPolicy(name: string, policy: string | undefined): Promise<void> {
    await this.pool.query('UPDATE s3_buckets SET policy = $1 WHERE name = $2', [policy ?? null, name]);
  }

  async delete(name: string): Promise<void> {
    await this.pool.query('DELETE FROM s3_buckets WHERE name = $1', [name]);
  }
}
