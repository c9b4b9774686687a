/**
 * Transfer-learning heads on top of the pretrained MobileNetV2 (mobilenet-v2.ts), trained on cached backbone
 * features so the expensive backbone runs once per image, not once per epoch.
 *
 *  - 'frozen':     input = block_16 features [g, g, 320] → pretrained Conv_1 (1×1, 1280, BN folded, NOT trained)
 *                  → ReLU6 → global average pool → dense softmax/sigmoid (trained).
 *  - 'fine-tuned': the same network with Conv_1 trained too (starting from the pretrained weights).
 *
 * Both share one network so a model file of either variant loads the same way.
 */
import { tf } from '../backend.js';
import { mulberry32, shuffleInPlace } from '../rng.js';
import { loadMobileNetV2, pretrainedConv1 } from './mobilenet-v2.js';

export type TransferVariant = 'frozen' | 'fine-tuned';
export const BACKBONE_CHANNELS = 320;

/** The head network for a g × g × 320 backbone grid. `init` = pretrained Conv_1 weights. */
export function buildTransferHead(grid: number, numLabels: number, multiLabel: boolean, variant: TransferVariant, seed = 1): tf.LayersModel {
  const conv1 = pretrainedConv1();
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [grid, grid, BACKBONE_CHANNELS], filters: conv1.shape[3], kernelSize: 1, useBias: true,
    trainable: variant === 'fine-tuned',
  }));
  model.add(tf.layers.reLU({ maxValue: 6 }));
  model.add(tf.layers.globalAveragePooling2d({}));
  model.add(tf.layers.dense({
    units: numLabels, activation: multiLabel ? 'sigmoid' : 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: seed * 1000 + 7 }), biasInitializer: 'zeros',
  }));
  model.layers[0]!.setWeights([tf.tensor4d(conv1.kernel, conv1.shape), tf.tensor1d(conv1.bias)]);
  return model;
}

export interface HeadTrainOptions {
  epochs: number; batchSize: number; learningRate: number; seed: number; signal?: AbortSignal;
  /** Called after each epoch with its mean training loss and accuracy (as trainClassifier reports them). */
  onEpoch?: (epoch: number, loss: number, accuracy: number) => void;
}

/** Train the head on features (each g·g·320 floats) with Adam and a seeded shuffle; mutates `model`. */
export async function trainTransferHead(
  model: tf.LayersModel, features: Float32Array[], labels: number[][], numLabels: number, multiLabel: boolean, o: HeadTrainOptions,
): Promise<{ loss: number; accuracy: number }[]> {
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const F = shape.reduce((a, b) => a * b, 1);
  const optimizer = tf.train.adam(o.learningRate);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const rand = mulberry32(o.seed ^ 0x7a11);
  const order = features.map((_, i) => i);
  const history: { loss: number; accuracy: number }[] = [];
  const xBuf = new Float32Array(o.batchSize * F);
  const yBuf = new Float32Array(o.batchSize * numLabels);
  try {
    for (let e = 0; e < o.epochs; e++) {
      shuffleInPlace(order, rand);
      let lossSum = 0;
      let accSum = 0;
      for (let s = 0; s < order.length; s += o.batchSize) {
        if (o.signal?.aborted) { const err = new Error('training aborted'); err.name = 'AbortError'; throw err; }
        const idx = order.slice(s, s + o.batchSize);
        const b = idx.length;
        yBuf.fill(0, 0, b * numLabels);
        idx.forEach((i, j) => { xBuf.set(features[i]!, j * F); for (const l of labels[i]!) yBuf[j * numLabels + l] = 1; });
        const xs = tf.tensor(xBuf.subarray(0, b * F), [b, ...shape]);
        const ys = tf.tensor2d(yBuf.subarray(0, b * numLabels), [b, numLabels]);
        let kept: tf.Tensor | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const p = tf.clipByValue(model.apply(xs, { training: true }) as tf.Tensor, 1e-7, 1 - 1e-7);
          kept = tf.keep(p);
          return (multiLabel
            ? tf.neg(tf.mean(tf.add(tf.mul(ys, tf.log(p)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, p))))))
            : tf.neg(tf.mean(tf.sum(tf.mul(ys, tf.log(p)), -1)))) as tf.Scalar;
        }, vars);
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        lossSum += (await value.data())[0]! * b;
        accSum += accuracy((await kept!.data()) as Float32Array, yBuf, b, numLabels, multiLabel);
        tf.dispose([value, xs, ys, kept!, ...Object.values(grads)]);
        await new Promise<void>((r) => setImmediate(r));
      }
      history.push({ loss: lossSum / order.length, accuracy: accSum / order.length });
      o.onEpoch?.(e + 1, lossSum / order.length, accSum / order.length);
    }
  } finally {
    optimizer.dispose();
  }
  return history;
}

