/** Training a small CNN classifier on the wasm backend, with our own seeded training loop. */
import { initBackend, tf } from './backend.js';
import { buildNetwork, DEFAULT_ARCHITECTURE, forward, LARGE_DATA_ARCHITECTURE, LARGE_TRAINING_SET, weightNames } from './network.js';
import { serializeModel, type Architecture } from './model-format.js';
import { evaluateClassification } from './evaluate.js';
import { mulberry32, shuffleInPlace } from './rng.js';
import { predictBatchWith } from './predict.js';

export const DEFAULT_INPUT_SIZE = 32;
export const DEFAULT_EPOCHS = 20;
export const DEFAULT_BATCH_SIZE = 16;
export const DEFAULT_LEARNING_RATE = 0.003;

export interface Example {
  /** RGB floats in [0,1], HWC, inputSize*inputSize*3 values (see imageToInput). */
  image: Float32Array;
  /** Label indices into labelNames; several = multi-label. */
  labels: number[];
}

export interface TrainInput {
  examples: Example[];
  labelNames: string[];
  inputSize?: number;
  epochs?: number;
  seed?: number;
  batchSize?: number;
  learningRate?: number;
  /** Force multi-label (sigmoid) or single-label (softmax); default: multi-label iff some example has != 1 label. */
  multiLabel?: boolean;
  architecture?: Partial<Omit<Architecture, 'name'>>;
  /** Held-out examples: reported per epoch and used to choose the assumed thresholds (else the training set is). */
  validation?: { examples: Example[] };
  /** Random horizontal flips during training (off by default). */
  augmentFlip?: boolean;
  /**
   * Learning rate over the run: 'cosine' decays it from `learningRate` to 0 along a half cosine over all training
   * steps; 'constant' keeps it. Default: 'cosine' for large training sets (>= LARGE_TRAINING_SET), else 'constant'.
   */
  lrSchedule?: 'cosine' | 'constant';
  /**
   * 'mobilenet-v2': train a head on the pretrained MobileNetV2 of the nsfwjs package instead of the CNN from scratch
   * (pretrained/train-transfer.ts; images then default to 224 px). Default 'none'.
   */
  backbone?: 'none' | 'mobilenet-v2';
  /** With a backbone: 'fine-tuned' (default; its last 1×1 convolution trains too) or 'frozen' (only the dense layer). */
  transferVariant?: 'frozen' | 'fine-tuned';
}

/** At most this many examples are predicted to choose the assumed thresholds when there is no validation set. */
export const MAX_THRESHOLD_EXAMPLES = 5000;

export interface Progress {
  epoch: number;
  epochs: number;
  loss: number;
  /** Training accuracy: arg-max hit rate (single-label) or per-label binary accuracy at 0.5 (multi-label). */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  elapsedMs: number;
}

export interface TrainResult {
  model: Buffer;
  epochs: number;
  history: Progress[];
  trainingTimeMs: number;
  imagesPerSecond: number;
  labels: string[];
  multiLabel: boolean;
  inputSize: number;
  assumedThresholds: number[];
}

export class TrainingError extends Error {
  override readonly name = 'TrainingError';
}

function abortError(): Error {
  const e = new Error('training aborted');
  e.name = 'AbortError';
  return e;
}

