// The detection scenario shared by the detector tests (from scratch: detection.test.ts; on the pretrained backbone:
// detection-backbone.test.ts): train through the real `aws` CLI, check AWS's detection metrics and files, the served
// Geometry on non-square images, MinConfidence / MaxResults / thresholds, and that a copy answers identically.
import assert from 'node:assert/strict';
import type { Scene } from '../../src/ml/detection/scenes.js';
import { evaluateDetection } from '../../src/ml/detection/evaluate.js';
import { s3cp } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { cli, datasetStatus, manifestSource, until, versionDone } from './fixtures.js';

export const BUCKET = 'scenes';

async function running(server: TestServer, projectArn: string, versionArn: string) {
  cli(server, ['start-project-version', '--project-version-arn', versionArn, '--min-inference-units', '1']);
  await until(() => {
    const v = cli(server, ['describe-project-versions', '--project-arn', projectArn]).ProjectVersionDescriptions.find((d: any) => d.ProjectVersionArn === versionArn);
    if (v.Status === 'FAILED') throw new Error(v.StatusMessage);
    return v.Status === 'RUNNING' ? v : undefined;
  }, 'RUNNING');
}

const detectIn = (server: TestServer, arn: string, name: string, extra: string[] = []) =>
  cli(server, ['detect-custom-labels', '--project-version-arn', arn, '--image', JSON.stringify({ S3Object: { Bucket: BUCKET, Name: name } }), ...extra]).CustomLabels;

/**
 * Trains a detector through the `aws` CLI on `scenes` (in bucket "scenes", two labels: circle and square), requires
 * aggregate F1 >= minF1 at IoU 0.5, checks the evaluation files, the served Geometry, MinConfidence / MaxResults and
 * that a copy answers identically. Returns the version's ARN.
 */
