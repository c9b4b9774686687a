// The inference pool in-process: units load and answer like the model does on the main thread,
// the queue bound refuses at once, bad models fail the start, and close() ends every worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ImageRejected, InferencePool, ModelLoadError, PoolClosed, PoolFull } from '../../src/domain/hosting/pool.js';
import { DEFAULT_HOSTING } from '../../src/domain/hosting/settings.js';
import { createUntrainedModel } from '../../src/ml/train.js';
import { loadPredictor } from '../../src/ml/predict.js';

const silent = { info() {}, warn() {}, error() {} };
const labels = ['a', 'b', 'c'];

function pool(model: Buffer, opts: { min?: number; max?: number; queuePerUnit?: number } = {}) {
  return new InferencePool({
    name: 'test', model, min: opts.min ?? 1, max: opts.max ?? opts.min ?? 1, queuePerUnit: opts.queuePerUnit ?? 4,
    autoscale: DEFAULT_HOSTING.autoscale, canGrow: () => true, log: silent,
  });
}

test('units answer exactly as the model on the main thread; bad images are rejected with their check', async () => {
  const model = await createUntrainedModel({ labelNames: labels, seed: 5 });
  const jpeg = await sharp({ create: { width: 200, height: 150, channels: 3, background: '#3a7' } }).jpeg().toBuffer();
  const p = pool(model, { min: 2 });
  await p.start();
  try {
    assert.equal(p.size, 2);
    assert.deepEqual(p.labels, labels);
    const local = await loadPredictor(model);
    assert.deepEqual(Array.from(await p.submit(jpeg)), Array.from(await local.classify(jpeg)));
    local.dispose();
    await assert.rejects(p.submit(await sharp(jpeg).gif().toBuffer()), (e) => e instanceof ImageRejected && e.check === 'FORMAT');
    await assert.rejects(p.submit(jpeg.subarray(0, jpeg.length >> 1)), (e) => e instanceof ImageRejected && e.check === 'CORRUPT');
    await assert.rejects(p.submit(await sharp(jpeg).resize(40, 40).png().toBuffer()), (e) => e instanceof ImageRejected && e.check === 'TOO_SMALL');
  } finally {
    await p.close();
  }
  assert.equal(p.size, 0);
  await assert.rejects(p.submit(jpeg), PoolClosed);
});

test('with no queue, one unit takes one request and refuses the rest at once', async () => {
  const model = await createUntrainedModel({ labelNames: labels });
  const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#a37' } }).jpeg().toBuffer();
  const p = pool(model, { queuePerUnit: 0 });
  await p.start();
  try {
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => p.submit(jpeg)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) assert.ok(r.reason instanceof PoolFull);
  } finally {
    await p.close();
  }
});

test('a model the workers cannot load fails start() with ModelLoadError and leaves no worker', async () => {
  const model = await createUntrainedModel({ labelNames: labels });
  const broken = Buffer.from(model);
  broken[broken.length - 1] ^= 0xff; // weights checksum mismatch
  const p = pool(broken, { min: 2 });
  await assert.rejects(p.start(), (e) => e instanceof ModelLoadError && /checksum/.test(e.message));
  assert.equal(p.size, 0);
});