export async function trainClassifier(
  input: TrainInput,
  onProgress?: (p: Progress) => void,
  signal?: AbortSignal,
): Promise<TrainResult> {
  if (input.backbone === 'mobilenet-v2') {
    const { trainTransferClassifier } = await import('./pretrained/train-transfer.js');
    return trainTransferClassifier(input, onProgress, signal);
  }
  await initBackend();
  const t0 = performance.now();
  const labels = input.labelNames;
  const L = labels.length;
  const inputSize = input.inputSize ?? DEFAULT_INPUT_SIZE;
  const epochs = input.epochs ?? DEFAULT_EPOCHS;
  const seed = input.seed ?? 1;
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const examples = input.examples;
  if (L < 1) throw new TrainingError('at least one label is required');
  if (examples.length === 0) throw new TrainingError('no training examples');
  const pix = inputSize * inputSize * 3;
  const checkExamples = (ex: Example[], what: string) => {
    for (const [i, e] of ex.entries()) {
      if (e.image.length !== pix) throw new TrainingError(`${what} example ${i}: image has ${e.image.length} values, expected ${pix}`);
      for (const l of e.labels) if (!Number.isInteger(l) || l < 0 || l >= L) throw new TrainingError(`${what} example ${i}: bad label ${l}`);
    }
  };
  checkExamples(examples, 'training');
  if (input.validation) checkExamples(input.validation.examples, 'validation');
  const multiLabel = input.multiLabel ?? examples.some((e) => e.labels.length !== 1);
  if (!multiLabel && L < 2) throw new TrainingError('single-label classification needs at least two labels');
  // Unset choices follow the size of the training set (network.ts explains the two architectures).
  const large = examples.length >= LARGE_TRAINING_SET;
  const arch: Architecture = { ...(large ? LARGE_DATA_ARCHITECTURE : DEFAULT_ARCHITECTURE), ...input.architecture, name: 'osprey-cnn' };

  const model = buildNetwork(arch, inputSize, L, multiLabel, seed);
  const baseLr = input.learningRate ?? DEFAULT_LEARNING_RATE;
  const optimizer = tf.train.adam(baseLr);
  const cosine = (input.lrSchedule ?? (large ? 'cosine' : 'constant')) === 'cosine';
  const totalSteps = epochs * Math.ceil(examples.length / batchSize);
  let step = 0;
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rand = mulberry32(seed ^ 0x5eed);
  const order = examples.map((_, i) => i);
  const history: Progress[] = [];
  let imagesSeen = 0;
  const xBuf = new Float32Array(batchSize * pix);
  const yBuf = new Float32Array(batchSize * L);

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, rand);
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        if (signal?.aborted) throw abortError();
        if (cosine) (optimizer as unknown as { learningRate: number }).learningRate = baseLr * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps));
        step++;
        const idx = order.slice(start, start + batchSize);
        const b = idx.length;
        yBuf.fill(0, 0, b * L);
        for (let j = 0; j < b; j++) {
          const e = examples[idx[j]!]!;
          if (input.augmentFlip && rand() < 0.5) flipInto(e.image, xBuf, j * pix, inputSize);
          else xBuf.set(e.image, j * pix);
          for (const l of e.labels) yBuf[j * L + l] = 1;
        }
        const xs = tf.tensor4d(xBuf.subarray(0, b * pix), [b, inputSize, inputSize, 3]);
        const ys = tf.tensor2d(yBuf.subarray(0, b * L), [b, L]);
        let kept: tf.Tensor | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const out = forward(model, xs, arch, true);
          kept = tf.keep(out); // predictions for the running accuracy, without a second forward pass
          return multiLabel ? binaryCrossEntropy(ys, out) : categoricalCrossEntropy(ys, out);
        }, vars);
        optimizer.applyGradients(grads as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
        tf.dispose(grads);
        const outVals = (await (kept as unknown as tf.Tensor).data()) as Float32Array;
        const lossV = (await value.data())[0]!;
        tf.dispose([kept as unknown as tf.Tensor, value, xs, ys]);
        lossSum += lossV * b;
        accSum += batchAccuracy(outVals, yBuf, b, L, multiLabel);
        seen += b;
        imagesSeen += b;
        await new Promise<void>((r) => setImmediate(r));
      }
      const p: Progress = {
        epoch,
        epochs,
        loss: lossSum / seen,
        accuracy: accSum / seen,
        elapsedMs: performance.now() - t0,
      };
      if (input.validation && input.validation.examples.length) {
        const v = await validate(model, arch, input.validation.examples, inputSize, L, multiLabel);
        p.valLoss = v.loss;
        p.valAccuracy = v.accuracy;
      }
      history.push(p);
      onProgress?.(p);
    }
    if (signal?.aborted) throw abortError();
    // thresholds: best F1 per label on validation data, else on (an evenly spaced sample of) the training data
    const threshSet = input.validation?.examples.length ? input.validation.examples : evenSample(examples, MAX_THRESHOLD_EXAMPLES);
    const conf = await predictBatchWith(model, arch, threshSet.map((e) => e.image), inputSize);
    const ev = evaluateClassification({ labels, groundTruth: threshSet.map((e) => e.labels), confidences: conf, multiLabel });
    const names = weightNames(model);
    const weights = model.getWeights().map((w, i) => ({ name: names[i]!, shape: w.shape, values: w.dataSync() as Float32Array }));
    const buf = serializeModel({ architecture: arch, inputSize, labels, assumedThresholds: ev.assumedThresholds, multiLabel, weights });
    const trainingTimeMs = performance.now() - t0;
    return {
      model: buf,
      epochs,
      history,
      trainingTimeMs,
      imagesPerSecond: imagesSeen / (trainingTimeMs / 1000),
      labels,
      multiLabel,
      inputSize,
      assumedThresholds: ev.assumedThresholds,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function evenSample<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]!);
}

