/**
 * Object detection through the API on generated scenes (src/ml/detection/scenes.ts: circles, squares and triangles
 * on noisy gradients, 80–220 px images of varied aspect ratio, boxes from the drawing), for the detector trained from
 * scratch AND the detector on the pretrained MobileNetV2 backbone (training option `backbone`), in one run on the same
 * data. Each variant trains with CreateProjectVersion on its own server; the bench prints F1 / precision / recall at
 * IoU 0.5 and mAP@0.5 from the evaluation summary, the training time, and DetectCustomLabels latency per image on the
 * started model. Baselines measured in the same run: a "prior box" detector (each label's mean training box, centred,
 * at the label's frequency) for the metrics, and a DescribeProjectVersions round trip for the latency.
 * Run time is bounded: a training still running after --max-training-s (default 1200) is reported as over budget and
 * its server stopped; the total run time is printed.
 *
 *   npx tsc -p tsconfig.json && node --import tsx bench/detection.ts [--count 600] [--classes 3]
 *     [--backbones none,mobilenet-v2] [--epochs N] [--input-size N] [--batch-size N] [--learning-rate X] [--seed N]
 *     [--max-training-s 1200]
 *   (--epochs, --input-size, --learning-rate apply to every variant; unset, each uses its own defaults)
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CreateDatasetCommand, CreateProjectCommand, CreateProjectVersionCommand, DescribeDatasetCommand, DescribeProjectVersionsCommand,
  DetectCustomLabelsCommand, RekognitionClient, StartProjectVersionCommand,
} from '@aws-sdk/client-rekognition';
import { SCENE_CLASSES, writeScenes, type Scene } from '../src/ml/detection/scenes.js';
import { evaluateDetection } from '../src/ml/detection/evaluate.js';
import { makeBucket, s3cp } from '../test/helpers/clients.js';
import { startServer } from '../test/helpers/server.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '600' }, classes: { type: 'string', default: '3' }, seed: { type: 'string', default: '7' },
    backbones: { type: 'string', default: 'none,mobilenet-v2' }, 'max-training-s': { type: 'string', default: '1200' },
    epochs: { type: 'string' }, 'input-size': { type: 'string' }, 'batch-size': { type: 'string' }, 'learning-rate': { type: 'string' },
  },
});
const started = performance.now();
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const shared: Record<string, string> = { OSPREY_LOG_LEVEL: 'warn', AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1' };
if (values.epochs) shared.OSPREY_TRAINING_EPOCHS = values.epochs;
if (values['input-size']) shared.OSPREY_TRAINING_INPUT_SIZE = values['input-size'];
if (values['batch-size']) shared.OSPREY_TRAINING_BATCH_SIZE = values['batch-size'];
if (values['learning-rate']) shared.OSPREY_TRAINING_LEARNING_RATE = values['learning-rate'];
const maxTrainingMs = Number(values['max-training-s']) * 1000;
console.log(`settings ${JSON.stringify({ ...shared, count: values.count, classes: values.classes, backbones: values.backbones })}; load average ${load()}`);

const bucket = 'scenes';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratioBoxes = (s: Scene) => s.objects.map((o) => ({ label: o.label, box: { left: o.left / s.width, top: o.top / s.height, width: o.width / s.width, height: o.height / s.height } }));
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f = (x: number) => x.toFixed(3);

/** The prior-box baseline: every label's mean training box, centred, with the label's share of boxes as confidence. */
function priorBaseline(train: Scene[], test: Scene[], labels: string[]) {
  const stats = labels.map((l) => {
    const boxes = train.flatMap(ratioBoxes).filter((b) => b.label === l);
    const avg = (k: 'width' | 'height') => boxes.reduce((a, b) => a + b.box[k], 0) / Math.max(1, boxes.length);
    return { w: avg('width'), h: avg('height'), share: boxes.length / Math.max(1, train.flatMap((s) => s.objects).length) };
  });
  const predictions = test.map(() => stats.map((s, label) => ({ label, confidence: s.share, box: { left: 0.5 - s.w / 2, top: 0.5 - s.h / 2, width: s.w, height: s.h } })));
  const groundTruth = test.map((s) => ratioBoxes(s).map((b) => ({ label: labels.indexOf(b.label), box: b.box })));
  return evaluateDetection({ labels, groundTruth, predictions }).aggregate;
}

interface Result {
  backbone: string; agg: Record<string, number>; perLabel: string[]; trainingS: number; epochsLog: string;
  detectMs: number[]; pingMs: number[]; loadAfterTraining: string; baseline: Record<string, number>; train: number; test: number; testBoxes: number;
}

