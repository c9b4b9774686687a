/**
 * Real photographs (issue #13 items 5 and 6), in one run:
 *  - few-shot classification: the from-scratch network against the pretrained MobileNetV2 backbone (nsfwjs), frozen
 *    and fine-tuned, with 10/25/50 training images per label;
 *  - logo detection (bench/real-photos-detection.ts): the detector from scratch against the detector on the backbone.
 *
 *   apt-get install -y mate-backgrounds numix-icon-theme-circle
 *   npx tsx bench/real-photos.ts [--tasks classification,detection] [--shots 10,25,50] [--test-per-label 30] [--size 224]
 *     [--seed 1] [--epochs-scratch 20] [--detection-epochs-scratch 30] [--detection-epochs-backbone 40]
 *
 * The set is built in memory by scripts/real-photos.ts (8 logo labels on photographs; test images use photographs
 * that no training image uses). Prints one line per (shots, method): test accuracy, macro F1 and time, with the load
 * average, and at the end the accuracy ratios against the from-scratch baseline of the same run.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { buildLogoClassificationSet, LOGO_LABELS } from '../scripts/real-photos.js';
import { imageToInput } from '../src/ml/image.js';
import { trainClassifier } from '../src/ml/train.js';
import { predictBatch } from '../src/ml/predict.js';
import { evaluateClassification } from '../src/ml/evaluate.js';
import { extractFeatures, loadMobileNetV2 } from '../src/ml/pretrained/mobilenet-v2.js';
import { buildTransferHead, fitTransferHead, predictTransferHead, type TransferVariant } from '../src/ml/pretrained/transfer.js';

const { values } = parseArgs({
  options: {
    shots: { type: 'string', default: '10,25,50' }, 'test-per-label': { type: 'string', default: '30' },
    size: { type: 'string', default: '224' }, seed: { type: 'string', default: '1' },
    'epochs-scratch': { type: 'string', default: '20' }, 'scratch-size': { type: 'string', default: '32,64' },
    'epochs-frozen': { type: 'string', default: '60' }, 'epochs-finetune': { type: 'string', default: '15' },
    tasks: { type: 'string', default: 'classification,detection' },
    'detection-epochs-scratch': { type: 'string', default: '30' }, 'detection-epochs-backbone': { type: 'string', default: '40' },
  },
});
const started = Date.now();
const tasks = values.tasks!.split(',');
const shots = values.shots!.split(',').map(Number);
const size = Number(values.size);
const seed = Number(values.seed);
const labels = [...LOGO_LABELS] as string[];
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const log = (s: string) => console.log(`${s}  [load ${load()}]`);

let t = Date.now();
if (tasks.includes('classification')) await classification();
if (tasks.includes('detection')) {
  const { detectionBench } = await import('./real-photos-detection.js');
  await detectionBench({ seed, epochsScratch: Number(values['detection-epochs-scratch']), epochsBackbone: Number(values['detection-epochs-backbone']) });
}
console.log(`total run time ${((Date.now() - started) / 1000).toFixed(0)} s`);

async function classification() {
  const set = await buildLogoClassificationSet({ perLabel: Math.max(...shots), testPerLabel: Number(values['test-per-label']) });
  log(`built ${set.length} images in ${Date.now() - t} ms`);
  const train = set.filter((s) => s.split === 'train');
  const test = set.filter((s) => s.split === 'test');
  const labelOf = (s: (typeof set)[number]) => labels.indexOf(s.labels[0]!.label);
  const subset = (k: number) => train.filter((s) => Number(s.path.match(/\/(\d+)\.jpg$/)![1]) < k);
  const score = (conf: Float32Array[]) => {
    const gt = test.map((s) => [labelOf(s)]);
    const acc = conf.filter((c, i) => c.indexOf(Math.max(...c)) === gt[i]![0]).length / conf.length;
    const ev = evaluateClassification({ labels, groundTruth: gt, confidences: conf, multiLabel: false });
    return { acc, f1: ev.aggregate.F1Score };
  };

  // Backbone features, computed once per image (block_16 grid; the heads start there).
  t = Date.now();
  const net = await loadMobileNetV2('block_16_project_BN', size);
  const inputs = await Promise.all(set.map((s) => imageToInput(s.bytes, size)));
  const feats = await extractFeatures(net, inputs, size, false);
  const featureMs = Date.now() - t;
  const grid = net.outputs[0]!.shape[1]!;
  net.dispose();
  log(`backbone features for ${set.length} images at ${size} px: ${featureMs} ms (${(featureMs / set.length).toFixed(0)} ms/image), grid ${grid}x${grid}x320`);
  const featOf = new Map(set.map((s, i) => [s, feats[i]!]));

  const results: { k: number; method: string; acc: number; f1: number; ms: number }[] = [];
  for (const k of shots) {
    const tr = subset(k);
    for (const s of values['scratch-size']!.split(',').map(Number)) {
      t = Date.now();
      const examples = await Promise.all(tr.map(async (x) => ({ image: await imageToInput(x.bytes, s), labels: [labelOf(x)] })));
      const r = await trainClassifier({ examples, labelNames: labels, inputSize: s, epochs: Number(values['epochs-scratch']), seed, augmentFlip: true });
      const conf = await predictBatch(r.model, await Promise.all(test.map((x) => imageToInput(x.bytes, s))));
      const m = { k, method: `scratch-${s}px`, ...score(conf), ms: Date.now() - t };
      results.push(m);
      log(`k=${k} ${m.method}: accuracy ${(m.acc * 100).toFixed(1)} %, macro F1 ${m.f1.toFixed(3)}, ${m.ms} ms`);
    }
    for (const variant of ['frozen', 'fine-tuned'] as TransferVariant[]) {
      t = Date.now();
      const head = buildTransferHead(grid, labels.length, false, variant, seed);
      const ft = variant === 'fine-tuned';
      await fitTransferHead(head, variant, tr.map((x) => featOf.get(x)!), tr.map((x) => [labelOf(x)]), labels.length, false, {
        epochs: Number(ft ? values['epochs-finetune'] : values['epochs-frozen']), batchSize: 16, learningRate: ft ? 3e-4 : 3e-3, seed,
      });
      const conf = await predictTransferHead(head, test.map((x) => featOf.get(x)!));
      head.dispose();
      const m = { k, method: `mobilenet-v2-${variant}`, ...score(conf), ms: Date.now() - t };
      results.push(m);
      log(`k=${k} ${m.method}: accuracy ${(m.acc * 100).toFixed(1)} %, macro F1 ${m.f1.toFixed(3)}, ${m.ms} ms (+ ${(featureMs / set.length * tr.length / 1000).toFixed(1)} s of features for its ${tr.length} images)`);
    }
  }
  console.log('\nshots | method | accuracy | vs scratch-32px | macro F1 | head/training ms');
  for (const r of results) {
    const base = results.find((b) => b.k === r.k && b.method === 'scratch-32px');
    console.log(`${r.k} | ${r.method} | ${(r.acc * 100).toFixed(1)} % | ${base ? (r.acc / base.acc).toFixed(2) + '×' : '-'} | ${r.f1.toFixed(3)} | ${r.ms}`);
  }
  log('done');
}
