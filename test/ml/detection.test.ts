// The detector's pure parts: letterboxing and the exact mapping of boxes back to the image, decoding of
// heatmap peaks, NMS, evaluation at IoU 0.5 and DetectCustomLabels filtering; and the model file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { inputBoxToRatios, iou, letterbox, ratiosToInputBox, scaledSize } from '../../src/ml/detection/letterbox.js';
import { decodeDetections, nms, type Detection } from '../../src/ml/detection/decode.js';
import { evaluateDetection } from '../../src/ml/detection/evaluate.js';
import { toDetectedLabels } from '../../src/ml/detection/labels.js';
import { deserializeModel, ModelFormatError, serializeModel } from '../../src/ml/model-format.js';
import { BACKBONE_DETECTOR, DEFAULT_DETECTOR } from '../../src/ml/detection/network.js';
import { loadPredictor } from '../../src/ml/predict.js';

test('letterbox: a 200x100 image fills the top 64x32 of a 64 px input; boxes map back exactly', async () => {
  const w = 200, h = 100, px = Buffer.alloc(w * h * 3, 0);
  for (let y = 20; y < 60; y++) for (let x = 100; x < 180; x++) px[(y * w + x) * 3] = 255; // red block
  const png = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
  const lb = await letterbox(png, 64);
  assert.deepEqual([lb.width, lb.height, lb.scaledWidth, lb.scaledHeight], [200, 100, 64, 32]);
  const at = (x: number, y: number) => Array.from(lb.input.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3)).map((v) => Math.round(v * 255));
  assert.deepEqual(at(45, 12), [255, 0, 0], 'inside the red block (x 100..180 → 32..57.6, y 20..60 → 6.4..19.2)');
  assert.deepEqual(at(5, 5), [0, 0, 0]);
  assert.deepEqual(at(10, 50), [128, 128, 128], 'padding below the image');
  const box = { left: 100 / 200, top: 20 / 100, width: 80 / 200, height: 40 / 100 };
  const [x0, y0, x1, y1] = ratiosToInputBox(box, lb);
  assert.deepEqual([x0, y0, x1, y1].map((v) => Number(v.toFixed(9))), [32, 6.4, 57.6, 19.2]);
  const back = inputBoxToRatios(x0, y0, x1, y1, lb);
  for (const k of ['left', 'top', 'width', 'height'] as const) assert.ok(Math.abs(back[k] - box[k]) < 1e-12, k);
  assert.deepEqual(scaledSize(100, 300, 96), { scaledWidth: 32, scaledHeight: 96 });
});

test('decode: a heatmap peak becomes a box in image ratios, clipped to the image; padding cells are ignored', () => {
  const grid = 4, L = 2, C = L + 4, stride = 8;
  const raw = new Float32Array(grid * grid * C).fill(-10);
  for (let c = 0; c < grid * grid; c++) raw.fill(0, c * C + L, c * C + C);
  const put = (x: number, y: number, l: number, logit: number, reg: number[]) => { raw[(y * grid + x) * C + l] = logit; raw.set(reg, (y * grid + x) * C + L); };
  // label 1 at cell (1,0): centre (1.5, 0.5) cells → (12, 4) px, size 2x1 cells → 16x8 px
  put(1, 0, 1, 3, [0.5, 0.5, Math.log(2), Math.log(1)]);
  put(2, 0, 1, 1, [0.5, 0.5, 0, 0]); // a weaker neighbour: not a peak
  put(3, 3, 0, 5, [0.5, 0.5, 0, 0]); // in the padding of a 32x16 scaled image: ignored
  const lb = { scaledWidth: 32, scaledHeight: 16 };
  const dets = decodeDetections(raw, grid, L, stride, lb);
  assert.equal(dets.length, 1);
  assert.equal(dets[0]!.label, 1);
  assert.ok(Math.abs(dets[0]!.confidence - 1 / (1 + Math.exp(-3))) < 1e-6);
  const b = dets[0]!.box;
  assert.deepEqual([b.left, b.top, b.width, b.height].map((v) => Number(v.toFixed(6))), [4 / 32, 0, 16 / 32, 8 / 16]);
});

test('nms drops a weaker overlapping box of the same label only', () => {
  const box = (left: number) => ({ left, top: 0.1, width: 0.4, height: 0.4 });
  const dets: Detection[] = [
    { label: 0, confidence: 0.9, box: box(0.1) }, { label: 0, confidence: 0.8, box: box(0.12) },
    { label: 1, confidence: 0.7, box: box(0.1) }, { label: 0, confidence: 0.6, box: box(0.55) },
  ];
  assert.deepEqual(nms(dets, 0.5).map((d) => d.confidence), [0.9, 0.7, 0.6]);
});

