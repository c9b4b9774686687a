// The ObjectStore cases every adapter passes (the embedded store, objects.test.ts; the S3 adapter on
// an S3 service, objects.s3.test.ts): any S3 key, listings and pages, ranges, atomic overwrites that
// refuse a bad Content-MD5 or a short body, multipart with S3's ETags and checks, and a seeded random
// sequence compared with an in-memory model of S3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ObjectStoreError, type ObjectStore } from '../../src/storage/ports.js';
import { mulberry32 } from '../../src/ml/rng.js';

export interface ObjectBackend {
  store: ObjectStore;
  /** A new, empty bucket (its storage made); the name is unique to the call. */
  bucket(hint: string): Promise<string>;
  close(): Promise<void>;
}

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
const byteOrder = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
const MiB = 1024 * 1024;

export async function text(store: ObjectStore, bucket: string, key: string, range?: { start: number; end: number }): Promise<string | undefined> {
  const o = await store.get(bucket, key, range);
  if (!o) return undefined;
  if (Buffer.isBuffer(o.body)) return o.body.toString();
  const chunks: Buffer[] = [];
  for await (const c of o.body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString();
}

/** S3's listing over a model: sorted keys after `after`, folded into common prefixes, at most max entries. */
function modelList(keys: string[], q: { prefix: string; delimiter?: string; after?: string; max: number }) {
  const entries: { key?: string; prefix?: string }[] = [];
  const seen = new Set<string>();
  for (const k of keys.filter((k) => k.startsWith(q.prefix)).sort(byteOrder)) {
    const cut = q.delimiter ? k.indexOf(q.delimiter, q.prefix.length) : -1;
    const entry = cut >= 0 ? { prefix: k.slice(0, cut + q.delimiter!.length) } : { key: k };
    const name = entry.prefix ?? entry.key!;
    if (q.after !== undefined && byteOrder(name, q.after) <= 0) continue;
    if (entry.prefix) { if (seen.has(entry.prefix)) continue; seen.add(entry.prefix); }
    entries.push(entry);
  }
  return { page: entries.slice(0, q.max), truncated: entries.length > q.max };
}

export function objectStoreConformance(name: string, open: () => Promise<ObjectBackend>, opts: { skip?: string | false; seeds?: number[] } = {}): void {
  let backend: ObjectBackend | undefined;
  const b = async () => (backend ??= await open());
  const t = (title: string, fn: (be: ObjectBackend) => Promise<void>) => test(`${name}: ${title}`, { skip: opts.skip }, async () => fn(await b()));

  t('any S3 key: a beside a/b, .., //, trailing /, spaces, Unicode', async ({ store, bucket }) => {
    const photos = await bucket('photos');
    const keys = ['a', 'a/b', 'a/b/', '../../secret.txt', 'x//y', './z', 'dir/', 'with space.txt', 'ünï/cødé 🐟', 'a\\b', '..', 'q?x=1&y=%41#frag+plus'];
    for (const k of keys) await store.put(photos, k, Buffer.from(`body of ${k}`), { contentType: 'text/plain', metadata: { who: k.length.toString() } });
    for (const k of keys) {
      assert.equal(await text(store, photos, k), `body of ${k}`, k);
      const info = (await store.head(photos, k))!;
      assert.equal(info.etag, md5(`body of ${k}`));
      assert.equal(info.size, Buffer.byteLength(`body of ${k}`));
      assert.deepEqual([info.contentType, info.metadata], ['text/plain', { who: k.length.toString() }]);
    }
    const listed = await store.list(photos, { maxKeys: 1000 });
    assert.deepEqual(listed.objects.map((o) => o.key), [...keys].sort(byteOrder));
  });

  t('list: prefix, delimiter, common prefixes, continuation', async ({ store, bucket }) => {
    const listing = await bucket('listing');
    for (const k of ['p/1', 'p/2', 'p/d/1', 'p/d/2', 'p/e/1', 'p/z', 'q']) await store.put(listing, k, Buffer.from(k), {});
    const top = await store.list(listing, { prefix: 'p/', delimiter: '/', maxKeys: 1000 });
    assert.deepEqual([top.objects.map((o) => o.key), top.commonPrefixes], [['p/1', 'p/2', 'p/z'], ['p/d/', 'p/e/']]);
    const pages: string[][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await store.list(listing, { prefix: 'p/', delimiter: '/', maxKeys: 2, after });
      pages.push([...page.objects.map((o) => o.key), ...page.commonPrefixes]);
      if (!page.isTruncated) break;
      after = page.last;
    }
    assert.deepEqual(pages, [['p/1', 'p/2'], ['p/d/', 'p/e/'], ['p/z']]);
    assert.equal(await store.isEmpty(listing), false);
    assert.equal(await store.isEmpty(await bucket('empty')), true);
  });

  t('ranges, overwrite and delete; a failed Content-MD5 or short body leaves the old object', async ({ store, bucket }) => {
    const r = await bucket('ranges');
    await store.put(r, 'k', Readable.from([Buffer.from('0123'), Buffer.from('456789')]), {}, { length: 10 });
    assert.equal(await text(store, r, 'k', { start: 2, end: 5 }), '2345');
    assert.equal((await store.get(r, 'k', { start: 2, end: 5 }))!.info.size, 10, 'a ranged read reports the whole size');
    await assert.rejects(store.put(r, 'k', Buffer.from('new'), {}, { md5: Buffer.alloc(16) }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'BadDigest');
    await assert.rejects(store.put(r, 'k', Buffer.from('new'), {}, { length: 10 }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'IncompleteBody');
    await assert.rejects(store.put(r, 'k', Readable.from([Buffer.from('new')]), {}, { md5: Buffer.alloc(16), length: 3 }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'BadDigest');
    await assert.rejects(store.put(r, 'k', Readable.from([Buffer.from('new')]), {}, { length: 10 }), (e: unknown) => e instanceof ObjectStoreError && e.code === 'IncompleteBody');
    // A body that fails half-way (a client that hangs up, a bad chunk signature) stores nothing.
    const broken = new Readable({ read() {} });
    broken.push(Buffer.from('partial'));
    setTimeout(() => broken.destroy(new Error('client went away')), 50);
    await assert.rejects(store.put(r, 'k', broken, {}, { length: 100 }), /client went away/);
    assert.equal(await text(store, r, 'k'), '0123456789');
    await store.put(r, 'k', Buffer.from('new'), {});
    assert.equal(await text(store, r, 'k'), 'new');
    await store.put(r, 'unsized', Readable.from([Buffer.from('no '), Buffer.from('length')]), { contentType: 'text/x' });
    assert.equal(await text(store, r, 'unsized'), 'no length');
    await store.delete(r, 'k');
    await store.delete(r, 'never-there');
    assert.equal(await store.head(r, 'k'), undefined);
    assert.equal(await store.get(r, 'k'), undefined);
  });

  t('bodies of every size (small ones kept in the embedded index, larger ones in files) check length and Content-MD5 alike', async ({ store, bucket }) => {
    const r = await bucket('sizes');
    const incomplete = (e: unknown) => e instanceof ObjectStoreError && e.code === 'IncompleteBody';
    const badDigest = (e: unknown) => e instanceof ObjectStoreError && e.code === 'BadDigest';
    for (const size of [1, 128 * 1024, 128 * 1024 + 1, 300 * 1024]) {
      const bytes = Buffer.alloc(size, 97 + (size % 26));
      const halves = () => Readable.from([bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)]);
      await store.put(r, 'k', halves(), {}, { length: size, md5: createHash('md5').update(bytes).digest() });
      await assert.rejects(store.put(r, 'k', halves(), {}, { length: size - 1 }), incomplete, `${size}: longer than declared`);
      await assert.rejects(store.put(r, 'k', halves(), {}, { length: size + 1 }), incomplete, `${size}: shorter than declared`);
      await assert.rejects(store.put(r, 'k', halves(), {}, { length: size, md5: Buffer.alloc(16) }), badDigest, `${size}: bad Content-MD5`);
      assert.equal(await text(store, r, 'k', { start: size - 1, end: size - 1 }), String.fromCharCode(97 + (size % 26)), `${size}: the last byte`);
      assert.equal((await text(store, r, 'k'))!.length, size, `${size}: the first put stands`);
      assert.equal((await store.head(r, 'k'))!.etag, md5(bytes));
      await store.copy({ bucket: r, key: 'k' }, { bucket: r, key: `copy-${size}` });
      assert.equal((await store.head(r, `copy-${size}`))!.size, size);
      assert.equal(await text(store, r, `copy-${size}`), bytes.toString());
    }
  });

  t('conditional writes: ifNoneMatch never replaces, ifMatch replaces only the object it names', async ({ store, bucket }) => {
    const r = await bucket('conditions');
    const code = (c: string) => (e: unknown) => e instanceof ObjectStoreError && e.code === c;
    await store.put(r, 'k', Buffer.from('a'), {}, { ifNoneMatch: true });
    await assert.rejects(store.put(r, 'k', Buffer.from('b'), {}, { ifNoneMatch: true }), code('PreconditionFailed'));
    const large = Buffer.alloc(300 * 1024, 7);
    await assert.rejects(store.put(r, 'k', Readable.from([large]), {}, { ifNoneMatch: true, length: large.length }), code('PreconditionFailed'));
    await assert.rejects(store.put(r, 'k', Buffer.from('b'), {}, { ifMatch: md5('other') }), code('PreconditionFailed'));
    await assert.rejects(store.put(r, 'missing', Buffer.from('b'), {}, { ifMatch: md5('a') }), code('NoSuchKey'));
    assert.equal(await text(store, r, 'k'), 'a', 'every refused write left the object as it was');
    assert.equal(await store.head(r, 'missing'), undefined);
    await store.put(r, 'k', Buffer.from('c'), {}, { ifMatch: md5('a') });
    assert.equal(await text(store, r, 'k'), 'c');
  });

  t('copy: the bytes, the source metadata or the replacement; a missing source is undefined', async ({ store, bucket }) => {
    const c = await bucket('copies');
    await store.put(c, 'src', Buffer.from('payload'), { contentType: 'text/plain', metadata: { a: '1' } });
    const same = (await store.copy({ bucket: c, key: 'src' }, { bucket: c, key: 'dst/é' }))!;
    assert.equal(same.etag, md5('payload'));
    assert.deepEqual([(await store.head(c, 'dst/é'))!.contentType, (await store.head(c, 'dst/é'))!.metadata], ['text/plain', { a: '1' }]);
    await store.copy({ bucket: c, key: 'src' }, { bucket: c, key: 'dst2' }, { contentType: 'image/png', metadata: { b: '2' } });
    assert.deepEqual([(await store.head(c, 'dst2'))!.contentType, (await store.head(c, 'dst2'))!.metadata], ['image/png', { b: '2' }]);
    assert.equal(await text(store, c, 'dst2'), 'payload');
    assert.equal(await store.copy({ bucket: c, key: 'nope' }, { bucket: c, key: 'x' }), undefined);
  });

  t('multipart: ETag as S3 computes it, parts in order, too-small parts refused, abort leaves nothing', async ({ store, bucket }) => {
    const mp = await bucket('multipart');
    const a = Buffer.alloc(5 * MiB, 'a'), b = Buffer.alloc(3, 'b');
    const id = await store.createUpload(mp, 'big', { contentType: 'application/x-test' });
    const p2 = await store.uploadPart(mp, 'big', id, 2, Readable.from([b]), { length: 3 });
    const p1 = await store.uploadPart(mp, 'big', id, 1, a);
    assert.equal(p1.etag, md5(a));
    const listed = await store.listParts(mp, 'big', id, 0, 1);
    assert.deepEqual([listed.parts.map((p) => [p.partNumber, p.etag, p.size]), listed.isTruncated], [[[1, md5(a), a.length]], true]);
    assert.deepEqual((await store.listUploads(mp, { max: 10 })).uploads.map((u) => [u.key, u.uploadId]), [['big', id]]);
    await assert.rejects(store.completeUpload(mp, 'big', id, [{ partNumber: 2, etag: p2.etag }, { partNumber: 1, etag: p1.etag }], 5 * MiB), (e: unknown) => (e as ObjectStoreError).code === 'InvalidPartOrder');
    await assert.rejects(store.completeUpload(mp, 'big', id, [{ partNumber: 1, etag: md5('x') }], 5 * MiB), (e: unknown) => (e as ObjectStoreError).code === 'InvalidPart');
    const info = await store.completeUpload(mp, 'big', id, [{ partNumber: 1, etag: `"${p1.etag}"` }, { partNumber: 2, etag: p2.etag }], 5 * MiB);
    assert.equal(info.etag, `${md5(Buffer.concat([Buffer.from(md5(a), 'hex'), Buffer.from(md5(b), 'hex')]))}-2`);
    assert.equal((await store.head(mp, 'big'))!.contentType, 'application/x-test');
    assert.equal(await text(store, mp, 'big', { start: 5 * MiB - 2, end: 5 * MiB + 1 }), 'aabb');
    // (an id that never existed: moto_server answers a part for a completed upload with a 500 page)
    await assert.rejects(store.uploadPart(mp, 'big', 'no-such-upload', 3, b), (e: unknown) => (e as ObjectStoreError).code === 'NoSuchUpload');
    assert.deepEqual((await store.listUploads(mp, { max: 10 })).uploads, [], 'a completed upload is gone');
    const small = await store.createUpload(mp, 'small', {});
    const s1 = await store.uploadPart(mp, 'small', small, 1, b);
    const s2 = await store.uploadPart(mp, 'small', small, 2, b);
    await assert.rejects(store.completeUpload(mp, 'small', small, [{ partNumber: 1, etag: s1.etag }, { partNumber: 2, etag: s2.etag }], 5 * MiB), (e: unknown) => (e as ObjectStoreError).code === 'EntityTooSmall');
    assert.equal(await store.abortUpload(mp, 'small', small), true);
    assert.equal(await store.abortUpload(mp, 'small', small), false);
    assert.equal(await store.head(mp, 'small'), undefined);
    assert.deepEqual((await store.listUploads(mp, { max: 10 })).uploads, []);
  });

  for (const seed of opts.seeds ?? [1, 2, 3, 4, 5]) {
    t(`store and model agree on a random sequence (seed ${seed})`, async ({ store, bucket }) => {
      const random = mulberry32(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
      const ALPHABET = ['a', 'b', '/', '.', ' ', 'é', '🐟', '-', '0'];
      const randomKey = () => Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(ALPHABET)).join('');
      const bk = await bucket(`seq${seed}`);
      const model = new Map<string, string>();
      for (let step = 0; step < 150; step++) {
        const op = random();
        const key = model.size > 0 && random() < 0.5 ? pick([...model.keys()]) : randomKey();
        if (op < 0.45) {
          const body = `v${step}:${key}`;
          await store.put(bk, key, Buffer.from(body), {});
          model.set(key, body);
        } else if (op < 0.6) {
          await store.delete(bk, key);
          model.delete(key);
        } else if (op < 0.7) {
          const to = randomKey();
          const copied = await store.copy({ bucket: bk, key }, { bucket: bk, key: to }, to === key ? {} : undefined);
          assert.equal(copied !== undefined, model.has(key), `seed ${seed} step ${step}: copy ${key}`);
          if (model.has(key)) model.set(to, model.get(key)!);
        } else if (op < 0.8) {
          const info = await store.head(bk, key);
          const want = model.get(key);
          assert.equal(info?.etag, want === undefined ? undefined : md5(want), `seed ${seed} step ${step}: head ${key}`);
        } else {
          const prefix = random() < 0.5 ? '' : [...randomKey()].slice(0, 2).join('');
          const delimiter = random() < 0.6 ? pick(['/', '.', 'é']) : undefined;
          const max = 1 + Math.floor(random() * 4);
          let after: string | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const got = await store.list(bk, { prefix, delimiter, after, maxKeys: max });
            const want = modelList([...model.keys()], { prefix, delimiter, after, max });
            const names = [...got.objects.map((o) => o.key), ...got.commonPrefixes].sort(byteOrder);
            assert.deepEqual(names, want.page.map((e) => e.prefix ?? e.key!), `seed ${seed} step ${step}: list ${JSON.stringify({ prefix, delimiter, after, max })}`);
            assert.equal(got.isTruncated, want.truncated, `seed ${seed} step ${step}: truncated`);
            for (const o of got.objects) assert.equal(o.size, Buffer.byteLength(model.get(o.key)!));
            if (!got.isTruncated) break;
            after = got.last;
          }
        }
      }
    });
  }

  test(`${name}: close`, { skip: opts.skip }, async () => { await backend?.close(); });
}