/** Predict with the head on cached features; one confidence array per example. */
export async function predictTransferHead(model: tf.LayersModel, features: Float32Array[], batchSize = 64): Promise<Float32Array[]> {
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const F = shape.reduce((a, b) => a * b, 1);
  const out: Float32Array[] = [];
  for (let s = 0; s < features.length; s += batchSize) {
    const chunk = features.slice(s, s + batchSize);
    const buf = new Float32Array(chunk.length * F);
    chunk.forEach((f, j) => buf.set(f, j * F));
    const y = tf.tidy(() => model.predict(tf.tensor(buf, [chunk.length, ...shape])) as tf.Tensor);
    const v = (await y.data()) as Float32Array;
    const L = y.shape[1]!;
    y.dispose();
    for (let j = 0; j < chunk.length; j++) out.push(v.slice(j * L, (j + 1) * L));
  }
  return out;
}

/**
 * Train `head` (built by buildTransferHead) for its variant. For 'frozen' only the dense layer learns, so the frozen
 * Conv_1 + pooling run once per image and the dense layer is trained on the pooled 1280 numbers (same result as
 * training the whole head with Conv_1 frozen, a fraction of the cost).
 */
export async function fitTransferHead(
  head: tf.LayersModel, variant: TransferVariant, features: Float32Array[], labels: number[][], numLabels: number,
  multiLabel: boolean, o: HeadTrainOptions,
): Promise<{ loss: number; accuracy: number }[]> {
  if (variant === 'fine-tuned') return trainTransferHead(head, features, labels, numLabels, multiLabel, o);
  const body = tf.model({ inputs: head.inputs, outputs: head.layers[2]!.output as tf.SymbolicTensor });
  const pooled = await predictTransferHead(body, features);
  const cls = tf.sequential();
  cls.add(tf.layers.inputLayer({ inputShape: [pooled[0]!.length] }));
  cls.add(head.layers[3]!);
  return trainTransferHead(cls, pooled, labels, numLabels, multiLabel, o);
}

/**
 * The whole network of a transfer model: backbone (to `block_16_project_BN`) → head, as ONE flat tfjs graph (so it
 * saves as a standard layers model). `headWeights` are the variables a model file stores, in order.
 */
export async function buildTransferNetwork(inputSize: number, numLabels: number, multiLabel: boolean, variant: TransferVariant, seed = 1) {
  const backbone = await loadMobileNetV2('block_16_project_BN', inputSize);
  const grid = backbone.outputs[0]!.shape[1]!;
  const head = buildTransferHead(grid, numLabels, multiLabel, variant, seed);
  let x = backbone.outputs[0]!;
  for (const layer of head.layers) x = layer.apply(x) as tf.SymbolicTensor;
  const net = tf.model({ inputs: backbone.inputs, outputs: x });
  return { net, grid, head, headWeights: head.layers.flatMap((l) => l.weights) };
}

/** Arg-max hit rate (single-label) or per-label binary accuracy at 0.5 (multi-label), summed over the batch. */
function accuracy(p: Float32Array, y: Float32Array, b: number, L: number, multiLabel: boolean): number {
  let acc = 0;
  for (let j = 0; j < b; j++) {
    if (multiLabel) {
      let ok = 0;
      for (let l = 0; l < L; l++) if ((p[j * L + l]! >= 0.5 ? 1 : 0) === y[j * L + l]) ok++;
      acc += ok / L;
    } else {
      let best = 0;
      for (let l = 1; l < L; l++) if (p[j * L + l]! > p[j * L + best]!) best = l;
      if (y[j * L + best] === 1) acc++;
    }
  }
  return acc;
}
