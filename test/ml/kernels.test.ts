import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend, tf, _internal, REGISTERED_KERNELS } from '../../src/ml/backend.js';

await initBackend();

function rand(shape: number[], seed: number): Float32Array {
  let a = seed;
  const n = shape.reduce((x, y) => x * y, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a * 1103515245 + 12345) % 2147483648;
    out[i] = a / 2147483648 - 0.5;
  }
  return out;
}

async function onBackend<T>(name: string, f: () => Promise<T>): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend(name);
  try {
    return await f();
  } finally {
    await tf.setBackend(prev);
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const cases: { x: number[]; f: number[]; stride: number; pad: 'same' | 'valid'; dil?: number }[] = [
  { x: [2, 7, 6, 3], f: [3, 3, 3, 5], stride: 1, pad: 'same' },
  { x: [2, 7, 6, 3], f: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [3, 9, 8, 4], f: [3, 2, 4, 2], stride: 1, pad: 'valid' },
  { x: [1, 10, 11, 2], f: [5, 5, 2, 3], stride: 2, pad: 'valid' },
  { x: [4, 16, 16, 8], f: [3, 3, 8, 16], stride: 1, pad: 'same' },
];

test('Osprey registers Conv2DBackpropFilter for wasm', () => {
  assert.equal(tf.getBackend(), 'wasm');
  assert.ok(REGISTERED_KERNELS.includes('Conv2DBackpropFilter'));
  assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'));
});

for (const [i, c] of cases.entries()) {
  test(`conv2d filter and input gradients match the cpu backend (case ${i}: x ${c.x} f ${c.f} s${c.stride} ${c.pad} d${c.dil ?? 1})`, async () => {
    const xv = rand(c.x, 11 + i);
    const wv = rand(c.f, 23 + i);
    const run = async () => {
      const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
      const w = tf.tensor4d(wv, c.f as [number, number, number, number]);
      const y = tf.conv2d(x, w, c.stride, c.pad, 'NHWC', c.dil ?? 1);
      const dy = tf.tensor(rand(y.shape, 37 + i), y.shape);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dil ?? 1), dy)));
      const [dx, dw] = g([x, w]);
      const out = { dx: await dx!.data(), dw: await dw!.data() };
      tf.dispose([x, w, y, dy, dx!, dw!]);
      return out;
    };
    const wasm = await run();
    const cpu = await onBackend('cpu', run);
    assert.ok(maxAbsDiff(wasm.dw, cpu.dw) < 1e-4, `dW differs by ${maxAbsDiff(wasm.dw, cpu.dw)}`);
    assert.ok(maxAbsDiff(wasm.dx, cpu.dx) < 1e-4, `dX differs by ${maxAbsDiff(wasm.dx, cpu.dx)}`);
    // the gradient is not trivially zero
    assert.ok(Math.max(...Array.from(wasm.dw).map(Math.abs)) > 1e-3);
  });
}

test('Conv2DBackpropFilter chunks large batches and still matches the cpu backend', async () => {
  const shape: [number, number, number, number] = [5, 8, 8, 3];
  const fshape: [number, number, number, number] = [3, 3, 3, 4];
  const xv = rand(shape, 5);
  const dyv = rand([5, 8, 8, 4], 6);
  const run = async () => {
    const r = tf.conv2dTranspose; // keep tf referenced
    void r;
    const x = tf.tensor4d(xv, shape);
    const dy = tf.tensor4d(dyv, [5, 8, 8, 4]);
    const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), dy)))(tf.zeros(fshape));
    const v = await dw.data();
    tf.dispose([x, dy, dw]);
    return v;
  };
  _internal.setMaxPatchFloats(8 * 8 * 27 * 2); // 2 images per chunk -> 3 chunks
  let wasm: Float32Array | Int32Array | Uint8Array;
  try {
    wasm = await run();
  } finally {
    _internal.setMaxPatchFloats(8 * 1024 * 1024);
  }
  const cpu = await onBackend('cpu', run);
  assert.ok(maxAbsDiff(wasm, cpu) < 1e-4);
});

test('training a conv layer on wasm reduces the loss (no missing kernels)', async () => {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [16, 16, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const xs = tf.tensor4d(rand([8, 16, 16, 3], 3), [8, 16, 16, 3]);
  const ys = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), 2);
  const opt = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(ys, model.apply(xs) as tf.Tensor) as tf.Scalar, true)!;
    losses.push((await l.data())[0]!);
    l.dispose();
  }
  assert.ok(losses.at(-1)! < losses[0]! * 0.5, `loss ${losses[0]} -> ${losses.at(-1)}`);
  tf.dispose([xs, ys]);
  model.dispose();
  opt.dispose();
});

const poolCases: { x: number[]; size: number; stride: number; pad: 'same' | 'valid'; noTies?: boolean }[] = [
  { x: [3, 8, 8, 5], size: 2, stride: 2, pad: 'valid' },
  { x: [2, 7, 9, 3], size: 2, stride: 2, pad: 'valid' }, // odd sizes: the last row/column is dropped
  { x: [2, 7, 9, 3], size: 2, stride: 2, pad: 'same' }, // odd sizes: a window hangs over the edge
  { x: [2, 9, 9, 4], size: 3, stride: 3, pad: 'same' },
  // overlapping windows: the wasm kernel's own path (which breaks ties among positive values differently)
  { x: [2, 8, 8, 3], size: 3, stride: 2, pad: 'same', noTies: true },
];

for (const [i, c] of poolCases.entries()) {
  test(`max-pool gradient matches the cpu backend, ties included (case ${i}: x ${c.x} ${c.size}/${c.stride} ${c.pad})`, async () => {
    // relu makes many exact ties (zeros) and quantising makes ties among positive values too
    const xv = rand(c.x, 71 + i).map((v) => (c.noTies ? v : Math.round(v * 6) / 6));
    const run = async () => {
      const x = tf.tensor4d(xv, c.x as [number, number, number, number]);
      const pool = (a: tf.Tensor) => tf.maxPool(tf.relu(a as tf.Tensor4D), c.size, c.stride, c.pad);
      const y = pool(x);
      const dy = tf.tensor(rand(y.shape, 83 + i), y.shape);
      const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pool(a), dy)))(x);
      const v = await dx.data();
      tf.dispose([x, y, dy, dx]);
      return v;
    };
    const wasm = await run();
    const cpu = await onBackend('cpu', run);
    assert.ok(maxAbsDiff(wasm, cpu) < 1e-6, `dX differs by ${maxAbsDiff(wasm, cpu)}`);
    assert.ok(Math.max(...Array.from(wasm).map(Math.abs)) > 1e-3);
  });
}
