/**
 * Model export (an Osprey extension; AWS never lets a Custom Labels model leave the service): turns a stored Osprey
 * model file (model-format.ts) into a standard TensorFlow.js layers model that plain `@tensorflow/tfjs` loads with
 * `tf.loadLayersModel`, plus the label map, the assumed thresholds, the preprocessing that feeds it and a short
 * runnable example. docs/export.md describes the files.
 *
 * Files (paths relative to the output folder):
 *   model.json          tfjs "layers-model" JSON: modelTopology + weightsManifest (one shard)
 *   weights.bin         float32 little-endian weights, in weightsManifest order
 *   osprey-model.json   labels, assumedThresholds (0..1), multiLabel, inputSize, preprocessing, source ARN
 *   predict.mjs         `node predict.mjs IMAGE [--min-confidence N] [--max-results N]`: DetectCustomLabels' answer
 *   README.md           how to run it
 *
 * The per-image input standardisation of the Osprey network (network.ts normaliseInput) is not a tfjs layer, so it is
 * written as a preprocessing step in osprey-model.json and done by predict.mjs, in the same order of operations.
 * A model on the pretrained backbone (mobilenet-v2-transfer) exports as one graph: the backbone's layers and weights
 * (from the nsfwjs package, MIT) followed by the trained head; it takes the [0,1] pixels without standardisation.
 * Errors: ExportError for model kinds that cannot be exported (today every stored classifier can).
 */
import { initBackend, tf } from './backend.js';
import { loadNetwork } from './predict.js';
import { deserializeModel } from './model-format.js';

export interface ExportedFile { path: string; bytes: Buffer }

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** Metadata written as osprey-model.json. */
export interface ExportedMetadata {
  format: 'osprey-tfjs-export';
  formatVersion: 1;
  projectVersionArn: string;
  modelType: 'classification';
  labels: string[];
  /** 0..1 per label, in `labels` order: DetectCustomLabels keeps a label without MinConfidence when confidence ≥ it. */
  assumedThresholds: number[];
  multiLabel: boolean;
  output: 'softmax' | 'sigmoid';
  inputSize: number;
  preprocessing: {
    decode: string;
    resize: { width: number; height: number; fit: 'fill'; kernel: 'linear' };
    scale: number;
    standardize: null | { over: 'height,width per channel'; epsilon: number };
  };
}

/** Convert an Osprey model file to the export files. */
export async function exportTfjsModel(modelBytes: Buffer, projectVersionArn: string): Promise<ExportedFile[]> {
  await initBackend();
  const m = deserializeModel(modelBytes);
  const arch = m.architecture;
  if (arch.name !== 'osprey-cnn' && arch.name !== 'mobilenet-v2-transfer') throw new ExportError(`models of architecture ${arch.name} cannot be exported yet`);
  // The same network the server runs (for a transfer model: the pretrained backbone and the stored head, as one graph).
  const net = await loadNetwork({ ...m, architecture: arch });
  let artifacts: tf.io.ModelArtifacts | undefined;
  try {
    await net.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
  } finally {
    net.dispose();
  }
  if (!artifacts?.weightSpecs || !artifacts.weightData) throw new ExportError('tfjs returned no weights');
  const weights = Buffer.from(tf.io.concatenateArrayBuffers(([] as ArrayBuffer[]).concat(artifacts.weightData as ArrayBuffer | ArrayBuffer[])));
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: 'Osprey ExportProjectVersion',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  const meta: ExportedMetadata = {
    format: 'osprey-tfjs-export',
    formatVersion: 1,
    projectVersionArn,
    modelType: 'classification',
    labels: m.labels,
    assumedThresholds: m.assumedThresholds,
    multiLabel: m.multiLabel,
    output: m.multiLabel ? 'sigmoid' : 'softmax',
    inputSize: m.inputSize,
    preprocessing: {
      decode: 'JPEG or PNG; alpha dropped; converted to sRGB (grey becomes three equal channels)',
      resize: { width: m.inputSize, height: m.inputSize, fit: 'fill', kernel: 'linear' },
      scale: 1 / 255,
      standardize: m.architecture.inputNorm === 'standardize' ? { over: 'height,width per channel', epsilon: 1e-3 } : null,
    },
  };
  return [
    { path: 'model.json', bytes: Buffer.from(JSON.stringify(modelJson)) },
    { path: 'weights.bin', bytes: weights },
    { path: 'osprey-model.json', bytes: Buffer.from(JSON.stringify(meta, null, 2) + '\n') },
    { path: 'predict.mjs', bytes: Buffer.from(PREDICT_MJS) },
    { path: 'README.md', bytes: Buffer.from(readme(meta)) },
  ];
}