export async function detectorScenario(server: TestServer, scenes: Scene[], minF1: number, project = 'shapes-od'): Promise<string> {
  const detect = (arn: string, name: string, extra: string[] = []) => detectIn(server, arn, name, extra);
  const p = cli(server, ['create-project', '--project-name', project]).ProjectArn;
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
    const arn = cli(server, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    assert.equal((await datasetStatus(server, arn)).Status, 'CREATE_COMPLETE');
  }
  const versionArn = cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--output-config', 'S3Bucket=out,S3KeyPrefix=od']).ProjectVersionArn;
  const v = await versionDone(server, p, 'v1');
  assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
  console.log(`# detection F1 at IoU 0.5: ${v.EvaluationResult.F1Score}`);
  assert.ok(v.EvaluationResult.F1Score >= minF1, `F1 ${v.EvaluationResult.F1Score} < ${minF1}`);

  const read = (kind: string) => { const r = s3cp(server.url, 'out', `od/${kind}-${project}-v1.json`); assert.equal(r.code, 0, r.stderr); return r.stdout.toString('utf8'); };
  const summary = JSON.parse(read('EvaluationResultSummary'));
  const agg = summary.AggregatedEvaluationResults;
  assert.equal(agg.F1Score, v.EvaluationResult.F1Score);
  assert.ok(agg.AveragePrecision > 0 && agg.AveragePrecision <= 1 && agg.AverageRecall > 0, JSON.stringify(agg));
  assert.equal(agg.ConfusionMatrix, undefined, 'no confusion matrix for detection');
  assert.deepEqual(summary.EvaluationDetails.Labels, ['circle', 'square']);
  const trainCount = scenes.filter((s) => s.split === 'train').length;
  assert.equal(summary.EvaluationDetails.NumberOfTrainingImages, trainCount);
  for (const l of summary.LabelEvaluationResults) assert.ok(l.Metrics.Threshold > 0 && l.Metrics.Threshold <= 1);
  assert.equal(JSON.parse(read('ManifestSummary')).statistics.training.use_case, 'OBJECT_LOCALIZATION');
  // The evaluation snapshot holds the predicted boxes with confidences and TP/FP/FN details, in the AWS layout.
  const snap = read('TestingGroundTruth').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(snap.length, scenes.length - trainCount);
  const meta = snap.map((s) => s['rekognition-custom-labels-evaluation-0-metadata']);
  assert.ok(meta.every((m) => m.type === 'groundtruth/object-detection' && m['job-name'] === 'rekognition-custom-labels-evaluation-job'));
  const objects = meta.flatMap((m) => m.objects);
  assert.ok(objects.some((o) => o['rekognition-custom-labels-evaluation-details']['is-true-positive'] && o.confidence > 0));
  assert.equal(snap[0]['rekognition-custom-labels-evaluation-0'].annotations.length, meta[0].objects.length);

  await running(server, p, versionArn);
  // The served boxes, compared with the drawn ones, give the F1 the evaluation reported: Geometry maps back onto the
  // images (most are not square) exactly as the evaluation's boxes did.
  const tests = scenes.filter((s) => s.split === 'test');
  const labels = ['circle', 'square'];
  const groundTruth = tests.map((s) => s.objects.map((o) => ({ label: labels.indexOf(o.label), box: { left: o.left / s.width, top: o.top / s.height, width: o.width / s.width, height: o.height / s.height } })));
  const predictions = tests.map((s) => detect(versionArn, s.path).map((l: any) => {
    const b = l.Geometry.BoundingBox;
    assert.ok(b.Left >= 0 && b.Top >= 0 && b.Left + b.Width <= 1 + 1e-6 && b.Top + b.Height <= 1 + 1e-6, JSON.stringify(b));
    assert.deepEqual(l.Geometry.Polygon.map((q: any) => [q.X, q.Y]), [[b.Left, b.Top], [b.Left + b.Width, b.Top], [b.Left + b.Width, b.Top + b.Height], [b.Left, b.Top + b.Height]]);
    return { label: labels.indexOf(l.Name), confidence: l.Confidence / 100, box: { left: b.Left, top: b.Top, width: b.Width, height: b.Height } };
  }));
  const served = evaluateDetection({ labels, groundTruth, predictions }).aggregate.F1Score;
  console.log(`# F1 of the served boxes: ${served}`);
  assert.ok(served >= minF1 && Math.abs(served - v.EvaluationResult.F1Score) <= 0.05, `served F1 ${served}, evaluated ${v.EvaluationResult.F1Score}`);
  assert.ok(tests.some((s) => s.width !== s.height));

  // MinConfidence, MaxResults and the assumed thresholds as AWS applies them.
  const s0 = tests[0]!.path;
  const everything = detect(versionArn, s0, ['--min-confidence', '0']);
  const confident = detect(versionArn, s0);
  const thresholds = Object.fromEntries(summary.LabelEvaluationResults.map((l: any) => [l.Label, l.Metrics.Threshold * 100]));
  assert.deepEqual(confident, everything.filter((l: any) => l.Confidence >= thresholds[l.Name] - 1e-4));
  assert.deepEqual(detect(versionArn, s0, ['--min-confidence', '0', '--max-results', '1']), everything.slice(0, 1));
  const sorted = everything.map((l: any) => l.Confidence);
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a));

  // A copied detector answers identically.
  const d = cli(server, ['create-project', '--project-name', `${project}-copy`]).ProjectArn;
  const copyArn = cli(server, ['copy-project-version', '--source-project-arn', p, '--source-project-version-arn', versionArn, '--destination-project-arn', d,
    '--version-name', 'c1', '--output-config', 'S3Bucket=out,S3KeyPrefix=copy']).ProjectVersionArn;
  await until(() => {
    const c = cli(server, ['describe-project-versions', '--project-arn', d]).ProjectVersionDescriptions[0];
    if (c.Status === 'COPYING_FAILED') throw new Error(c.StatusMessage);
    return c.Status === 'COPYING_COMPLETED' ? c : undefined;
  }, 'copy');
  await running(server, d, copyArn);
  for (const s of tests.slice(0, 3)) assert.deepEqual(detect(copyArn, s.path, ['--min-confidence', '0']), detect(versionArn, s.path, ['--min-confidence', '0']));
  cli(server, ['stop-project-version', '--project-version-arn', copyArn]);
  cli(server, ['stop-project-version', '--project-version-arn', versionArn]);
  return versionArn;
}

