/**
 * tfjs initialisation for Osprey's training and inference.
 *
 * We run on `@tensorflow/tfjs-backend-wasm` (XNNPACK). `@tensorflow/tfjs-node` cannot be installed here, and the
 * stock `cpu` backend is ~30x slower. The wasm backend lacks the kernels that training a CNN needs, so this module
 * registers our own implementations for it:
 *
 *  - `Conv2DBackpropFilter` (the weight gradient of a 2-D convolution): the input is unfolded into a patch matrix
 *    (im2col) in JavaScript and the gradient is then one matrix product `patches^T x dy`, computed by the wasm
 *    backend's own `BatchMatMul` kernel, so the heavy arithmetic still runs in XNNPACK.
 *  - `Conv2DBackpropInput` (replaced): wasm has one, but it is a slow direct loop; for stride-1 undilated NHWC
 *    convolutions we compute it as a forward `Conv2D` of `dy` with the flipped, transposed filter (XNNPACK, ~10x
 *    faster) and fall back to the original kernel otherwise.
 *
 * `initBackend()` is idempotent and per thread (each `worker_threads` Worker has its own tfjs engine and calls it
 * again).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo, KernelConfig } from '@tensorflow/tfjs';

export { tf };

type WasmBackendLike = {
  readSync(dataId: object): Float32Array | Int32Array | Uint8Array;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
  disposeData(dataId: object, force?: boolean): boolean;
};

/** Upper bound on the number of floats in one patch matrix; larger batches are processed in chunks. */
let maxPatchFloats = 8 * 1024 * 1024;

/**
 * Transposed im2col for images [b0, b1) of `x` (NHWC): a [K, N] matrix where
 * row k = (kh * kW + kw) * inC + ci and column n = ((b - b0) * outH + oh) * outW + ow.
 * Positions that fall in the padding stay 0.
 */
