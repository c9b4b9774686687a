/**
 * The runnable example written beside an exported model (export.ts): plain @tensorflow/tfjs + sharp, no Osprey code.
 * It must give the answers Osprey's DetectCustomLabels gives, so it mirrors, step for step: image.ts (stretch resize),
 * detection/letterbox.ts (letterbox), network.ts normaliseInput, labels.ts (classification filter), detection/decode.ts
 * (heatmap peaks, boxes, NMS) and detection/labels.ts (Geometry). test/export/ checks both model kinds against them.
 */
export const PREDICT_MJS = `// Runs the exported model as Osprey's DetectCustomLabels does: node predict.mjs IMAGE [--min-confidence N] [--max-results N]
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

/**
 * Decode and resize an image as osprey-model.json's preprocessing says: a [1, size, size, 3] tensor, and for a
 * detector the size of the scaled image inside the letterboxed input.
 */
export async function preprocess(bytes) {
  const p = meta.preprocessing;
  const size = meta.inputSize;
  let img = sharp(bytes).removeAlpha().toColourspace('srgb');
  let scaled = { scaledWidth: size, scaledHeight: size };
  if (p.resize.letterbox) {
    const { width, height } = await sharp(bytes).metadata();
    const s = size / Math.max(width, height);
    scaled = { scaledWidth: Math.max(1, Math.min(size, Math.round(width * s))), scaledHeight: Math.max(1, Math.min(size, Math.round(height * s))) };
    const [r, g, b] = p.resize.fill;
    img = img.resize(scaled.scaledWidth, scaled.scaledHeight, { fit: 'fill', kernel: p.resize.kernel })
      .extend({ top: 0, left: 0, right: size - scaled.scaledWidth, bottom: size - scaled.scaledHeight, background: { r, g, b } });
  } else {
    img = img.resize(p.resize.width, p.resize.height, { fit: p.resize.fit, kernel: p.resize.kernel });
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const x = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) x[i * 3 + c] = data[i * info.channels + (info.channels >= 3 ? c : 0)] * p.scale;
  }
  const input = tf.tidy(() => {
    const t = tf.tensor4d(x, [1, info.height, info.width, 3]);
    if (!p.standardize) return t;
    const { mean, variance } = tf.moments(t, [1, 2], true);
    return tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, p.standardize.epsilon)));
  });
  return { input, scaled };
}

/** The model's raw output for one image (classifier: confidences 0..1 per label; detector: the g × g × (L+4) grid). */
export async function run(model, bytes) {
  const { input, scaled } = await preprocess(bytes);
  const y = model.predict(input);
  const out = Array.from(await y.data());
  tf.dispose([input, y]);
  return { out, scaled };
}

/** Confidences 0..1 per label, in meta.labels order (classifiers). */
export async function classify(model, bytes) {
  return (await run(model, bytes)).out;
}

/** DetectCustomLabels filtering for classifiers: each label's assumed threshold, or MinConfidence (0-100); highest first. */
export function customLabels(conf, { minConfidence, maxResults } = {}) {
  const out = [];
  meta.labels.forEach((name, l) => {
    const keep = minConfidence === undefined ? conf[l] >= meta.assumedThresholds[l] : conf[l] * 100 >= minConfidence;
    if (keep) out.push({ Name: name, Confidence: conf[l] * 100 });
  });
  out.sort((a, b) => b.Confidence - a.Confidence || (a.Name < b.Name ? -1 : 1));
  return maxResults === undefined ? out : out.slice(0, maxResults);
}

const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const clip01 = (v) => Math.min(1, Math.max(0, v));
function iou(a, b) {
  const ix = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const iy = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const inter = ix * iy, union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Detectors: heatmap peaks → boxes as ratios of the image → per-label NMS; [{label, confidence 0..1, box}]. */
export function detections(raw, scaled) {
  const q = meta.postprocessing, L = meta.labels.length, C = L + 4, grid = q.grid, stride = q.outputStride;
  const cands = [];
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      const cell = y * grid + x;
      if (x * stride >= scaled.scaledWidth || y * stride >= scaled.scaledHeight) continue;
      for (let l = 0; l < L; l++) {
        const v = raw[cell * C + l];
        if (sigmoid(v) < q.minCandidateScore) continue;
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if ((dx || dy) && yy >= 0 && yy < grid && xx >= 0 && xx < grid && raw[(yy * grid + xx) * C + l] > v) { peak = false; break; }
          }
        }
        if (peak) cands.push({ cell, label: l, score: sigmoid(v) });
      }
    }
  }
  cands.sort((a, b) => b.score - a.score || a.cell - b.cell || a.label - b.label);
  const dets = cands.slice(0, q.maxCandidates).map(({ cell, label, score }) => {
    const o = cell * C + L;
    const cx = ((cell % grid) + raw[o]) * stride, cy = (Math.floor(cell / grid) + raw[o + 1]) * stride;
    const w = Math.exp(Math.min(raw[o + 2], 8)) * stride, h = Math.exp(Math.min(raw[o + 3], 8)) * stride;
    const x0 = clip01((cx - w / 2) / scaled.scaledWidth), y0 = clip01((cy - h / 2) / scaled.scaledHeight);
    const x1 = clip01((cx + w / 2) / scaled.scaledWidth), y1 = clip01((cy + h / 2) / scaled.scaledHeight);
    return { label, confidence: score, box: { left: x0, top: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) } };
  }).filter((d) => d.box.width > 0 && d.box.height > 0);
  const kept = [];
  for (const d of dets) if (!kept.some((k) => k.label === d.label && iou(k.box, d.box) > q.nmsIou)) kept.push(d);
  return kept;
}

/** DetectCustomLabels for detectors: one entry per instance with Geometry (BoundingBox and Polygon). */
export function detectedLabels(dets, { minConfidence, maxResults } = {}) {
  const out = [];
  for (const d of dets) {
    const keep = minConfidence === undefined ? d.confidence >= meta.assumedThresholds[d.label] : d.confidence * 100 >= minConfidence;
    if (!keep) continue;
    const Left = clip01(d.box.left), Top = clip01(d.box.top);
    const Width = Math.min(clip01(d.box.width), 1 - Left), Height = Math.min(clip01(d.box.height), 1 - Top);
    out.push({ Name: meta.labels[d.label], Confidence: d.confidence * 100, Geometry: {
      BoundingBox: { Width, Height, Left, Top },
      Polygon: [{ X: Left, Y: Top }, { X: Left + Width, Y: Top }, { X: Left + Width, Y: Top + Height }, { X: Left, Y: Top + Height }],
    } });
  }
  out.sort((a, b) => b.Confidence - a.Confidence || (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)
    || a.Geometry.BoundingBox.Top - b.Geometry.BoundingBox.Top || a.Geometry.BoundingBox.Left - b.Geometry.BoundingBox.Left);
  return maxResults === undefined ? out : out.slice(0, maxResults);
}

/** DetectCustomLabels' CustomLabels for this model and image. */
export async function detectCustomLabels(model, bytes, opts = {}) {
  const { out, scaled } = await run(model, bytes);
  return meta.modelType === 'object-detection' ? detectedLabels(detections(out, scaled), opts) : customLabels(out, opts);
}

if (process.argv[1]?.endsWith('predict.mjs')) {
  const args = process.argv.slice(2);
  const image = args.find((a, i) => !a.startsWith('--') && !(args[i - 1] ?? '').startsWith('--'));
  if (!image) { console.error('usage: node predict.mjs IMAGE [--min-confidence N] [--max-results N]'); process.exit(2); }
  const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : undefined; };
  const model = await loadModel();
  const labels = await detectCustomLabels(model, readFileSync(image), { minConfidence: opt('--min-confidence'), maxResults: opt('--max-results') });
  console.log(JSON.stringify({ CustomLabels: labels }));
}
`;
