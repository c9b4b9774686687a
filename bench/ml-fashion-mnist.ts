/**
 * Fashion-MNIST benchmark of Osprey's ML library.
 *   tsx scripts/fashion-mnist.ts --out /tmp/fmnist --bucket fmnist      # once
 *   tsx bench/ml-fashion-mnist.ts --data /tmp/fmnist [--train 60000] [--epochs 4] [--size 28] [--seed 1] [--batch 64]
 *     [--lr 0.003] [--flip] [--arch '{"convFilters":[16,32,64],"head":"flatten","dense":128}']
 * Without --arch the library's default for the training-set size is used (src/ml/network.ts), as in a training job.
 * Decodes the 64x64 PNGs with imageToInput (resized to --size), trains with trainClassifier on the first --train lines
 * of train.manifest, evaluates on all of test.manifest (the official 10,000-image test set) and prints the figures.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { imageToInput } from '../src/ml/image.js';
import { trainClassifier, type Example } from '../src/ml/train.js';
import { predictBatch } from '../src/ml/predict.js';
import { evaluateClassification } from '../src/ml/evaluate.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '/tmp/fmnist' },
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: '4' },
    size: { type: 'string', default: '28' },
    seed: { type: 'string', default: '1' },
    batch: { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.003' },
    flip: { type: 'boolean', default: false },
    arch: { type: 'string' },
  },
});
const dir = values.data!;
const size = Number(values.size);

async function load(manifest: string, limit: number, labelNames: string[]): Promise<Example[]> {
  const lines = (await readFile(path.join(dir, manifest), 'utf8')).split('\n').filter(Boolean).slice(0, limit);
  const out: Example[] = new Array(lines.length);
  const B = 64;
  for (let s = 0; s < lines.length; s += B) {
    await Promise.all(
      lines.slice(s, s + B).map(async (line, j) => {
        const o = JSON.parse(line) as Record<string, unknown>;
        const ref = String(o['source-ref']);
        const rel = ref.replace(/^s3:\/\/[^/]+\//, '');
        const cls = (o['fashion-class-metadata'] as { 'class-name': string })['class-name'];
        let l = labelNames.indexOf(cls);
        if (l < 0) {
          labelNames.push(cls);
          l = labelNames.length - 1;
        }
        out[s + j] = { image: await imageToInput(await readFile(path.join(dir, rel)), size), labels: [l] };
      }),
    );
  }
  return out;
}

const labelNames: string[] = [];
let t = performance.now();
const train = await load('train.manifest', Number(values.train), labelNames);
const test = await load('test.manifest', Number(values.test), labelNames);
labelNames.length; // order of first appearance
const decodeMs = performance.now() - t;
console.log(`decoded ${train.length} train + ${test.length} test images in ${(decodeMs / 1000).toFixed(1)} s`);

t = performance.now();
const res = await trainClassifier(
  {
    examples: train,
    labelNames,
    inputSize: size,
    epochs: Number(values.epochs),
    seed: Number(values.seed),
    batchSize: Number(values.batch),
    learningRate: Number(values.lr),
    augmentFlip: values.flip,
    ...(values.arch ? { architecture: JSON.parse(values.arch) } : {}),
  },
  (p) => console.log(`epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} acc ${p.accuracy.toFixed(4)} at ${(p.elapsedMs / 1000).toFixed(1)} s`),
);
const trainS = (performance.now() - t) / 1000;
t = performance.now();
const conf = await predictBatch(res.model, test.map((e) => e.image));
const inferS = (performance.now() - t) / 1000;
const ev = evaluateClassification({ labels: labelNames, groundTruth: test.map((e) => e.labels), confidences: conf, multiLabel: false });
const summary = {
  trainImages: train.length,
  testImages: test.length,
  inputSize: size,
  epochs: res.epochs,
  architecture: values.arch ? JSON.parse(values.arch) : 'default for the training-set size',
  batchSize: Number(values.batch),
  learningRate: Number(values.lr),
  augmentFlip: values.flip,
  decodeSeconds: +(decodeMs / 1000).toFixed(1),
  trainingSeconds: +trainS.toFixed(1),
  trainingImagesPerSecond: +res.imagesPerSecond.toFixed(1),
  testAccuracy: +ev.accuracy.toFixed(4),
  macroF1: +ev.aggregate.F1Score.toFixed(4),
  macroPrecision: +ev.aggregate.Precision.toFixed(4),
  macroRecall: +ev.aggregate.Recall.toFixed(4),
  inferenceImagesPerSecond: +(test.length / inferS).toFixed(1),
  perLabelF1: Object.fromEntries(ev.labels.map((l) => [l.Label, +l.Metrics.F1Score.toFixed(3)])),
  modelBytes: res.model.length,
};
console.log(JSON.stringify(summary, null, 2));
