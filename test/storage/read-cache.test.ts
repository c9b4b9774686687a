// The read cache behind DescribeProjects must never serve a page the database no longer holds:
// not after this connection writes, and not after another connection (another process) writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, ReadCache } from '../../src/storage/sqlite/database.js';
import { SqliteProjectStore } from '../../src/storage/sqlite/projects.js';
import type { ProjectRecord } from '../../src/storage/ports.js';
import { tempDir } from '../helpers/tmp.js';

const scope = { accountId: '111122223333', region: 'us-east-1' };
const query = { features: ['CUSTOM_LABELS'], limit: 10 };
const project = (name: string, ms: number): ProjectRecord => ({
  arn: `arn:aws:rekognition:us-east-1:111122223333:project/${name}/${ms}`, accountId: scope.accountId, region: scope.region,
  name, createdAt: new Date(ms), status: 'CREATED', feature: 'CUSTOM_LABELS',
});

test('a cached value is reused while nothing changes, and reloaded after a write on the same connection', () => {
  const db = openDatabase(':memory:');
  db.exec('CREATE TABLE t (v INTEGER)');
  const cache = new ReadCache(db);
  let loads = 0;
  const read = () => cache.get('k', () => { loads++; return db.prepare('SELECT count(*) FROM t').pluck().get(); });
  assert.equal(read(), 0);
  assert.equal(read(), 0);
  assert.equal(loads, 1);
  db.prepare('INSERT INTO t VALUES (1)').run();
  assert.equal(read(), 1);
  assert.equal(loads, 2);
});

test('DescribeProjects pages see writes made by another connection to the same file', async () => {
  const file = join(tempDir('osprey-cache-'), 'osprey.db');
  const db = openDatabase(file);
  const store = new SqliteProjectStore(db);
  await store.insert(project('first', 1000));
  assert.deepEqual((await store.describe(scope, query)).map((p) => p.name), ['first']);

  // Another process (osprey kms, a second server) writes through its own connection.
  const other = new Database(file);
  other.prepare(`INSERT INTO projects (arn, account_id, region, name, created_ms, status, feature)
    VALUES (?, ?, ?, ?, ?, 'CREATED', 'CUSTOM_LABELS')`).run(project('second', 2000).arn, scope.accountId, scope.region, 'second', 2000);
  assert.deepEqual((await store.describe(scope, query)).map((p) => p.name), ['second', 'first']);

  other.prepare(`INSERT INTO datasets (arn, project_arn, type, status, created_ms, updated_ms) VALUES (?, ?, 'TRAIN', 'CREATE_COMPLETE', 3000, 3000)`)
    .run(`${project('first', 1000).arn}/dataset/train/3000`, project('first', 1000).arn);
  const first = (await store.describe(scope, query)).find((p) => p.name === 'first');
  assert.equal(first?.datasets.length, 1);
  assert.equal(first?.datasets[0].status, 'CREATE_COMPLETE');

  await store.delete(project('second', 2000).arn);
  assert.deepEqual((await store.describe(scope, query)).map((p) => p.name), ['first']);
  other.close();
  db.close();
});
