// The S3 adapter (src/storage/s3/) against an S3 service (moto_server): the ObjectStore conformance
// cases, the model blob store in its bucket, and bucket storage that Osprey did not make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '../../src/storage/s3/client.js';
import { S3ObjectStore } from '../../src/storage/s3/object-store.js';
import { S3BlobStore } from '../../src/storage/s3/blobs.js';
import { skipWithoutS3, testS3, type S3Service } from '../helpers/s3.js';
import { objectStoreConformance } from './objects.conformance.js';

const run = randomBytes(4).toString('hex');
let service: S3Service | undefined;
const client = async () => {
  service ??= await testS3();
  return s3Client({ endpoint: service.url, fallbackRegion: 'us-east-1', accessKeyId: 'osprey-test', secretAccessKey: 'osprey-test-secret' });
};

objectStoreConformance('s3', async () => {
  const store = new S3ObjectStore(await client());
  let n = 0;
  return {
    store,
    async bucket(hint) {
      const name = `${hint}-${run}-${++n}`;
      assert.equal(await store.createBucket(name), 'created');
      return name;
    },
    async close() {},
  };
}, { skip: skipWithoutS3, seeds: [1, 2] });

test('s3: a bucket the service already has is reported as existing, never silently taken over', { skip: skipWithoutS3 }, async () => {
  const s3 = await client();
  const store = new S3ObjectStore(s3);
  const name = `outside-${run}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  assert.equal(await store.createBucket(name), 'exists');
  assert.equal(await store.createBucket(`fresh-${run}`), 'created');
  assert.equal(await store.createBucket(`fresh-${run}`), 'exists');
  await store.dropBucket(`fresh-${run}`);
  assert.equal(await store.createBucket(`fresh-${run}`), 'created', 'dropBucket removed the bucket from the service');
});

test('s3: the reserved SSE entry of user metadata can be neither set nor read by clients', { skip: skipWithoutS3 }, async () => {
  const s3 = await client();
  const store = new S3ObjectStore(s3);
  const name = `sse-${run}`;
  await store.createBucket(name);
  await store.put(name, 'forged', Buffer.from('x'), { metadata: { 'osprey-sse-key-arn': 'arn:aws:kms:us-east-1:111111111111:key/forged', keep: 'me' } });
  const info = (await store.head(name, 'forged'))!;
  assert.equal(info.sseKeyArn, undefined);
  assert.deepEqual(info.metadata, { keep: 'me' });
  await store.put(name, 'sealed', Buffer.from('y'), { sseKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/real' });
  const sealed = (await store.head(name, 'sealed'))!;
  assert.deepEqual([sealed.sseKeyArn, sealed.metadata], ['arn:aws:kms:us-east-1:111111111111:key/real', {}]);
});

test('s3: model blobs are content-addressed in the model bucket, hash-checked, stored once', { skip: skipWithoutS3 }, async () => {
  const s3 = await client();
  const blobs = new S3BlobStore(s3, `models-${run}`);
  await blobs.ensureBucket();
  await blobs.ensureBucket();
  const bytes = randomBytes(300_000);
  const sha = await blobs.put(bytes);
  assert.match(sha, /^[0-9a-f]{64}$/);
  assert.equal(await blobs.put(bytes), sha);
  assert.ok((await blobs.get(sha)).equals(bytes));
  assert.equal(await blobs.size(sha), bytes.length);
  assert.equal(await blobs.has(sha), true);
  const keys = (await s3.send(new ListObjectsV2Command({ Bucket: `models-${run}` }))).Contents!.map((o) => o.Key);
  assert.deepEqual(keys, [`sha256/${sha}`]);
  // Bytes changed behind Osprey's back are refused on read.
  await s3.send(new PutObjectCommand({ Bucket: `models-${run}`, Key: `sha256/${sha}`, Body: Buffer.from('tampered') }));
  await assert.rejects(blobs.get(sha), /corrupt/);
  await blobs.delete(sha);
  assert.equal(await blobs.has(sha), false);
  await assert.rejects(blobs.get('../../etc/passwd'), /not a sha256/);
});

test('s3: stop the service', { skip: skipWithoutS3 }, async () => { await service?.stop(); });