function im2colT(
  x: Float32Array,
  b0: number,
  b1: number,
  inH: number,
  inW: number,
  inC: number,
  kH: number,
  kW: number,
  outH: number,
  outW: number,
  strideH: number,
  strideW: number,
  dilH: number,
  dilW: number,
  padTop: number,
  padLeft: number,
): Float32Array {
  const N = (b1 - b0) * outH * outW;
  const out = new Float32Array(kH * kW * inC * N);
  const rowStride = inW * inC;
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const offW = kw * dilW - padLeft;
      // valid ow: 0 <= ow*strideW + offW < inW
      const owLo = Math.max(0, Math.ceil(-offW / strideW));
      const owHi = Math.min(outW - 1, Math.floor((inW - 1 - offW) / strideW));
      for (let ci = 0; ci < inC; ci++) {
        const k = (kh * kW + kw) * inC + ci;
        let n = k * N;
        for (let b = b0; b < b1; b++) {
          const xb = b * inH * rowStride + ci;
          for (let oh = 0; oh < outH; oh++, n += outW) {
            const ih = oh * strideH + kh * dilH - padTop;
            if (ih < 0 || ih >= inH) continue;
            const base = xb + ih * rowStride;
            for (let ow = owLo; ow <= owHi; ow++) {
              out[n + ow] = x[base + (ow * strideW + offW) * inC]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Conv2DBackpropFilter for the wasm backend: dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, ih, iw, ci] * dy[b,oh,ow,co]. */
function conv2DBackpropFilterWasm(args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}): TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmBackendLike;
  const x = inputs.x!;
  const dy = inputs.dy!;
  const a = (attrs ?? {}) as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  if (a.dataFormat && a.dataFormat !== 'NHWC') {
    throw new Error(`Osprey Conv2DBackpropFilter (wasm) supports NHWC only, got ${a.dataFormat}`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('Conv2DBackpropFilter expects float32');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    1,
    a.pad,
    a.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const { filterHeight: kH, filterWidth: kW, outHeight: outH, outWidth: outW, outChannels: outC } = info;
  if (dy.shape[1] !== outH || dy.shape[2] !== outW || dy.shape[3] !== outC) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match computed output ${[batch, outH, outW, outC]}`);
  }
  const K = kH * kW * inC;
  const xVals = backend.readSync(x.dataId) as Float32Array;
  const perImage = outH * outW * K;
  const chunk = Math.max(1, Math.min(batch, Math.floor(maxPatchFloats / Math.max(1, perImage))));
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('wasm BatchMatMul kernel not registered');
  const dyVals = chunk < batch ? (backend.readSync(dy.dataId) as Float32Array) : null;

  let acc: Float32Array | null = null;
  for (let b0 = 0; b0 < batch; b0 += chunk) {
    const b1 = Math.min(batch, b0 + chunk);
    const rows = (b1 - b0) * outH * outW;
    const patches = im2colT(
      xVals, b0, b1, inH, inW, inC, kH, kW, outH, outW,
      info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
      info.padInfo.top, info.padInfo.left,
    );
    const pId = backend.write(patches, [1, K, rows], 'float32');
    const pInfo: TensorInfo = { dataId: pId as TensorInfo['dataId'], shape: [1, K, rows], dtype: 'float32' };
    let dyInfo: TensorInfo;
    let dyOwned = false;
    if (dyVals) {
      const slice = dyVals.subarray(b0 * outH * outW * outC, b1 * outH * outW * outC);
      dyInfo = { dataId: backend.write(new Float32Array(slice), [1, rows, outC], 'float32') as TensorInfo['dataId'], shape: [1, rows, outC], dtype: 'float32' };
      dyOwned = true;
    } else {
      dyInfo = { dataId: dy.dataId, shape: [1, rows, outC], dtype: 'float32' };
    }
    const out = matMul.kernelFunc({
      inputs: { a: pInfo, b: dyInfo },
      backend: args.backend as never,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    backend.disposeData(pId);
    if (dyOwned) backend.disposeData(dyInfo.dataId);
    if (chunk >= batch) {
      out.shape = [...a.filterShape];
      return out;
    }
    const vals = backend.readSync(out.dataId) as Float32Array;
    if (!acc) acc = new Float32Array(vals);
    else for (let i = 0; i < acc.length; i++) acc[i]! += vals[i]!;
    backend.disposeData(out.dataId);
  }
  const dataId = backend.write(acc!, [...a.filterShape], 'float32');
  return { dataId: dataId as TensorInfo['dataId'], shape: [...a.filterShape], dtype: 'float32' };
}

/** The wasm backend's own Conv2DBackpropInput (a direct loop); kept as the fallback for strided/dilated cases. */
let originalBackpropInput: KernelConfig['kernelFunc'] | null = null;

/**
 * Conv2DBackpropInput for stride-1, undilated NHWC convolutions, computed as a forward convolution of `dy` with the
 * spatially flipped, in/out-transposed filter, which runs in XNNPACK's fast Conv2D. Other cases use the original.
 */
function conv2DBackpropInputWasm(args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}): TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmBackendLike;
  const dy = inputs.dy!;
  const filter = inputs.filter!;
  const a = (attrs ?? {}) as {
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const strides = typeof a.strides === 'number' ? [a.strides, a.strides] : a.strides;
  const conv2d = tf.getKernel('Conv2D', 'wasm');
  if ((a.dataFormat && a.dataFormat !== 'NHWC') || strides[0] !== 1 || strides[1] !== 1 || !conv2d || dy.dtype !== 'float32') {
    return (originalBackpropInput as (x: unknown) => TensorInfo)(args);
  }
  const [kH, kW, inC, outC] = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(a.inputShape, [kH, kW, inC, outC], 1, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const [, inH, inW] = a.inputShape;
  const { outHeight: outH, outWidth: outW } = info;
  const top = kH - 1 - info.padInfo.top;
  const left = kW - 1 - info.padInfo.left;
  const bottom = inH - outH - top + kH - 1;
  const right = inW - outW - left + kW - 1;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) {
    return (originalBackpropInput as (x: unknown) => TensorInfo)(args);
  }
  // W'[kh', kw', co, ci] = W[kH-1-kh', kW-1-kw', ci, co]
  const w = backend.readSync(filter.dataId) as Float32Array;
  const wt = new Float32Array(w.length);
  for (let kh = 0; kh < kH; kh++) {
    for (let kw = 0; kw < kW; kw++) {
      const src = ((kH - 1 - kh) * kW + (kW - 1 - kw)) * inC * outC;
      const dst = (kh * kW + kw) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0; co < outC; co++) wt[dst + co * inC + ci] = w[src + ci * outC + co]!;
      }
    }
  }
  const wtShape = [kH, kW, outC, inC];
  const wtInfo: TensorInfo = { dataId: backend.write(wt, wtShape, 'float32') as TensorInfo['dataId'], shape: wtShape, dtype: 'float32' };
  const out = conv2d.kernelFunc({
    inputs: { x: dy, filter: wtInfo },
    backend: args.backend as never,
    attrs: {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    } as never,
  }) as TensorInfo;
  backend.disposeData(wtInfo.dataId);
  return out;
}

/** The wasm backend's own MaxPoolGrad; kept as the fallback for overlapping windows. */
let originalMaxPoolGrad: KernelConfig['kernelFunc'] | null = null;

/**
 * MaxPoolGrad for non-overlapping windows (filter size = stride, e.g. the networks' 2x2/2 pooling): each output's
 * gradient goes to the first maximum of its window in row-major order, as the cpu backend does. One pass over the
 * input in JavaScript; the wasm kernel took ~7x longer on a [64, 28, 28, 16] input. Other cases use the original.
 */
function maxPoolGradWasm(args: {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}): TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmBackendLike;
  const dy = inputs.dy!;
  const x = inputs.input!;
  const a = (attrs ?? {}) as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW } = info;
  if (fH !== sH || fW !== sW || x.dtype !== 'float32' || dy.dtype !== 'float32') {
    return (originalMaxPoolGrad as (x: unknown) => TensorInfo)(args);
  }
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: oH, outWidth: oW } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const xv = backend.readSync(x.dataId) as Float32Array;
  const g = backend.readSync(dy.dataId) as Float32Array;
  const dx = new Float32Array(xv.length);
  if (fH === 2 && fW === 2 && padTop === 0 && padLeft === 0 && 2 * oH <= H && 2 * oW <= W) {
    // the common case, unrolled: windows [2oh, 2oh+1] x [2ow, 2ow+1], all inside the input
    const rowC = W * C;
    for (let b = 0; b < B; b++) {
      for (let oh = 0; oh < oH; oh++) {
        let gi = ((b * oH + oh) * oW) * C;
        for (let ow = 0; ow < oW; ow++) {
          const p00 = ((b * H + 2 * oh) * W + 2 * ow) * C;
          for (let ch = 0; ch < C; ch++, gi++) {
            const i0 = p00 + ch;
            let p = i0;
            let m = xv[i0]!;
            if (xv[i0 + C]! > m) { m = xv[i0 + C]!; p = i0 + C; }
            if (xv[i0 + rowC]! > m) { m = xv[i0 + rowC]!; p = i0 + rowC; }
            if (xv[i0 + rowC + C]! > m) p = i0 + rowC + C;
            dx[p]! += g[gi]!;
          }
        }
      }
    }
    const id = backend.write(dx, [...x.shape], 'float32');
    return { dataId: id as TensorInfo['dataId'], shape: [...x.shape], dtype: 'float32' };
  }
  const best = new Float32Array(C);
  const pos = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < oH; oh++) {
      const r0 = Math.max(0, oh * sH - padTop);
      const r1 = Math.min(H, oh * sH - padTop + fH);
      for (let ow = 0; ow < oW; ow++) {
        const c0 = Math.max(0, ow * sW - padLeft);
        const c1 = Math.min(W, ow * sW - padLeft + fW);
        best.fill(-Infinity);
        pos.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const base = ((b * H + r) * W + c) * C;
            for (let ch = 0; ch < C; ch++) {
              const v = xv[base + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                pos[ch] = base + ch;
              }
            }
          }
        }
        const gBase = ((b * oH + oh) * oW + ow) * C;
        for (let ch = 0; ch < C; ch++) if (pos[ch]! >= 0) dx[pos[ch]!]! += g[gBase + ch]!;
      }
    }
  }
  const dataId = backend.write(dx, [...x.shape], 'float32');
  return { dataId: dataId as TensorInfo['dataId'], shape: [...x.shape], dtype: 'float32' };
}

const extraKernels: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilterWasm as never },
];
/** Kernels the wasm backend has, which we replace by faster versions (falling back to the original). */
const replacedKernels: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInputWasm as never },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradWasm as never },
];

/** Names of the kernels Osprey registers for the wasm backend (documented in docs/ml.md). */
export const REGISTERED_KERNELS = extraKernels.map((k) => k.kernelName);
export const REPLACED_KERNELS = replacedKernels.map((k) => k.kernelName);

let ready: Promise<void> | null = null;

/** Initialise tfjs on the wasm backend (once per thread). Safe to call many times. */
export function initBackend(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      for (const k of extraKernels) {
        if (!tf.getKernel(k.kernelName, k.backendName)) tf.registerKernel(k);
      }
      for (const k of replacedKernels) {
        const existing = tf.getKernel(k.kernelName, k.backendName);
        if (existing && existing.kernelFunc !== k.kernelFunc) {
          if (k.kernelName === 'Conv2DBackpropInput') originalBackpropInput = existing.kernelFunc;
          if (k.kernelName === 'MaxPoolGrad') originalMaxPoolGrad = existing.kernelFunc;
          tf.unregisterKernel(k.kernelName, k.backendName);
          tf.registerKernel({ ...existing, kernelFunc: k.kernelFunc });
        }
      }
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('could not initialise the tfjs wasm backend');
      await tf.ready();
    })();
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

/** The im2col routine, exported for tests. */
export const _internal = {
  setMaxPatchFloats(n: number): void {
    maxPatchFloats = n;
  },
  im2colT, conv2DBackpropFilterWasm, conv2DBackpropInputWasm, maxPoolGradWasm };
