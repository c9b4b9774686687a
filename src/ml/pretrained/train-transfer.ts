/**
 * Classification training on the pretrained MobileNetV2 (docs/ml.md, "Pretrained backbone"): the backbone runs once
 * per image (to the block_16 grid), then the head (transfer.ts) is trained on those features. Same inputs, outputs,
 * progress reports, abort and threshold choice as trainClassifier (../train.ts), which calls this when
 * `backbone: 'mobilenet-v2'` is asked for. Images must be inputSize × inputSize (224 px by default).
 *
 * Defaults, chosen on the real-photo benchmark (bench/real-photos.ts, docs/ml.md): the fine-tuned variant (it beat the
 * frozen one at 10, 25 and 50 images per label), 15 epochs of Adam at lr 0.0003; frozen: 60 epochs at lr 0.003;
 * batch 16.
 */
import { initBackend } from '../backend.js';
import { evaluateClassification } from '../evaluate.js';
import { serializeModel, type TransferArchitecture } from '../model-format.js';
import type { Example, Progress, TrainInput, TrainResult } from '../train.js';
import { TrainingError } from '../train.js';
import { extractFeatures, loadMobileNetV2, MOBILENET_V2_INPUT_SIZE } from './mobilenet-v2.js';
import { buildTransferHead, fitTransferHead, predictTransferHead, type TransferVariant } from './transfer.js';

export const TRANSFER_DEFAULTS = {
  variant: 'fine-tuned' as TransferVariant, frozenEpochs: 60, fineTuneEpochs: 15, learningRate: 3e-3, fineTuneLearningRate: 3e-4, batchSize: 16,
};

export async function trainTransferClassifier(
  input: TrainInput & { transferVariant?: TransferVariant },
  onProgress?: (p: Progress) => void,
  signal?: AbortSignal,
): Promise<TrainResult> {
  await initBackend();
  const t0 = performance.now();
  const labels = input.labelNames;
  const L = labels.length;
  const inputSize = input.inputSize ?? MOBILENET_V2_INPUT_SIZE;
  const variant = input.transferVariant ?? TRANSFER_DEFAULTS.variant;
  const epochs = input.epochs ?? (variant === 'fine-tuned' ? TRANSFER_DEFAULTS.fineTuneEpochs : TRANSFER_DEFAULTS.frozenEpochs);
  const seed = input.seed ?? 1;
  if (L < 1) throw new TrainingError('at least one label is required');
  if (input.examples.length === 0) throw new TrainingError('no training examples');
  if (inputSize < 32) throw new TrainingError('the pretrained backbone needs inputSize >= 32');
  const pix = inputSize * inputSize * 3;
  const check = (ex: Example[], what: string) => ex.forEach((e, i) => {
    if (e.image.length !== pix) throw new TrainingError(`${what} example ${i}: image has ${e.image.length} values, expected ${pix}`);
    for (const l of e.labels) if (!Number.isInteger(l) || l < 0 || l >= L) throw new TrainingError(`${what} example ${i}: bad label ${l}`);
  });
  check(input.examples, 'training');
  if (input.validation) check(input.validation.examples, 'validation');
  const multiLabel = input.multiLabel ?? input.examples.some((e) => e.labels.length !== 1);
  if (!multiLabel && L < 2) throw new TrainingError('single-label classification needs at least two labels');

  const backbone = await loadMobileNetV2('block_16_project_BN', inputSize);
  const grid = backbone.outputs[0]!.shape[1]!;
  let features: Float32Array[];
  let valFeatures: Float32Array[] | undefined;
  try {
    features = await extractFeatures(backbone, input.examples.map((e) => e.image), inputSize, false);
    if (signal?.aborted) throw abort();
    if (input.validation?.examples.length) valFeatures = await extractFeatures(backbone, input.validation.examples.map((e) => e.image), inputSize, false);
  } finally {
    backbone.dispose();
  }
  const head = buildTransferHead(grid, L, multiLabel, variant, seed);
  try {
    const history: Progress[] = [];
    const ft = variant === 'fine-tuned';
    const losses = await fitTransferHead(head, variant, features, input.examples.map((e) => e.labels), L, multiLabel, {
      epochs, batchSize: input.batchSize ?? TRANSFER_DEFAULTS.batchSize, seed, signal,
      learningRate: input.learningRate ?? (ft ? TRANSFER_DEFAULTS.fineTuneLearningRate : TRANSFER_DEFAULTS.learningRate),
      onEpoch: (epoch, loss, accuracy) => {
        const p: Progress = { epoch, epochs, loss, accuracy, elapsedMs: performance.now() - t0 };
        history.push(p);
        onProgress?.(p);
      },
    });
    if (signal?.aborted) throw abort();
    const threshSet = valFeatures ? { f: valFeatures, ex: input.validation!.examples } : { f: features, ex: input.examples };
    const conf = await predictTransferHead(head, threshSet.f);
    const ev = evaluateClassification({ labels, groundTruth: threshSet.ex.map((e) => e.labels), confidences: conf, multiLabel });
    const architecture: TransferArchitecture = { name: 'mobilenet-v2-transfer', backbone: 'nsfwjs@4.4.0/mobilenet_v2', cut: 'block_16_project_BN', variant, inputNorm: 'none' };
    const weights = head.layers.flatMap((l, i) => l.getWeights().map((w, j) => ({ name: `head:${i}:${l.getClassName()}:${j === 0 ? 'kernel' : 'bias'}`, shape: w.shape, values: w.dataSync() as Float32Array })));
    const model = serializeModel({ architecture, inputSize, labels, assumedThresholds: ev.assumedThresholds, multiLabel, weights });
    const trainingTimeMs = performance.now() - t0;
    return {
      model, epochs: losses.length, history, trainingTimeMs, imagesPerSecond: (features.length * epochs) / (trainingTimeMs / 1000),
      labels, multiLabel, inputSize, assumedThresholds: ev.assumedThresholds,
    };
  } finally {
    head.dispose();
  }
}

function abort(): Error {
  const e = new Error('training aborted');
  e.name = 'AbortError';
  return e;
}
