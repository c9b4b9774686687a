/**
 * Training the detector (network.ts) on letterboxed images with our own seeded loop, as trainClassifier does for
 * classifiers: Adam, seeded shuffling and initialisation (same seed and data → the same model bytes), random
 * mirroring inside the scaled region, a cosine learning-rate decay, an AbortSignal checked between batches, progress
 * per epoch, and assumed thresholds chosen on the validation set (else the training set).
 */
import { initBackend, tf } from '../backend.js';
import { serializeModel, type DetectorArchitecture } from '../model-format.js';
import { mulberry32, shuffleInPlace } from '../rng.js';
import { weightNames } from '../network.js';
import { TrainingError, type Progress } from '../train.js';
import { evaluateDetection } from './evaluate.js';
import { extractFeatures } from '../pretrained/mobilenet-v2.js';
import {
  BACKBONE_CHANNELS, BACKBONE_DETECTOR, BACKBONE_DETECTOR_INPUT, buildDetector, buildDetectorHead, DEFAULT_DETECTOR, DEFAULT_DETECTOR_INPUT,
  forwardDetector, loadDetectorBackbone, outputStride,
} from './network.js';
import { detectRaw } from './predict.js';
import { allocTargets, detectionLoss, resetTargets, writeTargets, type DetectionExample } from './targets.js';

export const DEFAULT_DETECTOR_EPOCHS = 20;
export const DEFAULT_DETECTOR_BATCH = 16;
export const DEFAULT_DETECTOR_LR = 0.002;
/** Defaults of the detector on the pretrained backbone (bench/detection.ts, docs/detection.md). */
export const BACKBONE_DETECTOR_DEFAULTS = { epochs: 30, learningRate: 0.002 };

export interface DetectorTrainInput {
  examples: DetectionExample[];
  labelNames: string[];
  inputSize?: number;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  architecture?: Partial<Omit<DetectorArchitecture, 'name'>>;
  /** Held-out images: the assumed thresholds are chosen on them (else on the training set). */
  validation?: { examples: DetectionExample[] };
  /** Random mirroring (default on: objects rarely depend on left/right). */
  augmentFlip?: boolean;
  /**
   * 'mobilenet-v2': the head trains on the pretrained MobileNetV2's stride-16 grid (network.ts, BACKBONE_DETECTOR;
   * input 224 px by default), computed once per image (and once per mirrored image when flips are on).
   * Default 'none': the whole network trains from scratch.
   */
  backbone?: 'none' | 'mobilenet-v2';
}

export interface DetectorTrainResult {
  model: Buffer;
  epochs: number;
  history: Progress[];
  trainingTimeMs: number;
  imagesPerSecond: number;
  labels: string[];
  inputSize: number;
  assumedThresholds: number[];
}