function readme(meta: ExportedMetadata): string {
  return `# Exported Osprey model

Source: ${meta.projectVersionArn}
Labels: ${meta.labels.join(', ')}

A standard TensorFlow.js layers model (\`model.json\` + \`weights.bin\`); \`osprey-model.json\` holds the label map,
the assumed thresholds and the preprocessing the model expects.

    npm install @tensorflow/tfjs@4.22.0 sharp@0.35.5
    node predict.mjs photo.jpg [--min-confidence 50] [--max-results 3]

prints \`{"CustomLabels":[{"Name":…,"Confidence":…}]}\` as Osprey's DetectCustomLabels does for this model.
`;
}

/** The runnable example; plain tfjs + sharp, no Osprey code. Keep in step with image.ts and network.ts. */
const PREDICT_MJS = `// Runs the exported model as Osprey's DetectCustomLabels does: node predict.mjs IMAGE [--min-confidence N] [--max-results N]
// Needs: npm install @tensorflow/tfjs@4.22.0 sharp@0.35.5
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';

const here = new URL('.', import.meta.url);
const meta = JSON.parse(readFileSync(new URL('osprey-model.json', here), 'utf8'));
const modelJson = JSON.parse(readFileSync(new URL('model.json', here), 'utf8'));

/** Load the model from disk with tfjs' in-memory IO handler (plain tfjs has no file:// loader in Node). */
export async function loadModel() {
  const w = readFileSync(new URL(modelJson.weightsManifest[0].paths[0], here));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: modelJson.weightsManifest[0].weights,
    weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength),
  }));
}

/** Decode, resize (stretch) and scale an image as osprey-model.json's preprocessing says: [1, size, size, 3]. */
export async function preprocess(bytes) {
  const p = meta.preprocessing;
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb')
    .resize(p.resize.width, p.resize.height, { fit: p.resize.fit, kernel: p.resize.kernel })
    .raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) x[i * 3 + c] = data[i * info.channels + (info.channels >= 3 ? c : 0)] * p.scale;
  }
  return tf.tidy(() => {
    const t = tf.tensor4d(x, [1, info.height, info.width, 3]);
    if (!p.standardize) return t;
    const { mean, variance } = tf.moments(t, [1, 2], true);
    return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, p.standardize.epsilon)));
  });
}

/** Confidences 0..1 per label, in meta.labels order. */
export async function classify(model, bytes) {
  const x = await preprocess(bytes);
  const y = model.predict(x);
  const conf = await y.data();
  tf.dispose([x, y]);
  return Array.from(conf);
}

/** DetectCustomLabels filtering: each label's assumed threshold, or MinConfidence (0-100); highest first. */
export function customLabels(conf, { minConfidence, maxResults } = {}) {
  const out = [];
  meta.labels.forEach((name, l) => {
    const keep = minConfidence === undefined ? conf[l] >= meta.assumedThresholds[l] : conf[l] * 100 >= minConfidence;
    if (keep) out.push({ Name: name, Confidence: conf[l] * 100 });
  });
  out.sort((a, b) => b.Confidence - a.Confidence || (a.Name < b.Name ? -1 : 1));
  return maxResults === undefined ? out : out.slice(0, maxResults);
}

if (import.meta.url === new URL(process.argv[1], 'file://').href || process.argv[1]?.endsWith('predict.mjs')) {
  const args = process.argv.slice(2);
  const image = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
  if (!image) { console.error('usage: node predict.mjs IMAGE [--min-confidence N] [--max-results N]'); process.exit(2); }
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : undefined; };
  const model = await loadModel();
  const conf = await classify(model, readFileSync(image));
  console.log(JSON.stringify({ CustomLabels: customLabels(conf, { minConfidence: opt('--min-confidence'), maxResults: opt('--max-results') }) }));
}
`;
