// Bucket records in SQLite: the primary key on the name keeps bucket names global, as in S3.
import type { BucketRecord, BucketStore } from '../ports.js';
import { statement, type Db } from './database.js';

interface Row { name: string; owner_account_id: string; region: string; created_ms: number; policy: string | null }

const toRecord = (r: Row): BucketRecord => ({
  name: r.name, ownerAccountId: r.owner_account_id, region: r.region, createdAt: new Date(r.created_ms),
  ...(r.policy === null ? {} : { policy: r.policy }),
});

export class SqliteBucketStore implements BucketStore {
  constructor(private readonly db: Db) {}

  async insert(b: BucketRecord): Promise<boolean> {
    return statement(this.db, `INSERT INTO s3_buckets (name, owner_account_id, region, created_ms, policy) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`).run(b.name, b.ownerAccountId, b.region, b.createdAt.getTime(), b.policy ?? null).changes === 1;
  }

  async get(name: string): Promise<BucketRecord | undefined> {
    const r = statement(this.db, 'SELECT * FROM s3_buckets WHERE name = ?').get(name) as Row | undefined;
    return r && toRecord(r);
  }

  async list(ownerAccountId: string): Promise<BucketRecord[]> {
    return (statement(this.db, 'SELECT * FROM s3_buckets WHERE owner_account_id = ? ORDER BY name').all(ownerAccountId) as Row[]).map(toRecord);
  }

  async setPolicy(name: string, policy: string | undefined): Promise<void> {
    statement(this.db, 'UPDATE s3_buckets SET policy = ? WHERE name = ?').run(policy ?? null, name);
  }

  async delete(name: string): Promise<void> {
    statement(this.db, 'DELETE FROM s3_buckets WHERE name = ?').run(name);
  }
}
