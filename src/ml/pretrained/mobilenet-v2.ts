/**
 * A pretrained MobileNetV2 backbone, loaded from the `nsfwjs` npm package (pinned 4.3.0, MIT, Infinite Red): its
 * `dist/models/mobilenet_v2` is a Keras MobileNetV2 (α = 1.0, 224×224 px input, ImageNet-initialised and fine-tuned
 * by nsfwjs on ~60k photographs) stored as a tfjs layers model with uint8-quantised weights. The weights ship inside
 * the tarball; nothing is downloaded at run time. We use only the convolutional part (the nsfwjs classifier head is
 * dropped) as a feature extractor.
 *
 * Input: RGB floats in [0,1], HWC (what imageToInput returns; nsfwjs itself divides bytes by 255), any square size
 * (the network is fully convolutional up to the cut; 224 px is what it was trained at).
 *
 * Cuts (Keras layer names):
 *  - `block_16_project_BN`: [s/32, s/32, 320], the last inverted-residual block; the fine-tuned variant trains the
 *    1×1 `Conv_1` (320 → 1280, batch norm folded in) and the head on top of it.
 *  - `out_relu`: [s/32, s/32, 1280], the backbone's final features; global-average-pooled to 1280 numbers for the
 *    frozen variant.
 *  - `block_13_expand_relu` ([s/16, s/16, 576]) and `block_12_add` ([s/16, s/16, 96]): stride-16 grids for the
 *    detector's head (src/ml/detection/backbone.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { initBackend, tf } from '../backend.js';

/**
 * Where the weights come from. nsfwjs 4.4.0 declares `engines: node 22.13.0`; 4.3.0 declares none (runs on Node 20)
 * and ships byte-identical model files (the SHA-256 below are those of both versions' files), so 4.3.0 is pinned.
 * Model files name this backbone `nsfwjs@4.4.0/mobilenet_v2` (the identifier of these exact weights since the first
 * transfer models); loading checks the hashes, so a package with other weights can never serve such a model.
 */
export const MOBILENET_V2_SOURCE = {
  package: 'nsfwjs', version: '4.3.0', license: 'MIT', model: 'dist/models/mobilenet_v2',
  sha256: {
    'model.min.js': 'c32f104fd562b08cdff5ed69dfe1209643afa47e792fb12751d2949aa61a397a',
    'group1-shard1of1.min.js': 'ef2e0a63f7d2c4960b37b024b669313f65d3c45cd59e9042636c55b39de53517',
  } as Record<string, string>,
} as const;
export const MOBILENET_V2_INPUT_SIZE = 224;
export type MobileNetCut = 'block_16_project_BN' | 'out_relu' | 'block_13_expand_relu' | 'block_12_add';

interface KerasJson { modelTopology: unknown; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] }

let artifacts: tf.io.ModelArtifacts | undefined;

/** The model's JSON and weights from the installed package (cached per thread). */
function loadArtifacts(): tf.io.ModelArtifacts {
  if (artifacts) return artifacts;
  const require = createRequire(import.meta.url);
  // The package's `exports` hide dist/models; resolve its entry point and walk to the model folder.
  const dir = path.join(path.dirname(require.resolve('nsfwjs')), '..', 'models', 'mobilenet_v2');
  for (const [file, want] of Object.entries(MOBILENET_V2_SOURCE.sha256)) {
    const got = createHash('sha256').update(readFileSync(path.join(dir, file))).digest('hex');
    if (got !== want) throw new Error(`nsfwjs ${file} has SHA-256 ${got}, not the pinned MobileNetV2's ${want}`);
  }
  const json = require(path.join(dir, 'model.min.js')) as KerasJson;
  const group = json.weightsManifest[0]!;
  const bytes = group.paths.map((p) => Buffer.from(require(path.join(dir, `${p}.min.js`)) as string, 'base64'));
  const all = Buffer.concat(bytes);
  artifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: group.weights,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
  return artifacts;
}

