/** Loading a model Buffer and running inference (works on the main thread and inside worker_threads Workers). */
import { initBackend, tf } from './backend.js';
import { buildNetwork, forward } from './network.js';
import { deserializeModel, isDetector, ModelFormatError, type Architecture, type ModelContents, type TransferArchitecture } from './model-format.js';
import { imageToInput } from './image.js';
import { toCustomLabels } from './labels.js';

export interface Predictor {
  labels: string[];
  inputSize: number;
  multiLabel: boolean;
  /** 0..1 per label. */
  assumedThresholds: number[];
  /** Confidences 0..1 per label for one preprocessed image (imageToInput(bytes, inputSize)). */
  predict(image: Float32Array): Float32Array;
  /** Decode a JPEG/PNG and predict. Throws ImageError for bad images. */
  classify(bytes: Buffer): Promise<Float32Array>;
  /** DetectCustomLabels semantics (spec §6.5). */
  detect(bytes: Buffer, opts?: { minConfidence?: number; maxResults?: number }): Promise<{ Name: string; Confidence: number }[]>;
  dispose(): void;
}

/** A classifier's contents; a detector's model is loaded with loadDetector (src/ml/detection/predict.ts). */
function classifier(m: ModelContents): ModelContents & { architecture: Architecture | TransferArchitecture } {
  if (isDetector(m.architecture)) throw new ModelFormatError('the model is an object detector, not a classifier');
  return m as ModelContents & { architecture: Architecture | TransferArchitecture };
}

export async function loadPredictor(modelBytes: Buffer): Promise<Predictor> {
  await initBackend();
  const m = classifier(deserializeModel(modelBytes));
  const net = await loadNetwork(m);
  const size = m.inputSize;
  const pix = size * size * 3;
  let disposed = false;
  const predict = (image: Float32Array): Float32Array => {
    if (disposed) throw new Error('predictor disposed');
    if (image.length !== pix) throw new Error(`image has ${image.length} values, expected ${pix}`);
    return tf.tidy(() => forward(net, tf.tensor4d(image, [1, size, size, 3]), m.architecture, false).dataSync() as Float32Array).slice();
  };
  const classify = async (bytes: Buffer) => predict(await imageToInput(bytes, size));
  return {
    labels: [...m.labels],
    inputSize: size,
    multiLabel: m.multiLabel,
    assumedThresholds: [...m.assumedThresholds],
    predict,
    classify,
    async detect(bytes, opts = {}) {
      const conf = await classify(bytes);
      return toCustomLabels(conf, m.labels, m.assumedThresholds, opts);
    },
    dispose() {
      if (!disposed) {
        disposed = true;
        net.dispose();
      }
    },
  };
}

export { toCustomLabels } from './labels.js';

/**
 * The tfjs network of a stored model with its weights set: the Osprey CNN, or a pretrained backbone plus the stored
 * head (pretrained/transfer.ts). Throws when the stored weights do not fit the architecture.
 */
export async function loadNetwork(m: ModelContents & { architecture: Architecture | TransferArchitecture }): Promise<tf.LayersModel> {
  let net: tf.LayersModel;
  let stored: tf.LayerVariable[];
  if (m.architecture.name === 'mobilenet-v2-transfer') {
    const { buildTransferNetwork } = await import('./pretrained/transfer.js');
    const t = await buildTransferNetwork(m.inputSize, m.labels.length, m.multiLabel, m.architecture.variant);
    net = t.net;
    stored = t.headWeights;
  } else {
    net = buildNetwork(m.architecture, m.inputSize, m.labels.length, m.multiLabel, 1);
    stored = net.weights;
  }
  if (stored.length !== m.weights.length || m.weights.some((w, i) => w.shape.join('x') !== stored[i]!.shape.join('x'))) {
    net.dispose();
    throw new Error('model weights do not match its architecture');
  }
  tf.tidy(() => stored.forEach((v, i) => v.write(tf.tensor(m.weights[i]!.values, m.weights[i]!.shape, 'float32'))));
  return net;
}

/** Batched inference with a built network (used by training and evaluation). */
export async function predictBatchWith(
  net: tf.LayersModel,
  arch: Pick<Architecture, 'inputNorm'>,
  images: Float32Array[],
  inputSize: number,
  batchSize = 128,
): Promise<Float32Array[]> {
  const pix = inputSize * inputSize * 3;
  const out: Float32Array[] = [];
  const buf = new Float32Array(batchSize * pix);
  for (let s = 0; s < images.length; s += batchSize) {
    const chunk = images.slice(s, s + batchSize);
    chunk.forEach((im, j) => buf.set(im, j * pix));
    const y = tf.tidy(() => forward(net, tf.tensor4d(buf.subarray(0, chunk.length * pix), [chunk.length, inputSize, inputSize, 3]), arch, false));
    const vals = (await y.data()) as Float32Array;
    const L = y.shape[1]!;
    y.dispose();
    for (let j = 0; j < chunk.length; j++) out.push(vals.slice(j * L, (j + 1) * L));
  }
  return out;
}

/** Batched inference from a model Buffer (evaluation of a test set). */
export async function predictBatch(modelBytes: Buffer, images: Float32Array[], batchSize = 128): Promise<Float32Array[]> {
  await initBackend();
  const m = classifier(deserializeModel(modelBytes));
  const net = await loadNetwork(m);
  try {
    return await predictBatchWith(net, m.architecture, images, m.inputSize, batchSize);
  } finally {
    net.dispose();
  }
}
