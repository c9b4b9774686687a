// A random sequence of puts, deletes, copies and lists gives the same answers from the filesystem
// object store as from an in-memory model of S3 (a sorted map of keys; listing by UTF-8 byte order,
// prefix, delimiter and pages). Seeded, so a failure names the seed that reproduces it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../src/storage/fs/object-store.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { OBJECT_MIGRATIONS } from '../../src/storage/fs/index-db.js';
import { tempDir } from '../helpers/tmp.js';
import { mulberry32 } from '../../src/ml/rng.js';

const rng = mulberry32;

const ALPHABET = ['a', 'b', '/', '.', ' ', 'é', '🐟', '-', '0'];
const byteOrder = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));

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

for (const seed of [1, 2, 3, 4, 5]) {
  test(`store and model agree on a random sequence (seed ${seed})`, async () => {
    const random = rng(seed);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    const randomKey = () => Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(ALPHABET)).join('');
    const db = openDatabase(join(tempDir('osprey-prop-'), 'objects.db'), OBJECT_MIGRATIONS);
    const store = new FsObjectStore(db, join(tempDir('osprey-prop-'), 'objects'));
    const model = new Map<string, string>();
    for (let step = 0; step < 150; step++) {
      const op = random();
      const key = model.size > 0 && random() < 0.5 ? pick([...model.keys()]) : randomKey();
      if (op < 0.45) {
        const body = `v${step}:${key}`;
        await store.put('b', key, Buffer.from(body), {});
        model.set(key, body);
      } else if (op < 0.6) {
        await store.delete('b', key);
        model.delete(key);
      } else if (op < 0.7) {
        const to = randomKey();
        const copied = await store.copy({ bucket: 'b', key }, { bucket: 'b', key: to });
        assert.equal(copied !== undefined, model.has(key), `seed ${seed} step ${step}: copy ${key}`);
        if (model.has(key)) model.set(to, model.get(key)!);
      } else if (op < 0.8) {
        const info = await store.head('b', key);
        const want = model.get(key);
        assert.equal(info?.etag, want === undefined ? undefined : createHash('md5').update(want).digest('hex'), `seed ${seed} step ${step}: head ${key}`);
      } else {
        // List everything under a prefix, page by page, and compare every page.
        const prefix = random() < 0.5 ? '' : randomKey().slice(0, 2);
        const delimiter = random() < 0.6 ? pick(['/', '.', 'é']) : undefined;
        const max = 1 + Math.floor(random() * 4);
        let after: string | undefined;
        for (let pages = 0; pages < 100; pages++) {
          const got = await store.list('b', { prefix, delimiter, after, maxKeys: max });
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
    db.close();
  });
}
