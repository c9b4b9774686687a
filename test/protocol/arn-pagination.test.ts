import { test } from 'node:test';
import { createHmac } from 'node:crypto';
import assert from 'node:assert/strict';
import { datasetArn, parseArn, projectArn, versionArn } from '../../src/domain/shared/arn.js';
import { Paginator } from '../../src/domain/shared/pagination.js';
import { ServiceError } from '../../src/protocol/errors.js';

const scope = { accountId: '111122223333', region: 'us-east-1' };

test('ARNs round-trip through the one builder and parser', () => {
  const p = projectArn(scope, 'my-project', 1690405809285);
  assert.equal(p, 'arn:aws:rekognition:us-east-1:111122223333:project/my-project/1690405809285');
  assert.deepEqual(parseArn(p), { kind: 'project', partition: 'aws', region: 'us-east-1', accountId: '111122223333', projectName: 'my-project', createdMs: 1690405809285 });
  const v = versionArn(scope, 'my-project', 'v.1', 1690556751958);
  assert.equal(parseArn(v)?.kind, 'version');
  assert.equal((parseArn(v) as any).versionName, 'v.1');
  const d = datasetArn(scope, 'my-project', 'TRAIN', 1);
  assert.match(d, /dataset\/train\/1$/);
  assert.equal((parseArn(d) as any).datasetType, 'train');
});

test('non-Rekognition and malformed ARNs are rejected', () => {
  for (const bad of ['', 'arn:aws:s3:::bucket', 'arn:aws:rekognition:us-east-1:1234:project/p/1', 'arn:aws:rekognition:us-east-1:111122223333:project/p/1/extra',
    'arn:aws:rekognition:us-east-1:111122223333:project/p/dataset/validation/1', 'arn:aws:rekognition:us-east-1:111122223333:project/a b/1']) {
    assert.equal(parseArn(bad), undefined, bad);
  }
});

test('pagination tokens are opaque, bound to their context and tamper-proof', () => {
  let now = 1_000_000;
  const pager = new Paginator(Buffer.alloc(32, 7), () => new Date(now));
  const token = pager.issue('ctx', 10);
  assert.equal(pager.position('ctx', token), 10);
  const isPaginationError = (e: unknown) => e instanceof ServiceError && e.code === 'InvalidPaginationTokenException';
  assert.throws(() => pager.position('other', token), isPaginationError);
  const raw = Buffer.from(token, 'base64url');
  raw[raw.length - 2] ^= 1;
  assert.throws(() => pager.position('ctx', raw.toString('base64url')), isPaginationError);
  assert.throws(() => pager.position('ctx', 'garbage'), isPaginationError);
  assert.throws(() => new Paginator(Buffer.alloc(32, 8)).position('ctx', token), isPaginationError);
  now += 25 * 3600 * 1000;
  assert.throws(() => pager.position('ctx', token), isPaginationError);
});

test('the same page asked again within a minute gets the same token; every token stays checked', () => {
  let now = 120_000;
  const pager = new Paginator(Buffer.alloc(32, 7), () => new Date(now));
  const first = pager.issue('ctx', 10);
  now += 30_000;
  assert.equal(pager.issue('ctx', 10), first);
  assert.notEqual(pager.issue('ctx', 20), first);
  assert.notEqual(pager.issue('other', 10), first);
  now += 60_000;
  const later = pager.issue('ctx', 10);
  assert.notEqual(later, first);
  assert.equal(pager.position('ctx', first), 10);
  assert.equal(pager.position('ctx', later), 10);
  assert.throws(() => pager.position('other', first), (e: unknown) => e instanceof ServiceError && e.code === 'InvalidPaginationTokenException');
});

test('page() walks a keyset listing to its end and leaves the token out on the last page', async () => {
  const pager = new Paginator(Buffer.alloc(32, 1));
  const items = Array.from({ length: 25 }, (_, i) => ({ key: [i, `n${i}`] as [number, string] }));
  const seen: number[] = [];
  let token: string | undefined;
  do {
    const p = await pager.page('c', token, 10, async (after: [number, string] | undefined, n) => items.filter((x) => after === undefined || x.key[0] > after[0]).slice(0, n), (x) => x.key);
    seen.push(...p.items.map((x) => x.key[0]));
    token = p.nextToken;
  } while (token);
  assert.deepEqual(seen, items.map((x) => x.key[0]));
});

test('a token keeps its JSON position exactly; an offset token of the earlier format is refused', () => {
  const pager = new Paginator(Buffer.alloc(32, 7));
  assert.deepEqual(pager.position('ctx', pager.issue('ctx', [1690405809285, 'my-project'])), [1690405809285, 'my-project']);
  assert.equal(pager.position('ctx', undefined), undefined);
  const key = Buffer.alloc(32, 7);
  const body = '{"o":10,"t":0}';
  const old = Buffer.concat([createHmac('sha256', key).update('ctx').update('\n').update(body).digest().subarray(0, 16), Buffer.from(body)]).toString('base64url');
  assert.throws(() => pager.position('ctx', old), (e: unknown) => e instanceof ServiceError && e.code === 'InvalidPaginationTokenException');
});
