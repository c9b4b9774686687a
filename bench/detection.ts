/**
 * Object detection through the API on generated scenes (src/ml/detection/scenes.ts: circles, squares and triangles
 * on noisy gradients, 80–220 px images of varied aspect ratio, boxes from the drawing): trains a detector with
 * CreateProjectVersion, prints F1/precision/recall at IoU 0.5 and mAP@0.5 from the evaluation summary, the training
 * time, and DetectCustomLabels latency per image on the started model. Baselines measured in the same run: a
 * "prior box" detector (each label's mean training box, centred, at the label's frequency) for the metrics, and a
 * DescribeProjectVersions round trip for the latency.
 *
 *   npx tsc -p tsconfig.json && node --import tsx bench/detection.ts [--count 600] [--classes 3] [--epochs N]
 *     [--input-size N] [--batch-size N] [--learning-rate X] [--seed N]
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
import { startServer } from '../test/helpers/server.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '600' }, classes: { type: 'string', default: '3' }, seed: { type: 'string', default: '7' },
    epochs: { type: 'string' }, 'input-size': { type: 'string' }, 'batch-size': { type: 'string' }, 'learning-rate': { type: 'string' },
  },
});
const load = () => loadavg().map((x) => x.toFixed(2)).join(', ');
const env: Record<string, string> = { OSPREY_LOG_LEVEL: 'info' };
if (values.epochs) env.OSPREY_TRAINING_EPOCHS = values.epochs;
if (values['input-size']) env.OSPREY_TRAINING_INPUT_SIZE = values['input-size'];
if (values['batch-size']) env.OSPREY_TRAINING_BATCH_SIZE = values['batch-size'];
if (values['learning-rate']) env.OSPREY_TRAINING_LEARNING_RATE = values['learning-rate'];
console.log(`settings ${JSON.stringify({ ...env, count: values.count, classes: values.classes })}; load average ${load()}`);

const server = await startServer({ env });
const bucket = 'scenes';
const scenes = await writeScenes({ out: join(server.dataDir, 'buckets', bucket), bucket, count: Number(values.count), seed: Number(values.seed), classes: Number(values.classes) });
const rek = new RekognitionClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: '111122223333', secretAccessKey: 'x' } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ratioBoxes = (s: Scene) => s.objects.map((o) => ({ label: o.label, box: { left: o.left / s.width, top: o.top / s.height, width: o.width / s.width, height: o.height / s.height } }));

/** The prior-box baseline: every label's mean training box, centred, with the label's share of boxes as confidence. */
function priorBaseline(train: Scene[], test: Scene[], labels: string[]) {
  const stats = labels.map((l) => {
    const boxes = train.flatMap(ratioBoxes).filter((b) => b.label === l);
    const mean = (k: 'width' | 'height') => boxes.reduce((a, b) => a + b.box[k], 0) / Math.max(1, boxes.length);
    return { w: mean('width'), h: mean('height'), share: boxes.length / Math.max(1, train.flatMap((s) => s.objects).length) };
  });
  const predictions = test.map(() => stats.map((s, label) => ({ label, confidence: s.share, box: { left: 0.5 - s.w / 2, top: 0.5 - s.h / 2, width: s.w, height: s.h } })));
  const groundTruth = test.map((s) => ratioBoxes(s).map((b) => ({ label: labels.indexOf(b.label), box: b.box })));
  return evaluateDetection({ labels, groundTruth, predictions }).aggregate;
}