function categoricalCrossEntropy(ys: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(tf.clipByValue(probs, 1e-7, 1))), -1))) as tf.Scalar);
}

function binaryCrossEntropy(ys: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(probs, 1e-7, 1 - 1e-7);
    return tf.neg(tf.mean(tf.add(tf.mul(ys, tf.log(p)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, p)))))) as tf.Scalar;
  });
}

function batchAccuracy(out: Float32Array, y: Float32Array, b: number, L: number, multiLabel: boolean): number {
  let acc = 0;
  for (let j = 0; j < b; j++) {
    if (multiLabel) {
      let ok = 0;
      for (let l = 0; l < L; l++) if ((out[j * L + l]! >= 0.5 ? 1 : 0) === y[j * L + l]) ok++;
      acc += ok / L;
    } else {
      let best = 0;
      for (let l = 1; l < L; l++) if (out[j * L + l]! > out[j * L + best]!) best = l;
      if (y[j * L + best] === 1) acc++;
    }
  }
  return acc;
}

async function validate(model: tf.LayersModel, arch: Architecture, ex: Example[], inputSize: number, L: number, multiLabel: boolean) {
  const conf = await predictBatchWith(model, arch, ex.map((e) => e.image), inputSize);
  let loss = 0;
  let acc = 0;
  const y = new Float32Array(L);
  for (let i = 0; i < ex.length; i++) {
    y.fill(0);
    for (const l of ex[i]!.labels) y[l] = 1;
    const c = conf[i]!;
    for (let l = 0; l < L; l++) {
      const p = Math.min(1 - 1e-7, Math.max(1e-7, c[l]!));
      if (multiLabel) loss -= (y[l]! * Math.log(p) + (1 - y[l]!) * Math.log(1 - p)) / L;
      else if (y[l]) loss -= Math.log(p);
    }
    acc += batchAccuracy(c, y, 1, L, multiLabel);
  }
  return { loss: loss / ex.length, accuracy: acc / ex.length };
}

function flipInto(src: Float32Array, dst: Float32Array, off: number, size: number): void {
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const s = (r * size + c) * 3;
      const d = off + (r * size + (size - 1 - c)) * 3;
      dst[d] = src[s]!;
      dst[d + 1] = src[s + 1]!;
      dst[d + 2] = src[s + 2]!;
    }
  }
}

/** A model with freshly initialised (untrained) weights; for tests and tooling. */
export async function createUntrainedModel(opts: {
  labelNames: string[];
  inputSize?: number;
  multiLabel?: boolean;
  seed?: number;
  architecture?: Partial<Omit<Architecture, 'name'>>;
  assumedThresholds?: number[];
}): Promise<Buffer> {
  await initBackend();
  const arch: Architecture = { ...DEFAULT_ARCHITECTURE, ...opts.architecture, name: 'osprey-cnn' };
  const inputSize = opts.inputSize ?? DEFAULT_INPUT_SIZE;
  const multiLabel = opts.multiLabel ?? false;
  const model = buildNetwork(arch, inputSize, opts.labelNames.length, multiLabel, opts.seed ?? 1);
  try {
    const names = weightNames(model);
    const weights = model.getWeights().map((w, i) => ({ name: names[i]!, shape: w.shape, values: w.dataSync() as Float32Array }));
    return serializeModel({
      architecture: arch,
      inputSize,
      labels: opts.labelNames,
      assumedThresholds: opts.assumedThresholds ?? opts.labelNames.map(() => 0.5),
      multiLabel,
      weights,
    });
  } finally {
    model.dispose();
  }
}
