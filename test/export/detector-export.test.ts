// A detector exports too (from scratch and on the pretrained backbone, whose layers the export holds): the exported graph, letterboxing, heatmap decoding, NMS and Geometry of predict.mjs (plain
// tfjs) give the boxes Osprey's own detector code gives, on a non-square image. The detector here has seeded
// initial weights (training one is the detection suite's job); what is checked is that the two paths agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../../src/ml/backend.js';
import { serializeModel } from '../../src/ml/model-format.js';
import { weightNames } from '../../src/ml/network.js';
import { BACKBONE_DETECTOR, buildDetectorNetwork, DEFAULT_DETECTOR } from '../../src/ml/detection/network.js';
import type { DetectorArchitecture } from '../../src/ml/model-format.js';
import { loadDetector } from '../../src/ml/detection/predict.js';
import { toDetectedLabels } from '../../src/ml/detection/labels.js';
import { exportTfjsModel } from '../../src/ml/export.js';
import { REPO } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';

for (const [kind, architecture, size] of [['from scratch', DEFAULT_DETECTOR, 96], ['on the pretrained backbone', BACKBONE_DETECTOR, 128]] as [string, DetectorArchitecture, number][]) {
test(`an exported detector (${kind}) reproduces Osprey's boxes, confidences and thresholded answer`, async () => {
  await initBackend();
  const labels = ['logo', 'mark'];
  const { net, stored } = await buildDetectorNetwork(architecture, size, labels.length, 5);
  const names = weightNames(stored);
  const model = serializeModel({
    architecture, inputSize: size, labels, assumedThresholds: [0.1, 0.12], multiLabel: false,
    weights: stored.getWeights().map((w, i) => ({ name: names[i]!, shape: w.shape, values: w.dataSync() as Float32Array })),
  });
  net.dispose();
  // A non-square photograph-like image: 200 × 120 (letterboxed into the top of the square input).
  const image = await sharp({ create: { width: 200, height: 120, channels: 3, background: { r: 40, g: 120, b: 200 } } })
    .composite([{ input: Buffer.from('<svg width="200" height="120"><circle cx="60" cy="50" r="30" fill="#f80"/><rect x="120" y="30" width="50" height="60" fill="#222"/></svg>'), left: 0, top: 0 }])
    .jpeg({ quality: 90 }).toBuffer();

  const det = await loadDetector(model);
  const found = await det.detect(image);
  det.dispose();
  const flat = found.flatMap((d) => [d.label, d.confidence, d.box.left, d.box.top, d.box.width, d.box.height]);
  const ours = { all: toDetectedLabels(flat, labels, [0.1, 0.12], { minConfidence: 0 }), default: toDetectedLabels(flat, labels, [0.1, 0.12]) };
  assert.ok(ours.all.length >= 2, `candidates: ${ours.all.length}`);

  const work = tempDir('osprey-detexport-');
  {
    symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
    const dir = join(work, 'model');
    mkdirSync(dir);
    for (const f of await exportTfjsModel(model, 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v/1')) writeFileSync(join(dir, f.path), f.bytes);
    writeFileSync(join(work, 'image.jpg'), image);
    writeFileSync(join(dir, 'driver.mjs'), `import { readFileSync } from 'node:fs';
import { loadModel, detectCustomLabels } from './predict.mjs';
const model = await loadModel();
const bytes = readFileSync(${JSON.stringify(join(work, 'image.jpg'))});
console.log(JSON.stringify({ all: await detectCustomLabels(model, bytes, { minConfidence: 0 }), default: await detectCustomLabels(model, bytes) }));`);
    const r = spawnSync(process.execPath, [join(dir, 'driver.mjs')], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout.trim().split('\n').pop()!);
    for (const k of ['all', 'default'] as const) {
      assert.equal(theirs[k].length, ours[k].length, `${k}: number of boxes`);
      ours[k].forEach((o, i) => {
        const t = theirs[k][i];
        assert.equal(t.Name, o.Name, `${k} ${i}`);
        assert.ok(Math.abs(t.Confidence - o.Confidence) < 1e-3, `${k} ${i}: ${t.Confidence} vs ${o.Confidence}`);
        for (const f of ['Left', 'Top', 'Width', 'Height'] as const) assert.ok(Math.abs(t.Geometry.BoundingBox[f] - o.Geometry.BoundingBox[f]) < 1e-4, `${k} ${i} ${f}`);
        assert.equal(t.Geometry.Polygon.length, 4);
      });
    }
    assert.ok(ours.default.length < ours.all.length, 'the assumed thresholds filter some boxes');
  }
});
}