function abortError(): Error {
  const e = new Error('training aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Trains a detector. `Progress.accuracy` is the share of object centres whose heatmap cell scores at least 0.5 in
 * the batch (a training-time recall), since a detector has no per-image accuracy.
 * @throws TrainingError for inconsistent input (no labels, no examples, wrong image sizes, bad label indices)
 */
export async function trainDetector(input: DetectorTrainInput, onProgress?: (p: Progress) => void, signal?: AbortSignal): Promise<DetectorTrainResult> {
  await initBackend();
  const t0 = performance.now();
  const labels = input.labelNames, L = labels.length;
  const onBackbone = input.backbone === 'mobilenet-v2';
  const arch: DetectorArchitecture = { ...(onBackbone ? BACKBONE_DETECTOR : DEFAULT_DETECTOR), ...input.architecture, name: 'osprey-centernet' };
  const size = input.inputSize ?? (onBackbone ? BACKBONE_DETECTOR_INPUT : DEFAULT_DETECTOR_INPUT);
  const stride = outputStride(arch);
  if (size % stride !== 0) throw new TrainingError(`inputSize ${size} must be a multiple of the detector's output stride ${stride}`);
  const grid = size / stride;
  const epochs = input.epochs ?? (onBackbone ? BACKBONE_DETECTOR_DEFAULTS.epochs : DEFAULT_DETECTOR_EPOCHS);
  const batchSize = input.batchSize ?? DEFAULT_DETECTOR_BATCH;
  const seed = input.seed ?? 1;
  const examples = input.examples;
  const flip = input.augmentFlip ?? true;
  if (L < 1) throw new TrainingError('at least one label is required');
  if (examples.length === 0) throw new TrainingError('no training examples');
  const pix = size * size * 3;
  for (const [i, e] of [...examples, ...(input.validation?.examples ?? [])].entries()) {
    if (e.image.length !== pix) throw new TrainingError(`example ${i}: image has ${e.image.length} values, expected ${pix}`);
    for (const b of e.boxes) if (!Number.isInteger(b.label) || b.label < 0 || b.label >= L) throw new TrainingError(`example ${i}: bad label ${b.label}`);
  }

  // What the trained network reads: the letterboxed images (from scratch) or the backbone's grids of them.
  const inputs = onBackbone ? await backboneInputs(arch, size, examples, input.validation?.examples ?? [], flip, signal) : undefined;
  const inShape: [number, number, number] = onBackbone ? [grid, grid, BACKBONE_CHANNELS[arch.backbone!.cut]] : [size, size, 3];
  const inPix = inShape[0] * inShape[1] * inShape[2];
  const model = onBackbone ? buildDetectorHead(arch, grid, L, seed) : buildDetector(arch, size, L, seed);
  const baseLr = input.learningRate ?? (onBackbone ? BACKBONE_DETECTOR_DEFAULTS.learningRate : DEFAULT_DETECTOR_LR);
  const optimizer = tf.train.adam(baseLr);
  const totalSteps = epochs * Math.ceil(examples.length / batchSize);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rand = mulberry32(seed ^ 0x5eed);
  const order = examples.map((_, i) => i);
  const history: Progress[] = [];
  const xBuf = new Float32Array(batchSize * inPix);
  const targets = allocTargets(batchSize, grid, L);
  const cells = grid * grid;
  let step = 0, imagesSeen = 0;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, rand);
      let lossSum = 0, seen = 0, centres = 0, found = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        if (signal?.aborted) throw abortError();
        (optimizer as unknown as { learningRate: number }).learningRate = baseLr * 0.5 * (1 + Math.cos((Math.PI * step++) / totalSteps));
        const idx = order.slice(start, start + batchSize);
        const b = idx.length;
        resetTargets(targets);
        idx.forEach((n, j) => {
          const e = examples[n]!;
          const mirror = flip && rand() < 0.5;
          if (inputs) xBuf.set(mirror ? inputs.mirrored![n]! : inputs.train[n]!, j * inPix);
          else if (mirror) mirrorInto(e.image, xBuf, j * pix, size, e.lb.scaledWidth);
          else xBuf.set(e.image, j * pix);
          writeTargets(targets, j, e, grid, stride, L, mirror);
        });
        const xs = tf.tensor4d(xBuf.subarray(0, b * inPix), [b, ...inShape]);
        const t = {
          heat: tf.tensor4d(targets.heat.subarray(0, b * cells * L), [b, grid, grid, L]),
          pos: tf.tensor4d(targets.pos.subarray(0, b * cells * L), [b, grid, grid, L]),
          reg: tf.tensor4d(targets.reg.subarray(0, b * cells * 4), [b, grid, grid, 4]),
          regMask: tf.tensor4d(targets.regMask.subarray(0, b * cells), [b, grid, grid, 1]),
        };
        let kept: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = forwardDetector(model, xs, arch, true);
          kept = tf.keep(out);
          return detectionLoss(out, t, targets.objects);
        }, vars);
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        tf.dispose(grads);
        const outVals = (await (kept as unknown as tf.Tensor).data()) as Float32Array;
        lossSum += (await value.data())[0]! * b;
        tf.dispose([kept as unknown as tf.Tensor, value, xs, t.heat, t.pos, t.reg, t.regMask]);
        for (let k = 0; k < b * cells * L; k++) {
          if (!targets.pos[k]) continue;
          centres++;
          const cell = Math.floor(k / L), l = k % L;
          if (outVals[cell * (L + 4) + l]! >= 0) found++; // sigmoid >= 0.5
        }
        seen += b;
        imagesSeen += b;
        await new Promise<void>((r) => setImmediate(r));
      }
      const p: Progress = { epoch, epochs, loss: lossSum / seen, accuracy: centres ? found / centres : 0, elapsedMs: performance.now() - t0 };
      history.push(p);
      onProgress?.(p);
    }
    if (signal?.aborted) throw abortError();
    const useVal = !!input.validation?.examples.length;
    const threshSet = useVal ? input.validation!.examples : examples.slice(0, 2000);
    const threshInputs = inputs ? (useVal ? inputs.validation : inputs.train.slice(0, 2000)) : threshSet.map((e) => e.image);
    const preds = await detectRaw(model, arch, inShape, grid, L, threshInputs, threshSet.map((e) => e.lb));
    const ev = evaluateDetection({ labels, groundTruth: threshSet.map((e) => e.boxes), predictions: preds });
    const names = weightNames(model);
    const weights = model.getWeights().map((w, i) => ({ name: names[i]!, shape: w.shape, values: w.dataSync() as Float32Array }));
    const buf = serializeModel({ architecture: arch, inputSize: size, labels, assumedThresholds: ev.assumedThresholds, multiLabel: false, weights });
    const trainingTimeMs = performance.now() - t0;
    return { model: buf, epochs, history, trainingTimeMs, imagesPerSecond: imagesSeen / (trainingTimeMs / 1000), labels, inputSize: size, assumedThresholds: ev.assumedThresholds };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * The backbone's grids of the training images (of their mirrored copies too when flips are on) and of the
 * validation images: the frozen backbone runs once per image, and the head trains on these.
 */
async function backboneInputs(arch: DetectorArchitecture, size: number, train: DetectionExample[], validation: DetectionExample[], flip: boolean, signal?: AbortSignal) {
  const net = await loadDetectorBackbone(arch, size);
  const pix = size * size * 3;
  const run = async (ex: DetectionExample[], mirror: boolean) => {
    const out: Float32Array[] = [];
    for (let s = 0; s < ex.length; s += 64) {
      if (signal?.aborted) throw abortError();
      const chunk = ex.slice(s, s + 64);
      const images = mirror ? chunk.map((e) => { const m = new Float32Array(pix); mirrorInto(e.image, m, 0, size, e.lb.scaledWidth); return m; }) : chunk.map((e) => e.image);
      out.push(...await extractFeatures(net, images, size, false));
    }
    return out;
  };
  try {
    return { train: await run(train, false), mirrored: flip ? await run(train, true) : undefined, validation: await run(validation, false) };
  } finally {
    net.dispose();
  }
}

/** Mirrors the scaled region [0, scaledWidth) of each row; the padding on the right stays where it is. */
function mirrorInto(src: Float32Array, dst: Float32Array, off: number, size: number, scaledWidth: number): void {
  dst.set(src, off);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < scaledWidth; c++) {
      const s = (r * size + c) * 3, d = off + (r * size + (scaledWidth - 1 - c)) * 3;
      dst[d] = src[s]!; dst[d + 1] = src[s + 1]!; dst[d + 2] = src[s + 2]!;
    }
  }
}
