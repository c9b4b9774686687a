import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deserializeModel,
  ModelFormatError,
  readModelHeader,
  serializeModel,
  withAssumedThresholds,
  type ModelContents,
} from '../../src/ml/model-format.js';
import { createUntrainedModel } from '../../src/ml/train.js';

function sample(): ModelContents {
  return {
    architecture: { name: 'osprey-cnn', convFilters: [2], head: 'gap', dense: 0, dropout: 0, inputNorm: 'standardize' },
    inputSize: 8,
    labels: ['a', 'b'],
    assumedThresholds: [0.25, 0.75],
    multiLabel: false,
    weights: [
      { name: 'w0', shape: [3, 3, 3, 2], values: Float32Array.from({ length: 54 }, (_, i) => Math.sin(i)) },
      { name: 'b0', shape: [2], values: new Float32Array([0.5, -1.5]) },
    ],
  };
}

test('serialize/deserialize round-trips exactly and is deterministic', () => {
  const m = sample();
  const a = serializeModel(m);
  const b = serializeModel(sample());
  assert.ok(a.equals(b), 'same content gives the same bytes');
  const back = deserializeModel(a);
  assert.deepEqual(back.labels, m.labels);
  assert.deepEqual(back.assumedThresholds, m.assumedThresholds);
  assert.deepEqual(back.architecture, m.architecture);
  assert.equal(back.inputSize, 8);
  assert.equal(back.multiLabel, false);
  assert.deepEqual(Array.from(back.weights[0]!.values), Array.from(m.weights[0]!.values));
  assert.deepEqual(back.weights[1]!.shape, [2]);
  assert.ok(serializeModel(back).equals(a));
  assert.equal(readModelHeader(a).formatVersion, 1);
});

test('a real untrained network serialises deterministically for a seed, differently for another seed', async () => {
  const a = await createUntrainedModel({ labelNames: ['x', 'y', 'z'], inputSize: 16, seed: 3 });
  const b = await createUntrainedModel({ labelNames: ['x', 'y', 'z'], inputSize: 16, seed: 3 });
  const c = await createUntrainedModel({ labelNames: ['x', 'y', 'z'], inputSize: 16, seed: 4 });
  assert.ok(a.equals(b));
  assert.ok(!a.equals(c));
});

test('truncated, extended and corrupted buffers are rejected with ModelFormatError', () => {
  const buf = serializeModel(sample());
  for (const n of [0, 5, 11, 20, buf.length - 1, buf.length - 100]) {
    assert.throws(() => deserializeModel(buf.subarray(0, n)), ModelFormatError, `length ${n}`);
  }
  assert.throws(() => deserializeModel(Buffer.concat([buf, Buffer.from([0])])), /trailing/);
  const flipped = Buffer.from(buf);
  flipped[flipped.length - 3]! ^= 0x40;
  assert.throws(() => deserializeModel(flipped), /checksum/);
  const badMagic = Buffer.from(buf);
  badMagic[0] = 0x58;
  assert.throws(() => deserializeModel(badMagic), /magic/);
  const badHeader = Buffer.from(buf);
  badHeader[14] = 0x7b; // breaks the JSON
  assert.throws(() => deserializeModel(badHeader), ModelFormatError);
  assert.throws(() => deserializeModel('nope' as unknown as Buffer), ModelFormatError);
});

test('invalid metadata is refused when serialising', () => {
  assert.throws(() => serializeModel({ ...sample(), assumedThresholds: [0.5] }), ModelFormatError);
  assert.throws(() => serializeModel({ ...sample(), assumedThresholds: [0.5, 1.5] }), ModelFormatError);
  assert.throws(() => serializeModel({ ...sample(), labels: ['a', 'a'] }), ModelFormatError);
  const m = sample();
  m.weights[1]!.shape = [3];
  assert.throws(() => serializeModel(m), ModelFormatError);
});

test('withAssumedThresholds changes only the thresholds', () => {
  const buf = serializeModel(sample());
  const next = withAssumedThresholds(buf, [0.1, 0.9]);
  const m = deserializeModel(next);
  assert.deepEqual(m.assumedThresholds, [0.1, 0.9]);
  assert.deepEqual(Array.from(m.weights[0]!.values), Array.from(sample().weights[0]!.values));
  assert.ok(withAssumedThresholds(next, [0.25, 0.75]).equals(buf));
});
