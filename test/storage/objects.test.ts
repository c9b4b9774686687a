// The filesystem object store: the ObjectStore conformance cases (objects.conformance.ts), and no
// name (bucket or key, legacy folder or not) that reaches outside the data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsObjectStore, INLINE_MAX } from '../../src/storage/fs/object-store.js';
import { FsLegacyFolder } from '../../src/storage/fs/legacy-folder.js';
import { FsBlobStore } from '../../src/storage/blobs.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { OBJECT_MIGRATIONS } from '../../src/storage/fs/index-db.js';
import { tempDir } from '../helpers/tmp.js';
import { SqliteBucketStore } from '../../src/storage/sqlite/buckets.js';
import { objectStoreConformance } from './objects.conformance.js';

const root = tempDir('osprey-objects-');
const db = openDatabase(join(root, 'osprey.db'), OBJECT_MIGRATIONS);
const store = new FsObjectStore(db, join(root, 'objects'));
writeFileSync(join(root, 'secret.txt'), 'top secret');

async function text(bucket: string, key: string, range?: { start: number; end: number }): Promise<string | undefined> {
  const o = await store.get(bucket, key, range);
  if (!o) return undefined;
  if (Buffer.isBuffer(o.body)) return o.body.toString();
  let s = '';
  for await (const c of o.body) s += c;
  return s;
}

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

objectStoreConformance('fs', async () => {
  let n = 0;
  return { store, async bucket(hint) { return `${hint}-${++n}`; }, async close() {} };
});

test('keys never become paths: nothing is written outside objects/', async () => {
  for (const k of ['../../secret.txt', '..', 'a\\b', './z']) await store.put('escape', k, Buffer.from(`body of ${k}`), {});
  assert.equal((await import('node:fs')).readFileSync(join(root, 'secret.txt'), 'utf8'), 'top secret');
  assert.deepEqual(readdirSync(root).sort(), ['objects', 'osprey.db', 'osprey.db-shm', 'osprey.db-wal', 'secret.txt'].filter((f) => existsSync(join(root, f))).sort());
  assert.deepEqual(readdirSync(join(root, 'objects', '.tmp')), [], 'no temporary file is left behind');
});

test('small objects live in the index, larger ones in chunk files; replacing or deleting either frees its bytes', async () => {
  const chunkFiles = () => readdirSync(join(root, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).flatMap((d) => readdirSync(join(root, 'objects', d)));
  const inlineRows = () => db.prepare('SELECT count(*) FROM s3_inline').pluck().get() as number;
  await store.dropBucket('sizes');
  const [files, rows] = [chunkFiles().length, inlineRows()];
  await store.put('sizes', 'small', Buffer.alloc(INLINE_MAX, 1), {});
  assert.deepEqual([chunkFiles().length, inlineRows()], [files, rows + 1], 'a small object makes no file');
  await store.put('sizes', 'large', Buffer.alloc(INLINE_MAX + 1, 2), {});
  assert.deepEqual([chunkFiles().length, inlineRows()], [files + 1, rows + 1], 'a larger one makes one chunk file');
  await store.put('sizes', 'small', Buffer.alloc(INLINE_MAX + 1, 3), {});
  await store.put('sizes', 'large', Buffer.from('now small'), {});
  assert.deepEqual([chunkFiles().length, inlineRows()], [files + 1, rows + 1], 'each overwrite freed the bytes it replaced');
  assert.equal(await text('sizes', 'large'), 'now small');
  assert.equal((await text('sizes', 'small'))!.length, INLINE_MAX + 1);
  await store.copy({ bucket: 'sizes', key: 'large' }, { bucket: 'sizes', key: 'copy' });
  await store.delete('sizes', 'large');
  assert.equal(await text('sizes', 'copy'), 'now small', 'a copy has bytes of its own');
  await store.dropBucket('sizes');
  assert.deepEqual([chunkFiles().length, inlineRows()], [files, rows], 'dropping the bucket freed everything');
});

test('sweep removes chunks that no object references (a crash between write and commit)', async () => {
  mkdirSync(join(root, 'objects', 'ab'), { recursive: true });
  writeFileSync(join(root, 'objects', 'ab', 'ab'.repeat(16)), 'orphan');
  await store.put('kept', 'k', Buffer.from('kept bytes'), {});
  await store.sweep();
  assert.ok(!existsSync(join(root, 'objects', 'ab', 'ab'.repeat(16))));
  assert.equal(await text('kept', 'k'), 'kept bytes');
});

test('legacy bucket folders are imported, never through a symlink or a .. segment', async () => {
  const legacyRoot = join(root, 'buckets');
  mkdirSync(join(legacyRoot, 'links', 'sub'), { recursive: true });
  writeFileSync(join(legacyRoot, 'links', 'sub', 'ok.txt'), 'fine');
  symlinkSync(join(root, 'secret.txt'), join(legacyRoot, 'links', 'file-link'));
  symlinkSync(root, join(legacyRoot, 'links', 'dir-link'));
  const buckets = new SqliteBucketStore(db);
  const legacy = new FsLegacyFolder({ db, root: legacyRoot, buckets, objects: store, owner: '000000000000', region: 'us-east-1', now: () => new Date(), classify: () => ({}) });
  await legacy.importAll();
  assert.equal((await buckets.get('links'))?.ownerAccountId, '000000000000');
  assert.equal(await text('links', 'sub/ok.txt'), 'fine');
  for (const key of ['file-link', 'dir-link/secret.txt', '../secret.txt', 'sub/../../../secret.txt']) {
    assert.equal(await legacy.importObject('links', key), false, key);
    assert.equal(await store.head('links', key), undefined, key);
  }
  for (const bucket of ['..', '.', '', '../buckets', 'a/b', '.tmp']) assert.equal(await legacy.importBucket(bucket), false, bucket);
  // An object deleted through S3 does not come back from its old file.
  await store.delete('links', 'sub/ok.txt');
  assert.equal(await legacy.importObject('links', 'sub/ok.txt'), false);
});

test('blobs are content-addressed, hash-checked and never half-written', async () => {
  const blobs = new FsBlobStore(join(root, 'blobs'));
  const sha = await blobs.put(Buffer.from('model bytes'));
  assert.match(sha, /^[0-9a-f]{64}$/);
  assert.equal(await blobs.put(Buffer.from('model bytes')), sha);
  assert.equal((await blobs.get(sha)).toString(), 'model bytes');
  writeFileSync(join(root, 'blobs', sha.slice(0, 2), sha), 'tampered');
  await assert.rejects(blobs.get(sha), /corrupt/);
  writeFileSync(join(root, 'blobs', '.tmp-leftover'), 'partial');
  await blobs.sweep();
  assert.ok(!existsSync(join(root, 'blobs', '.tmp-leftover')));
  await assert.rejects(blobs.get('../../etc/passwd'), /not a sha256/);
});