/** The backbone up to `cut`, for inputs of inputSize × inputSize × 3 (frozen: no layer is trainable). */
export async function loadMobileNetV2(cut: MobileNetCut, inputSize = MOBILENET_V2_INPUT_SIZE): Promise<tf.LayersModel> {
  await initBackend();
  const a = loadArtifacts();
  type Layer = { name: string; config: { batch_input_shape?: unknown[] } };
  const topo = structuredClone(a.modelTopology) as { model_config: { config: { layers: Layer[]; output_layers: unknown[] } } };
  const cfg = topo.model_config.config;
  // Keep the layers up to the cut (the dropped classifier head only fits 224 px) and make the cut the output.
  const end = cfg.layers.findIndex((l) => l.name === cut);
  cfg.layers = cfg.layers.slice(0, end + 1);
  cfg.output_layers = [[cut, 0, 0]];
  const input = cfg.layers.find((l) => l.name === 'input_1');
  if (input) input.config.batch_input_shape = [null, inputSize, inputSize, 3];
  const sub = await tf.models.modelFromJSON({ modelTopology: topo } as unknown as tf.io.ModelJSON);
  const decoded = tf.io.decodeWeights(a.weightData!, a.weightSpecs!);
  for (const layer of sub.layers) {
    if (layer.weights.length) layer.setWeights(layer.weights.map((w) => decoded[w.originalName]!));
  }
  Object.values(decoded).forEach((t) => t.dispose());
  sub.trainable = false;
  return sub;
}

/**
 * The pretrained `Conv_1` 1×1 convolution with its batch norm folded in (inference form):
 * kernel [1,1,320,1280] × γ/√(σ²+ε), bias β − μ·γ/√(σ²+ε). Starting point of the fine-tuned variant.
 */
export function pretrainedConv1(): { kernel: Float32Array; bias: Float32Array; shape: [number, number, number, number] } {
  const a = loadArtifacts();
  const weights = tf.io.decodeWeights(a.weightData!, a.weightSpecs!);
  const k = weights['Conv_1/kernel']!.dataSync() as Float32Array;
  const [g, b, m, v] = ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((n) => weights[`Conv_1_bn/${n}`]!.dataSync() as Float32Array);
  Object.values(weights).forEach((t) => t.dispose());
  const out = g!.length, inC = k.length / out, eps = 1e-3;
  const kernel = new Float32Array(k.length);
  const bias = new Float32Array(out);
  for (let o = 0; o < out; o++) {
    const s = g![o]! / Math.sqrt(v![o]! + eps);
    bias[o] = b![o]! - m![o]! * s;
    for (let i = 0; i < inC; i++) kernel[i * out + o] = k[i * out + o]! * s;
  }
  return { kernel, bias, shape: [1, 1, inC, out] };
}

/** Run the backbone over images (each inputSize²×3 floats in [0,1]); returns one flat feature array per image. */
export async function extractFeatures(net: tf.LayersModel, images: Float32Array[], inputSize: number, pool: boolean, batchSize = 16): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const pix = inputSize * inputSize * 3;
  for (let s = 0; s < images.length; s += batchSize) {
    const chunk = images.slice(s, s + batchSize);
    const buf = new Float32Array(chunk.length * pix);
    chunk.forEach((im, j) => buf.set(im, j * pix));
    const y = tf.tidy(() => {
      const f = net.predict(tf.tensor4d(buf, [chunk.length, inputSize, inputSize, 3])) as tf.Tensor4D;
      return pool ? f.mean([1, 2]) : f.reshape([chunk.length, -1]);
    });
    const vals = (await y.data()) as Float32Array;
    const n = y.shape[1]!;
    y.dispose();
    for (let j = 0; j < chunk.length; j++) out.push(vals.slice(j * n, (j + 1) * n));
  }
  return out;
}
