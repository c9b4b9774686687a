// The object store of a data dir, opened beside (or instead of) a running server, for fixtures that
// seed objects and tests that look at what was stored (e.g. that output files are sealed at rest).
import { join } from 'node:path';
import { IdentityPolicies } from '../../src/domain/iam/identity.js';
import { S3Service } from '../../src/domain/s3/service.js';
import { FsObjectStore } from '../../src/storage/fs/object-store.js';
import { openObjectIndex } from '../../src/storage/fs/index-db.js';
import { SqliteBucketStore } from '../../src/storage/sqlite/buckets.js';

/** An S3Service on the data dir whose writes create a missing bucket, owned by `owner`. */
export function seedObjects(dataDir: string, owner: string): S3Service {
  const db = openObjectIndex(dataDir);
  const buckets = new SqliteBucketStore(db);
  const s3 = new S3Service({ buckets, objects: new FsObjectStore(db, join(dataDir, 'objects')), iam: new IdentityPolicies([]), clock: { now: () => new Date() } });
  const put = s3.put.bind(s3);
  s3.put = async (bucket, key, body, meta, as) => {
    await buckets.insert({ name: bucket, ownerAccountId: as?.accountId ?? owner, region: 'us-east-1', createdAt: new Date() });
    return put(bucket, key, body, meta, as);
  };
  return s3;
}

/** The bytes as stored (sealed files stay sealed), or undefined. */
export async function storedBytes(dataDir: string, bucket: string, key: string): Promise<Buffer | undefined> {
  const db = openObjectIndex(dataDir);
  try {
    const o = await new FsObjectStore(db, join(dataDir, 'objects')).get(bucket, key);
    if (!o) return undefined;
    if (Buffer.isBuffer(o.body)) return o.body;
    const chunks: Buffer[] = [];
    for await (const c of o.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  } finally { db.close(); }
}

/** Every key of a bucket, in order. */
export async function storedKeys(dataDir: string, bucket: string, prefix = ''): Promise<string[]> {
  const db = openObjectIndex(dataDir);
  try {
    return (await new FsObjectStore(db, join(dataDir, 'objects')).list(bucket, { prefix, maxKeys: 1_000_000 })).objects.map((o) => o.key);
  } finally { db.close(); }
}
