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
 * A detector (osprey-centernet) exports its network; the letterbox and the decoding of its raw grid (peaks, boxes,
 * NMS) are written as metadata and done by predict.mjs (export-example.ts), as src/ml/detection/ does them.
 * Errors: ExportError for model kinds that cannot be exported (today every kind Osprey trains can).
 */
import { initBackend, tf } from './backend.js';
import { loadNetwork } from './predict.js';
import { deserializeModel, isDetector } from './model-format.js';
import { buildDetectorNetwork, outputStride } from './detection/network.js';
import { MAX_CANDIDATES, MIN_CANDIDATE_SCORE, NMS_IOU } from './detection/decode.js';
import { PREDICT_MJS } from './export-example.js';

export interface ExportedFile { path: string; bytes: Buffer }

export class ExportError extends Error {
  override readonly name = 'ExportError';
}

/** Metadata written as osprey-model.json. */
export interface ExportedMetadata {
  format: 'osprey-tfjs-export';
  formatVersion: 1;
  projectVersionArn: string;
  modelType: 'classification' | 'object-detection';
  labels: string[];
  /** 0..1 per label, in `labels` order: DetectCustomLabels keeps a label without MinConfidence when confidence ≥ it. */
  assumedThresholds: number[];
  multiLabel: boolean;
  output: 'softmax' | 'sigmoid';
  inputSize: number;
  preprocessing: {
    decode: string;
    /** Classifiers: stretched to inputSize². Detectors: letterboxed (see letterbox). */
    resize: { width: number; height: number; fit: 'fill'; kernel: 'linear' } | { letterbox: true; longerSide: number; anchor: 'top-left'; fill: [number, number, number]; kernel: 'linear' };
    scale: number;
    standardize: null | { over: 'height,width per channel'; epsilon: number };
  };
  /** Detectors only: how the raw [1, g, g, L+4] output becomes boxes (src/ml/detection/decode.ts). */
  postprocessing?: {
    outputStride: number; grid: number; heatmap: 'sigmoid of channels 0..L-1, a peak is the maximum of its 3x3 neighbourhood';
    box: 'channels L, L+1: centre offset in the cell; L+2, L+3: log(width, height in cells), capped at 8';
    minCandidateScore: number; maxCandidates: number; nmsIou: number;
  };
}

/** Convert an Osprey model file to the export files. */
export async function exportTfjsModel(modelBytes: Buffer, projectVersionArn: string): Promise<ExportedFile[]> {
  await initBackend();
  const m = deserializeModel(modelBytes);
  const arch = m.architecture;
  let net: tf.LayersModel;
  if (isDetector(arch)) {
    // From scratch: the stored network; on a pretrained backbone: the backbone's layers and the stored head, one graph.
    const built = await buildDetectorNetwork(arch, m.inputSize, m.labels.length, 1);
    built.stored.setWeights(m.weights.map((w) => tf.tensor(w.values, w.shape, 'float32')));
    net = built.net;
  } else if (arch.name === 'osprey-cnn' || arch.name === 'mobilenet-v2-transfer') {
    // The same network the server runs (for a transfer model: the pretrained backbone and the stored head, as one graph).
    net = await loadNetwork({ ...m, architecture: arch });
  } else {
    throw new ExportError(`models of architecture ${(arch as { name: string }).name} cannot be exported yet`);
  }
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
    modelType: isDetector(arch) ? 'object-detection' : 'classification',
    labels: m.labels,
    assumedThresholds: m.assumedThresholds,
    multiLabel: m.multiLabel,
    output: m.multiLabel || isDetector(arch) ? 'sigmoid' : 'softmax',
    inputSize: m.inputSize,
    preprocessing: {
      decode: 'JPEG or PNG; alpha dropped; converted to sRGB (grey becomes three equal channels)',
      resize: isDetector(arch)
        ? { letterbox: true, longerSide: m.inputSize, anchor: 'top-left', fill: [128, 128, 128], kernel: 'linear' }
        : { width: m.inputSize, height: m.inputSize, fit: 'fill', kernel: 'linear' },
      scale: 1 / 255,
      standardize: arch.inputNorm === 'standardize' ? { over: 'height,width per channel', epsilon: 1e-3 } : null,
    },
    ...(isDetector(arch) ? {
      postprocessing: {
        outputStride: outputStride(arch), grid: m.inputSize / outputStride(arch),
        heatmap: 'sigmoid of channels 0..L-1, a peak is the maximum of its 3x3 neighbourhood' as const,
        box: 'channels L, L+1: centre offset in the cell; L+2, L+3: log(width, height in cells), capped at 8' as const,
        minCandidateScore: MIN_CANDIDATE_SCORE, maxCandidates: MAX_CANDIDATES, nmsIou: NMS_IOU,
      },
    } : {}),
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

prints \`{"CustomLabels":[{"Name":…,"Confidence":…}]}\` (detectors: with \`Geometry\`) as Osprey's DetectCustomLabels does
for this model.
`;
}
