/**
 * Loading a detector model and running it: letterbox, forward, decode (heatmap peaks, boxes mapped back to the image,
 * per-label NMS). Works on the main thread and inside the inference units' worker threads.
 */
import { initBackend, tf } from '../backend.js';
import { deserializeModel, isDetector, ModelFormatError, type DetectorArchitecture } from '../model-format.js';
import { decodeDetections, type Detection } from './decode.js';
import { letterbox } from './letterbox.js';
import { buildDetectorNetwork, forwardDetector, outputStride } from './network.js';
import type { DetectionExample } from './targets.js';

export interface Detector {
  labels: string[];
  inputSize: number;
  /** 0..1 per label. */
  assumedThresholds: number[];
  /** Every candidate (confidence >= MIN_CANDIDATE_SCORE) after NMS, most confident first. */
  detectInput(image: Float32Array, lb: { scaledWidth: number; scaledHeight: number }): Detection[];
  /** Decode a JPEG/PNG (any aspect ratio) and detect. Throws ImageError for bad images. */
  detect(bytes: Buffer): Promise<Detection[]>;
  dispose(): void;
}

export async function loadDetector(modelBytes: Buffer): Promise<Detector> {
  await initBackend();
  const m = deserializeModel(modelBytes);
  if (!isDetector(m.architecture)) throw new ModelFormatError('the model is a classifier, not an object detector');
  const arch = m.architecture;
  const { net, stored } = await buildDetectorNetwork(arch, m.inputSize, m.labels.length, 1);
  const shapes = stored.getWeights().map((w) => w.shape.join('x'));
  if (shapes.length !== m.weights.length || m.weights.some((w, i) => w.shape.join('x') !== shapes[i])) {
    net.dispose();
    throw new ModelFormatError('model weights do not match its architecture');
  }
  stored.setWeights(m.weights.map((w) => tf.tensor(w.values, w.shape, 'float32')));
  const size = m.inputSize, L = m.labels.length, stride = outputStride(arch), grid = size / stride;
  let disposed = false;
  const detectInput = (image: Float32Array, lb: { scaledWidth: number; scaledHeight: number }) => {
    if (disposed) throw new Error('detector disposed');
    if (image.length !== size * size * 3) throw new Error(`image has ${image.length} values, expected ${size * size * 3}`);
    const raw = tf.tidy(() => forwardDetector(net, tf.tensor4d(image, [1, size, size, 3]), arch, false).dataSync() as Float32Array);
    return decodeDetections(raw, grid, L, stride, lb);
  };
  return {
    labels: [...m.labels], inputSize: size, assumedThresholds: [...m.assumedThresholds],
    detectInput,
    async detect(bytes) { const lb = await letterbox(bytes, size); return detectInput(lb.input, lb); },
    dispose() { if (!disposed) { disposed = true; net.dispose(); } },
  };
}

/** Batched detection with a built network (training's thresholds, evaluation). */
export async function detectWith(net: tf.LayersModel, arch: DetectorArchitecture, size: number, L: number, examples: Pick<DetectionExample, 'image' | 'lb'>[], batchSize = 32): Promise<Detection[][]> {
  return detectRaw(net, arch, [size, size, 3], size / outputStride(arch), L, examples.map((e) => e.image), examples.map((e) => e.lb), batchSize);
}

/**
 * Batched detection of any network input (images, or a backbone's cached grids for a head: `shape` is one input's
 * shape) whose output is the g × g × (L + 4) grid; `lbs` place each input's image in the letterboxed input.
 */
export async function detectRaw(
  net: tf.LayersModel, arch: DetectorArchitecture, shape: [number, number, number], grid: number, L: number,
  inputs: Float32Array[], lbs: { scaledWidth: number; scaledHeight: number }[], batchSize = 32,
): Promise<Detection[][]> {
  const pix = shape[0] * shape[1] * shape[2], stride = outputStride(arch), per = grid * grid * (L + 4);
  const buf = new Float32Array(batchSize * pix);
  const out: Detection[][] = [];
  for (let s = 0; s < inputs.length; s += batchSize) {
    const chunk = inputs.slice(s, s + batchSize);
    chunk.forEach((x, j) => buf.set(x, j * pix));
    const y = tf.tidy(() => forwardDetector(net, tf.tensor4d(buf.subarray(0, chunk.length * pix), [chunk.length, ...shape]), arch, false));
    const vals = (await y.data()) as Float32Array;
    y.dispose();
    chunk.forEach((_, j) => out.push(decodeDetections(vals.subarray(j * per, (j + 1) * per), grid, L, stride, lbs[s + j]!)));
  }
  return out;
}

/** Batched detection from a model Buffer (evaluation of a test set). */
export async function detectBatch(modelBytes: Buffer, examples: Pick<DetectionExample, 'image' | 'lb'>[]): Promise<Detection[][]> {
  await initBackend();
  const m = deserializeModel(modelBytes);
  if (!isDetector(m.architecture)) throw new ModelFormatError('the model is a classifier, not an object detector');
  const { net, stored } = await buildDetectorNetwork(m.architecture, m.inputSize, m.labels.length, 1);
  try {
    stored.setWeights(m.weights.map((w) => tf.tensor(w.values, w.shape, 'float32')));
    return await detectWith(net, m.architecture, m.inputSize, m.labels.length, examples);
  } finally {
    net.dispose();
  }
}
