// The filesystem object store: S3 semantics for any key, atomic streamed writes, multipart, and no
// name (bucket or key, legacy folder or not) that reaches outside the data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsObjectStore } from '../../src/storage/fs/object-store.js';
import { FsLegacyFolder } from '../../src/storage/fs/legacy-folder.js';
import { FsBlobStore } from '../../src/storage/blobs.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { OBJECT_MIGRATIONS } from '../../src/storage/fs/index-db.js';
import { tempDir } from '../helpers/tmp.js';
import { SqliteBucketStore } from '../../src/storage/sqlite/buckets.js';
import { ObjectStoreError } from '../../src/storage/ports.js';

const root = tempDir('osprey-objects-');
const db = openDatabase(join(root, 'osprey.db'), OBJECT_MIGRATIONS);
const store = new FsObjectStore(db, join(root, 'objects'));
writeFileSync(join(root, 'secret.txt'), 'top secret');

async function text(bucket: string, key: string, range?: { start: number; end: number }): Promise<string | undefined> {
  const o = await store.get(bucket, key, range);
  if (!o) return undefined;
  let s = '';
  for await (const c of o.body) s += c;
  return s;
}

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

test('any S3 key: a beside a/b, .., //, trailing /, spaces, Unicode; nothing written outside objects/', async () => {
  const keys = ['a', 'a/b', 'a/b/', '../../secret.txt', 'x//y', './z', 'dir/', 'with space.txt', 'ünï/cødé 🐟', 'a\\b', '..'];
  for (const k of keys) await store.put('photos', k, Buffer.from(`body of ${k}`), { contentType: 'text/plain', metadata: { who: k.length.toString() } });
  for (const k of keys) {
    assert.equal(await text('photos', k), `body of ${k}`, k);
    const info = (await store.head('photos', k))!;
    assert.equal(info.etag, md5(`body of ${k}`));
    assert.equal(info.size, Buffer.byteLength(`body of ${k}`));
    assert.deepEqual([info.contentType, info.metadata], ['text/plain', { who: k.length.toString() }]);
  }
  assert.equal((await import('node:fs')).readFileSync(join(root, 'secret.txt'), 'utf8'), 'top secret');
  assert.deepEqual(readdirSync(root).sort(), ['objects', 'osprey.db', 'osprey.db-shm', 'osprey.db-wal', 'secret.txt'].filter((f) => existsSync(join(root, f))).sort());
  const listed = await store.list('photos', { maxKeys: 1000 });
  assert.deepEqual(listed.objects.map((o) => o.key), [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
});

test('list: prefix, delimiter, common prefixes, continuation', async () => {
  for (const k of ['p/1', 'p/2', 'p/d/1', 'p/d/2', 'p/e/1', 'p/z', 'q']) await store.put('listing', k, Buffer.from(k), {});
  const top = await store.list('listing', { prefix: 'p/', delimiter: '/', maxKeys: 1000 });
  assert.deepEqual([top.objects.map((o) => o.key), top.commonPrefixes], [['p/1', 'p/2', 'p/z'], ['p/d/', 'p/e/']]);
  const pages: string[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.list('listing', { prefix: 'p/', delimiter: '/', maxKeys: 2, after });
    pages.push([...page.objects.map((o) => o.key), ...page.commonPrefixes]);
    if (!page.isTruncated) break;
    after = page.last;
  }
  assert.deepEqual(pages, [['p/1', 'p/2'], ['p/d/', 'p/e/'], ['p/z']]);
});

test('ranges, overwrite and delete; a failed Content-MD5 or short body leaves the old object', async () => {
  await store.put('r', 'k', Readable.from([Buffer.from('0123'), Buffer.from('456789')]), {});
  assert.equal(await text('r', 'k', { start: 2, end: 5 }), '2345');
  await assert.rejects(store.put('r', 'k', Buffer.from('new'), {}, { md5: Buffer.alloc(16) }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'BadDigest');
  await assert.rejects(store.put('r', 'k', Buffer.from('new'), {}, { length: 10 }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'IncompleteBody');
  assert.equal(await text('r', 'k'), '0123456789');
  await store.put('r', 'k', Buffer.from('new'), {});
  assert.equal(await text('r', 'k'), 'new');
  await store.delete('r', 'k');
  assert.equal(await store.head('r', 'k'), undefined);
  assert.deepEqual(readdirSync(join(root, 'objects', '.tmp')), []);
});

test('multipart: ETag as S3 computes it, parts in order, too-small parts refused, abort leaves nothing', async () => {
  const a = Buffer.alloc(6, 'a'), b = Buffer.alloc(3, 'b');
  const id = await store.createUpload('mp', 'big', { contentType: 'application/x-test' });
  const p2 = await store.uploadPart('mp', 'big', id, 2, b);
  const p1 = await store.uploadPart('mp', 'big', id, 1, a);
  await assert.rejects(store.completeUpload('mp', 'big', id, [{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1.etag }], 1), (e: unknown) => (e as ObjectStoreError).code === 'InvalidPartOrder');
  await assert.rejects(store.completeUpload('mp', 'big', id, [{ partNumber: 1, etag: p1.etag }, { partNumber: 2, etag: p2.etag }], 100), (e: unknown) => (e as ObjectStoreError).code === 'EntityTooSmall');
  await assert.rejects(store.completeUpload('mp', 'big', id, [{ partNumber: 1, etag: md5('x') }], 1), (e: unknown) => (e as ObjectStoreError).code === 'InvalidPart');
  const info = await store.completeUpload('mp', 'big', id, [{ partNumber: 1, etag: `"${p1.etag}"` }, { partNumber: 2, etag: p2.etag }], 1);
  assert.equal(info.etag, `${md5(Buffer.concat([Buffer.from(md5(a), 'hex'), Buffer.from(md5(b), 'hex')]))}-2`);
  assert.equal(await text('mp', 'big'), 'aaaaaabbb');
  assert.equal(await text('mp', 'big', { start: 4, end: 7 }), 'aabb');
  await assert.rejects(store.uploadPart('mp', 'big', id, 3, b), (e: unknown) => (e as ObjectStoreError).code === 'NoSuchUpload');
  const gone = await store.createUpload('mp', 'aborted', {});
  await store.uploadPart('mp', 'aborted', gone, 1, a);
  assert.equal(await store.abortUpload('mp', 'aborted', gone), true);
  assert.equal(await store.head('mp', 'aborted'), undefined);
  assert.deepEqual((await store.listUploads('mp', { max: 10 })).uploads, []);
});

test('sweep removes chunks that no object references (a crash between write and commit)', async () => {
  mkdirSync(join(root, 'objects', 'ab'), { recursive: true });
  writeFileSync(join(root, 'objects', 'ab', 'ab'.repeat(16)), 'orphan');
  await store.sweep();
  assert.ok(!existsSync(join(root, 'objects', 'ab', 'ab'.repeat(16))));
  assert.equal(await text('mp', 'big'), 'aaaaaabbb');
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