test('evaluation: IoU >= 0.5 with an unmatched box of the label is a TP; duplicates are FPs; thresholds maximise F1', () => {
  const B = (left: number, top: number, s = 0.2) => ({ left, top, width: s, height: s });
  const groundTruth = [
    [{ label: 0, box: B(0.1, 0.1) }, { label: 1, box: B(0.6, 0.6) }],
    [{ label: 0, box: B(0.5, 0.1) }],
  ];
  const predictions: Detection[][] = [
    [
      { label: 0, confidence: 0.9, box: B(0.1, 0.1) }, // TP
      { label: 0, confidence: 0.8, box: B(0.11, 0.1) }, // duplicate of a matched box: FP
      { label: 0, confidence: 0.3, box: B(0.6, 0.6) }, // wrong label there: FP
      { label: 1, confidence: 0.7, box: B(0.7, 0.7) }, // IoU 0.1²/(0.08-0.01) ≈ 0.14: FP
    ],
    [{ label: 0, confidence: 0.6, box: B(0.55, 0.1) }], // IoU 0.15·0.2/(0.08-0.03) = 0.6: TP
  ];
  const ev = evaluateDetection({ labels: ['a', 'b'], groundTruth, predictions });
  const a = ev.labels.find((l) => l.Label === 'a')!;
  // label a in confidence order: TP(0.9) FP(0.8) TP(0.6) FP(0.3); best F1 at t=0.6: P 2/3, R 1, F1 0.8
  assert.equal(a.Metrics.Threshold, 0.6);
  assert.ok(Math.abs(a.Metrics.Precision - 2 / 3) < 1e-12 && a.Metrics.Recall === 1 && Math.abs(a.Metrics.F1Score - 0.8) < 1e-12);
  assert.equal(a.NumberOfTestingImages, 2);
  const b = ev.labels.find((l) => l.Label === 'b')!;
  assert.equal(b.Metrics.F1Score, 0);
  assert.ok(b.Metrics.Threshold > 0.7, 'a label never found predicts nothing at its threshold');
  assert.ok(Math.abs(ev.aggregate.F1Score - 0.4) < 1e-12, 'macro mean of 0.8 and 0');
  // AP of a: precision 1 up to recall 0.5, then 2/3 up to recall 1 → 0.5 + 1/3
  assert.ok(Math.abs(ev.averagePrecision[0]! - (0.5 + 1 / 3)) < 1e-12);
  assert.equal(ev.aggregate.AverageRecall, 0.5);
  assert.deepEqual(ev.matches[0]!.map((m) => m.truePositive), [true, false, false, false]);
  assert.ok(Math.abs(iou(B(0.5, 0.1), B(0.55, 0.1)) - 0.6) < 1e-12);
});

test('DetectCustomLabels for detectors: thresholds, MinConfidence, MaxResults, Geometry with Polygon', () => {
  const flat = [0, 0.9, 0.1, 0.2, 0.3, 0.4, 1, 0.5, 0.8, 0.7, 0.5, 0.5, 0, 0.4, 0.5, 0.5, 0.1, 0.1];
  const byDefault = toDetectedLabels(flat, ['cat', 'dog'], [0.45, 0.6]);
  assert.deepEqual(byDefault.map((l) => l.Name), ['cat'], 'each label at its assumed threshold');
  const all = toDetectedLabels(flat, ['cat', 'dog'], [0.45, 0.6], { minConfidence: 0 });
  assert.deepEqual(all.map((l) => [l.Name, l.Confidence]), [['cat', 90], ['dog', 50], ['cat', 40]]);
  const dog = all[1]!.Geometry;
  const r = (v: number) => Number(v.toFixed(9));
  const bb = dog.BoundingBox;
  assert.deepEqual([bb.Left, bb.Top, bb.Width, bb.Height].map(r), [0.8, 0.7, 0.2, 0.3], 'clipped to the image');
  const q = dog.Polygon.map((p) => [Number(p.X.toFixed(9)), Number(p.Y.toFixed(9))]);
  assert.deepEqual(q, [[0.8, 0.7], [1, 0.7], [1, 1], [0.8, 1]]);
  assert.equal(toDetectedLabels(flat, ['cat', 'dog'], [0.45, 0.6], { minConfidence: 45 }).length, 2);
  assert.deepEqual(toDetectedLabels(flat, ['cat', 'dog'], [0, 0], { maxResults: 1 }).map((l) => l.Confidence), [90]);
});

test('a detector model file round-trips; the classifier loader refuses it', async () => {
  const weights = [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }];
  const buf = serializeModel({ architecture: DEFAULT_DETECTOR, inputSize: 96, labels: ['a'], assumedThresholds: [0.5], multiLabel: false, weights });
  const m = deserializeModel(buf);
  assert.deepEqual(m.architecture, DEFAULT_DETECTOR);
  assert.equal(serializeModel(m).equals(buf), true, 'deterministic bytes');
  assert.throws(() => serializeModel({ ...m, inputSize: 100 }), ModelFormatError, 'input size must be a multiple of the stride');
  await assert.rejects(loadPredictor(buf), /object detector/);
});

test('a detector on the pretrained backbone round-trips; a bad backbone description is refused', () => {
  const weights = [{ name: 'w', shape: [2], values: new Float32Array([1, 2]) }];
  const buf = serializeModel({ architecture: BACKBONE_DETECTOR, inputSize: 224, labels: ['a'], assumedThresholds: [0.5], multiLabel: false, weights });
  assert.deepEqual(deserializeModel(buf).architecture, BACKBONE_DETECTOR);
  const bad = (architecture: unknown, inputSize = 224) => () => serializeModel({ architecture: architecture as typeof BACKBONE_DETECTOR, inputSize, labels: ['a'], assumedThresholds: [0.5], multiLabel: false, weights });
  assert.throws(bad(BACKBONE_DETECTOR, 200), ModelFormatError, 'a multiple of 16');
  assert.throws(bad({ ...BACKBONE_DETECTOR, backbone: { name: 'nsfwjs@4.4.0/mobilenet_v2', cut: 'block_16_project_BN' } }), /block_13_expand_relu/);
  assert.throws(bad({ ...BACKBONE_DETECTOR, blocks: DEFAULT_DETECTOR.blocks }), /no blocks/);
  assert.throws(bad({ ...BACKBONE_DETECTOR, inputNorm: 'standardize' }), /inputNorm none/);
});