try {
  const { ProjectArn } = await rek.send(new CreateProjectCommand({ ProjectName: 'scenes' }));
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']] as const) {
    const { DatasetArn } = await rek.send(new CreateDatasetCommand({ ProjectArn, DatasetType: type, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: bucket, Name: name } } } }));
    while ((await rek.send(new DescribeDatasetCommand({ DatasetArn }))).DatasetDescription!.Status === 'CREATE_IN_PROGRESS') await sleep(500);
  }
  const t = Date.now();
  console.log(`training starts; load average ${load()}`);
  await rek.send(new CreateProjectVersionCommand({ ProjectArn, VersionName: 'v1', OutputConfig: { S3Bucket: 'bench-output', S3KeyPrefix: 'od' } }));
  let v, last = '';
  for (;;) {
    v = (await rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!;
    if (v.StatusMessage !== last) { console.log(`[${((Date.now() - t) / 1000).toFixed(0)} s] ${v.Status}: ${v.StatusMessage}`); last = v.StatusMessage ?? ''; }
    if (v.Status !== 'TRAINING_IN_PROGRESS') break;
    await sleep(2000);
  }
  if (v.Status !== 'TRAINING_COMPLETED') throw new Error(`training ended ${v.Status}: ${v.StatusMessage}`);
  const loadAfterTraining = load();
  const s3 = v.EvaluationResult!.Summary!.S3Object!;
  const got = await fetch(`${server.url}/${s3.Bucket}/${s3.Name}`, {
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0' },
  });
  if (got.status !== 200) throw new Error(`reading the evaluation summary: HTTP ${got.status}`);
  const summary = JSON.parse(await got.text());
  const agg = summary.AggregatedEvaluationResults;
  const labels = [...summary.EvaluationDetails.Labels] as string[];
  const train = scenes.filter((s) => s.split === 'train'), test = scenes.filter((s) => s.split === 'test');
  const base = priorBaseline(train, test, labels);

  await rek.send(new StartProjectVersionCommand({ ProjectVersionArn: v.ProjectVersionArn, MinInferenceUnits: 1 }));
  while ((await rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))).ProjectVersionDescriptions![0]!.Status !== 'RUNNING') await sleep(500);
  const time = async (f: () => Promise<unknown>) => { const s = performance.now(); await f(); return performance.now() - s; };
  const detectMs: number[] = [], pingMs: number[] = [];
  for (const s of test) {
    detectMs.push(await time(() => rek.send(new DetectCustomLabelsCommand({ ProjectVersionArn: v!.ProjectVersionArn, Image: { S3Object: { Bucket: bucket, Name: s.path } } }))));
    pingMs.push(await time(() => rek.send(new DescribeProjectVersionsCommand({ ProjectArn, VersionNames: ['v1'] }))));
  }
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const f = (x: number) => x.toFixed(3);
  console.log(`\nObject detection on generated scenes through the API (this machine; ${SCENE_CLASSES.slice(0, Number(values.classes)).join(', ')})`);
  console.log(`  images                 ${train.length} training, ${test.length} test (${test.reduce((a, s) => a + s.objects.length, 0)} test boxes)`);
  console.log(`  F1 at IoU 0.5          ${f(agg.F1Score)}   (prior-box baseline ${f(base.F1Score)}; ratio ${(agg.F1Score / Math.max(1e-9, base.F1Score)).toFixed(1)}x; goal 0.8)`);
  console.log(`  precision / recall     ${f(agg.Precision)} / ${f(agg.Recall)}   (baseline ${f(base.Precision)} / ${f(base.Recall)})`);
  console.log(`  mAP@0.5                ${f(agg.AveragePrecision)}   (baseline ${f(base.AveragePrecision)}); mean recall ${f(agg.AverageRecall)}`);
  for (const l of summary.LabelEvaluationResults) console.log(`    ${l.Label.padEnd(10)} threshold ${f(l.Metrics.Threshold)}  P ${f(l.Metrics.Precision)}  R ${f(l.Metrics.Recall)}  F1 ${f(l.Metrics.F1Score)}`);
  console.log(`  training time          ${v.BillableTrainingTimeInSeconds} s billable (goal: within 900 s)`);
  console.log(`  DetectCustomLabels     mean ${mean(detectMs).toFixed(1)} ms, p50 ${q(detectMs, 0.5).toFixed(1)} ms, p95 ${q(detectMs, 0.95).toFixed(1)} ms per image`);
  console.log(`                         ${(mean(detectMs) / mean(pingMs)).toFixed(1)}x a DescribeProjectVersions round trip (${mean(pingMs).toFixed(1)} ms) in the same run`);
  console.log(`  load average           ${loadAfterTraining} after training, ${load()} now (1, 5, 15 min; 2 cores)`);
} finally {
  await server.stop();
  if (!process.env.KEEP) server.cleanup();
}
