// No bucket or key name may reach outside <data-dir>/buckets/<bucket>/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore, ObjectPathError } from '../../src/storage/objects.js';
import { FsBlobStore } from '../../src/storage/blobs.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('osprey-objects-');
const store = new FsObjectStore(join(root, 'buckets'));
writeFileSync(join(root, 'secret.txt'), 'top secret');

test('objects round-trip under their bucket folder', async () => {
  await store.put('photos', 'a/b/c.jpg', Buffer.from('img'));
  assert.ok(existsSync(join(root, 'buckets', 'photos', 'a', 'b', 'c.jpg')));
  assert.equal((await store.get('photos', 'a/b/c.jpg'))?.toString(), 'img');
  assert.equal(await store.size('photos', 'a/b/c.jpg'), 3);
  assert.equal(await store.get('photos', 'missing.jpg'), undefined);
});

test('traversal in bucket or key names is refused', async () => {
  const badKeys = ['../../secret.txt', '../photos2/x', 'a/../../x', '/etc/passwd', 'a\\..\\x', 'a\0b', './x', 'a/./b', '', 'dir/'];
  for (const key of badKeys) {
    await assert.rejects(store.get('photos', key), ObjectPathError, key);
    await assert.rejects(store.put('photos', key, 'x'), ObjectPathError, key);
  }
  for (const bucket of ['..', '.', '', 'a/b', '../buckets', 'x'.repeat(256), 'a\\b', '.tmp']) {
    await assert.rejects(store.get(bucket, 'k'), ObjectPathError, bucket);
  }
});

test('symbolic links out of a bucket are not followed', async () => {
  mkdirSync(join(root, 'buckets', 'links'), { recursive: true });
  symlinkSync(join(root, 'secret.txt'), join(root, 'buckets', 'links', 'file-link'));
  symlinkSync(root, join(root, 'buckets', 'links', 'dir-link'));
  assert.equal(await store.get('links', 'file-link'), undefined);
  assert.equal(await store.get('links', 'dir-link/secret.txt'), undefined);
  assert.equal(await store.size('links', 'dir-link/secret.txt'), undefined);
});

test('writes through a symbolic link out of a bucket are refused and create nothing outside', async () => {
  mkdirSync(join(root, 'outside'), { recursive: true });
  mkdirSync(join(root, 'buckets', 'wlinks', 'inside'), { recursive: true });
  symlinkSync(join(root, 'outside'), join(root, 'buckets', 'wlinks', 'out-link'));
  symlinkSync(join(root, 'nowhere'), join(root, 'buckets', 'wlinks', 'dangling'));
  symlinkSync(join(root, 'buckets', 'wlinks', 'inside'), join(root, 'buckets', 'wlinks', 'in-link'));
  for (const key of ['out-link/x.json', 'out-link/deeper/x.json', 'dangling/x.json']) {
    await assert.rejects(store.put('wlinks', key, 'x'), ObjectPathError, key);
  }
  assert.deepEqual(readdirSync(join(root, 'outside')), []);
  assert.ok(!existsSync(join(root, 'nowhere')));
  // A link that stays inside the bucket is followed, as on reads.
  await store.put('wlinks', 'in-link/y.json', 'y');
  assert.equal((await store.get('wlinks', 'inside/y.json'))?.toString(), 'y');
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