/** Trains and measures one variant on its own server; undefined when it ran over the budget. */
async function runVariant(backbone: string): Promise<Result | string> {
  const server = await startServer({ env: { ...shared, OSPREY_TRAINING_BACKBONE: backbone } });
  try {
    const scenes = await writeScenes({ out: join(server.dataDir, 'buckets', bucket), bucket, count: Number(values.count), seed: Number(values.seed), classes: Number(values.classes) });
    const rek = new RekognitionClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: '111122223333', secretAccessKey: 'x' } });
    const { ProjectArn } = await rek.send(new CreateProjectCommand({ ProjectName: 'scenes' }));
    for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']] as const) {
      const { DatasetArn } = await rek.send(new CreateDatasetCommand({ ProjectArn, DatasetType: type, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: bucket, Name: name } } } }));
      while ((await rek.send(new DescribeDatasetCommand({ DatasetArn }))).DatasetDescription!.Status === 'CREATE_IN_PROGRESS') await sleep(500);
    }
    makeBucket(server.url, 'bench-output');
    const t = Date.now();
    console.log(`[${backbone}] training starts; load average ${load()}`);
    await rek.send(new CreateProjectVersionCommand({ ProjectArn, VersionName: 'v1', OutputConfig: { S3Bucket: 'bench-output', S3KeyPrefix: 'od' } }));
    let v, last = '';
    const epochs: string[] = [];
    for (;;) {
      v = (await rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!;
      if (v.StatusMessage !== last) {
        console.log(`[${backbone}] [${((Date.now() - t) / 1000).toFixed(0)} s] ${v.Status}: ${v.StatusMessage}`);
        last = v.StatusMessage ?? '';
        if (/epoch/.test(last)) epochs.push(`${((Date.now() - t) / 1000).toFixed(0)} s ${last}`);
      }
      if (v.Status !== 'TRAINING_IN_PROGRESS') break;
      if (Date.now() - t > maxTrainingMs) return `over the budget of ${maxTrainingMs / 1000} s (last: ${last})`;
      await sleep(2000);
    }
    if (v.Status !== 'TRAINING_COMPLETED') throw new Error(`training ended ${v.Status}: ${v.StatusMessage}`);
    const loadAfterTraining = load();
    const s3 = v.EvaluationResult!.Summary!.S3Object!;
    const got = s3cp(server.url, s3.Bucket!, s3.Name!);
    if (got.code !== 0) throw new Error(`reading the evaluation summary: ${got.stderr}`);
    const summary = JSON.parse(got.stdout.toString('utf8'));
    const labels = [...summary.EvaluationDetails.Labels] as string[];
    const train = scenes.filter((s) => s.split === 'train'), test = scenes.filter((s) => s.split === 'test');

    await rek.send(new StartProjectVersionCommand({ ProjectVersionArn: v.ProjectVersionArn, MinInferenceUnits: 1 }));
    while ((await rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!.Status !== 'RUNNING') await sleep(500);
    const time = async (fn: () => Promise<unknown>) => { const s = performance.now(); await fn(); return performance.now() - s; };
    const detectMs: number[] = [], pingMs: number[] = [];
    for (const s of test) {
      detectMs.push(await time(() => rek.send(new DetectCustomLabelsCommand({ ProjectVersionArn: v!.ProjectVersionArn, Image: { S3Object: { Bucket: bucket, Name: s.path } } }))));
      pingMs.push(await time(() => rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))));
    }
    return {
      backbone, agg: summary.AggregatedEvaluationResults, trainingS: v.BillableTrainingTimeInSeconds!, epochsLog: epochs.at(-1) ?? '',
      perLabel: summary.LabelEvaluationResults.map((l: any) => `${l.Label.padEnd(10)} threshold ${f(l.Metrics.Threshold)}  P ${f(l.Metrics.Precision)}  R ${f(l.Metrics.Recall)}  F1 ${f(l.Metrics.F1Score)}`),
      detectMs, pingMs, loadAfterTraining, baseline: priorBaseline(train, test, labels), train: train.length, test: test.length,
      testBoxes: test.reduce((a, s) => a + s.objects.length, 0),
    };
  } finally {
    await server.stop();
    if (!process.env.KEEP) server.cleanup();
  }
}

const results: (Result | string)[] = [];
for (const b of values.backbones.split(',')) results.push(await runVariant(b.trim()));

console.log(`\nObject detection on generated scenes through the API (this machine; ${SCENE_CLASSES.slice(0, Number(values.classes)).join(', ')})`);
const names = values.backbones.split(',');
results.forEach((r, i) => {
  console.log(`\n== backbone ${names[i]} ==`);
  if (typeof r === 'string') { console.log(`  not measured: ${r}`); return; }
  const { agg, baseline: base } = r;
  console.log(`  images                 ${r.train} training, ${r.test} test (${r.testBoxes} test boxes)`);
  console.log(`  F1 at IoU 0.5          ${f(agg.F1Score!)}   (prior-box baseline ${f(base.F1Score!)}; ratio ${(agg.F1Score! / Math.max(1e-9, base.F1Score!)).toFixed(1)}x; goal 0.8)`);
  console.log(`  precision / recall     ${f(agg.Precision!)} / ${f(agg.Recall!)}   (baseline ${f(base.Precision!)} / ${f(base.Recall!)})`);
  console.log(`  mAP@0.5                ${f(agg.AveragePrecision!)}   (baseline ${f(base.AveragePrecision!)}); mean recall ${f(agg.AverageRecall!)}`);
  for (const l of r.perLabel) console.log(`    ${l}`);
  console.log(`  training time          ${r.trainingS} s billable (goal: within 900 s); last progress: ${r.epochsLog}`);
  console.log(`  DetectCustomLabels     mean ${mean(r.detectMs).toFixed(1)} ms, p50 ${q(r.detectMs, 0.5).toFixed(1)} ms, p95 ${q(r.detectMs, 0.95).toFixed(1)} ms per image`);
  console.log(`                         ${(mean(r.detectMs) / mean(r.pingMs)).toFixed(1)}x a DescribeProjectVersions round trip (${mean(r.pingMs).toFixed(1)} ms) in the same run`);
  console.log(`  load average           ${r.loadAfterTraining} after training (1, 5, 15 min; 2 cores)`);
});
const done = results.filter((r): r is Result => typeof r !== 'string');
if (done.length === 2) {
  const [a, b] = done as [Result, Result];
  console.log(`\n${b.backbone} vs ${a.backbone}: F1 ${(b.agg.F1Score! / Math.max(1e-9, a.agg.F1Score!)).toFixed(2)}x, training time ${(b.trainingS / Math.max(1, a.trainingS)).toFixed(2)}x, DetectCustomLabels latency ${(mean(b.detectMs) / mean(a.detectMs)).toFixed(2)}x`);
}
console.log(`\ntotal run time ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${load()}`);
