// Runs the metadata conformance suite against SQLite (two connections to one file) and PostgreSQL
// (two pools on one fresh database: two nodes).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { sqliteStores } from '../../src/storage/sqlite/index.js';
import { SqliteBucketStore } from '../../src/storage/sqlite/buckets.js';
import { openObjectIndex } from '../../src/storage/fs/index-db.js';
import { postgresStores } from '../../src/storage/postgres/index.js';
import { createTestDatabase, skipWithoutPostgres } from '../helpers/postgres.js';
import { tempDir } from '../helpers/tmp.js';
import { metadataConformance } from './metadata.conformance.js';

metadataConformance('sqlite', async () => {
  const dir = tempDir('osprey-meta-');
  const file = join(dir, 'osprey.db');
  // SQLite keeps bucket records beside the object index (the embedded object store's database).
  const [ia, ib] = [openObjectIndex(dir), openObjectIndex(dir)];
  const a = { ...sqliteStores(openDatabase(file)), buckets: new SqliteBucketStore(ia) };
  const b = { ...sqliteStores(openDatabase(file)), buckets: new SqliteBucketStore(ib) };
  return { a, b, async close() { await a.close(); await b.close(); ia.close(); ib.close(); rmSync(dir, { recursive: true, force: true }); } };
});

metadataConformance('postgres', async () => {
  const db = await createTestDatabase();
  // Both "nodes" migrate at once: the advisory lock makes that safe.
  const [a, b] = await Promise.all([postgresStores(db.url, { max: 20 }), postgresStores(db.url, { max: 20 })]);
  return { a, b, async close() { await a.close(); await b.close(); await db.drop(); } };
}, { skip: skipWithoutPostgres });
