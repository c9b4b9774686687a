// Train through the API (CreateProjectVersion on the ML sample data set), then start, detect and
// stop through boto3 and the aws CLI against a real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT_A, ACCOUNT_B, aws, boto3, s3object } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { SAMPLE_CLASSES, writeSampleDataset, type SampleImage } from '../../src/ml/sample-dataset.js';
import { waitStatus } from './util.js';

const BUCKET = 'samples';
let server: TestServer;
let url: string;
let arn: string;
let projectArn: string;
let images: SampleImage[];
let summaryRef: { Bucket: string; Name: string };
/** The evaluation summary, read through the S3 route (output files are sealed on disk). */
const readSummary = () => JSON.parse(s3object(url, summaryRef.Bucket, summaryRef.Name).body!.toString('utf8'));

before(async () => {
  server = await startServer({ config: { training: { epochs: 20, seed: 7 } } });
  url = server.url;
  const ds = await writeSampleDataset({ out: join(server.dataDir, 'buckets', BUCKET), bucket: BUCKET, count: 320, seed: 42 });
  images = ds.images;
  mkdirSync(join(server.dataDir, 'buckets', 'train-out'), { recursive: true });
  const r = boto3(url, `
p = rek.create_project(ProjectName='shapes')['ProjectArn']
m = lambda k: {'Assets': [{'GroundTruthManifest': {'S3Object': {'Bucket': V['bucket'], 'Name': k}}}]}
v = rek.create_project_version(ProjectArn=p, VersionName='v1', OutputConfig={'S3Bucket': 'train-out', 'S3KeyPrefix': 'out'},
    TrainingData=m('train.manifest'), TestingData=m('test.manifest'))['ProjectVersionArn']
rek.get_waiter('project_version_training_completed').wait(ProjectArn=p, VersionNames=['v1'], WaiterConfig={'Delay': 2, 'MaxAttempts': 150})
d = rek.describe_project_versions(ProjectArn=p, VersionNames=['v1'])['ProjectVersionDescriptions'][0]
out = {'project': p, 'version': v, 'status': d['Status'], 'summary': d['EvaluationResult']['Summary']['S3Object']}`, ACCOUNT_A, { bucket: BUCKET });
  assert.equal(r.status, 'TRAINING_COMPLETED', JSON.stringify(r));
  projectArn = r.project;
  arn = r.version;
  summaryRef = r.summary;
});
after(async () => { await server.stop(); server.cleanup(); });

const errorCode = (stderr: string) => /An error occurred \((\w+)\)/.exec(stderr)?.[1];

test('refusals before start: Max < Min, unknown version, another account, not running', () => {
  const r = boto3(url, `out = rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=2, MaxInferenceUnits=1)`, ACCOUNT_A, { arn });
  assert.equal(r.error, 'InvalidParameterException');
  const missing = arn.replace(/\/\d+$/, '/1');
  assert.equal(boto3(url, `out = rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)`, ACCOUNT_A, { arn: missing }).error, 'ResourceNotFoundException');
  assert.equal(boto3(url, `out = rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)`, ACCOUNT_B, { arn }).error, 'AccessDeniedException');
  assert.equal(boto3(url, `out = rek.stop_project_version(ProjectVersionArn=V['arn'])`, ACCOUNT_A, { arn }).error, 'ResourceInUseException');
  const d = aws(url, ['detect-custom-labels', '--project-version-arn', arn, '--image', `S3Object={Bucket=${BUCKET},Name=circle/0.png}`]);
  assert.notEqual(d.code, 0);
  assert.equal(errorCode(d.stderr), 'ResourceNotReadyException');
});

test('StartProjectVersion → STARTING → RUNNING (boto3 waiter); Min/MaxInferenceUnits shown; start again is ResourceInUse', () => {
  const r = boto3(url, `
out = {'start': rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1, MaxInferenceUnits=2)['Status']}
rek.get_waiter('project_version_running').wait(ProjectArn=V['project'], VersionNames=[V['name']], WaiterConfig={'Delay': 1, 'MaxAttempts': 90})
d = rek.describe_project_versions(ProjectArn=V['project'], VersionNames=[V['name']])['ProjectVersionDescriptions'][0]
out.update(status=d['Status'], min=d.get('MinInferenceUnits'), max=d.get('MaxInferenceUnits'), message=d.get('StatusMessage'))
try:
    rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)
except botocore.exceptions.ClientError as e:
    out['again'] = e.response['Error']['Code']`, ACCOUNT_A, { arn, project: projectArn, name: 'v1' });
  assert.deepEqual(r, { start: 'STARTING', status: 'RUNNING', min: 1, max: 2, message: 'The model is running.', again: 'ResourceInUseException' });
});

test('detect on the test split (bytes, boto3): the top label is the true label on most images, sorted, within 0-100', () => {
  const test = images.filter((i) => i.split === 'test');
  const r = boto3(url, `
out = []
for p in V['paths']:
    with open(p, 'rb') as fh:
        out.append(rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'Bytes': fh.read()}, MinConfidence=0)['CustomLabels'])`,
  ACCOUNT_A, { arn, paths: test.map((i) => join(server.dataDir, 'buckets', BUCKET, i.path)) });
  let hits = 0;
  r.forEach((labels: { Name: string; Confidence: number }[], i: number) => {
    assert.equal(labels.length, 4, 'MinConfidence=0 returns every label');
    for (let k = 1; k < labels.length; k++) assert.ok(labels[k - 1].Confidence >= labels[k].Confidence);
    for (const l of labels) assert.ok(l.Confidence >= 0 && l.Confidence <= 100);
    if (labels[0].Name === test[i].className) hits++;
  });
  assert.ok(hits / test.length >= 0.75, `top-label accuracy ${hits}/${test.length}`);
});

test('detect by S3 object (aws CLI) equals detect by bytes; MinConfidence, MaxResults and the assumed-threshold default', () => {
  const img = images.find((i) => i.split === 'test' && i.className === 'square')!;
  const s3 = aws(url, ['detect-custom-labels', '--project-version-arn', arn, '--image', `S3Object={Bucket=${BUCKET},Name=${img.path}}`, '--min-confidence', '0']);
  assert.equal(s3.code, 0, s3.stderr);
  const r = boto3(url, `
img = {'S3Object': {'Bucket': V['bucket'], 'Name': V['name']}}
with open(V['path'], 'rb') as fh:
    data = fh.read()
out = {
  'bytes': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'Bytes': data}, MinConfidence=0)['CustomLabels'],
  'top1': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MinConfidence=0, MaxResults=1)['CustomLabels'],
  'zero': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MaxResults=0)['CustomLabels'],
  'default': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img)['CustomLabels'],
}
all = out['bytes']
mid = (all[1]['Confidence'] + all[2]['Confidence']) / 2
out['mid'] = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MinConfidence=mid)['CustomLabels']
out['exact'] = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MinConfidence=all[0]['Confidence'])['CustomLabels']
out['max'] = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MinConfidence=100)['CustomLabels']`,
  ACCOUNT_A, { arn, bucket: BUCKET, name: img.path, path: join(server.dataDir, 'buckets', BUCKET, img.path) });
  assert.deepEqual(s3.json.CustomLabels, r.bytes);
  assert.deepEqual(r.top1, [r.bytes[0]]);
  assert.deepEqual(r.zero, []);
  assert.deepEqual(r.mid, r.bytes.slice(0, 2));
  assert.deepEqual(r.exact, [r.bytes[0]], 'MinConfidence is inclusive');
  assert.ok(r.max.length <= 1);
  // Without MinConfidence each label is kept at its own assumed threshold from training.
  const summary = readSummary();
  const thresholds = new Map<string, number>(summary.LabelEvaluationResults.map((l: { Label: string; Metrics: { Threshold: number } }) => [l.Label, l.Metrics.Threshold * 100]));
  const expected = r.bytes.filter((l: { Name: string; Confidence: number }) => l.Confidence >= thresholds.get(l.Name)! - 1e-4);
  assert.deepEqual(r.default, expected);
});

test('agreement: DetectCustomLabels over the test set reproduces the evaluation summary\'s precision and recall', () => {
  const summary = readSummary();
  const agg = summary.AggregatedEvaluationResults.Metrics ?? summary.AggregatedEvaluationResults;
  const test = images.filter((i) => i.split === 'test');
  const r: { Name: string; Confidence: number }[][] = boto3(url, `out = [rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': n}}, MinConfidence=0)['CustomLabels'] for n in V['names']]`,
    ACCOUNT_A, { arn, bucket: BUCKET, names: test.map((i) => i.path) });
  const perLabel = summary.LabelEvaluationResults.map((l: { Label: string; Metrics: { Threshold: number; Precision: number; Recall: number } }) => {
    let tp = 0, fp = 0, fn = 0;
    test.forEach((img, i) => {
      const c = r[i].find((x) => x.Name === l.Label)!.Confidence;
      const predicted = c >= l.Metrics.Threshold * 100;
      const actual = img.className === l.Label;
      if (predicted && actual) tp++; else if (predicted) fp++; else if (actual) fn++;
    });
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    // One image per label may sit exactly on its threshold; single and batched inference may differ in the last bit.
    const slack = 1 / Math.max(1, tp + fp) + 1e-9;
    assert.ok(Math.abs(precision - l.Metrics.Precision) <= slack, `${l.Label} precision ${precision} vs ${l.Metrics.Precision}`);
    assert.ok(Math.abs(recall - l.Metrics.Recall) <= 1 / Math.max(1, tp + fn) + 1e-9, `${l.Label} recall ${recall} vs ${l.Metrics.Recall}`);
    return { precision, recall };
  });
  const mean = (k: 'precision' | 'recall') => perLabel.reduce((a: number, x: { precision: number; recall: number }) => a + x[k], 0) / perLabel.length;
  assert.equal(perLabel.length, SAMPLE_CLASSES.length);
  assert.ok(Math.abs(mean('precision') - agg.Precision) < 0.02, `precision ${mean('precision')} vs ${agg.Precision}`);
  assert.ok(Math.abs(mean('recall') - agg.Recall) < 0.02, `recall ${mean('recall')} vs ${agg.Recall}`);
});

test('StopProjectVersion → STOPPING → STOPPED, units cleared; detect is ResourceNotReady; stop again is ResourceInUse', async () => {
  const r = aws(url, ['stop-project-version', '--project-version-arn', arn]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.Status, 'STOPPING');
  const v = await waitStatus(url, projectArn, arn, ['STOPPED']);
  assert.equal(v.MinInferenceUnits, undefined);
  assert.match(server.log(), /"model unloaded"/);
  const d = boto3(url, `out = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': 'circle/0.png'}})`, ACCOUNT_A, { arn, bucket: BUCKET });
  assert.equal(d.error, 'ResourceNotReadyException');
  assert.equal(errorCode(aws(url, ['stop-project-version', '--project-version-arn', arn]).stderr), 'ResourceInUseException');
  // A stopped model starts again.
  assert.equal(aws(url, ['start-project-version', '--project-version-arn', arn, '--min-inference-units', '1']).json.Status, 'STARTING');
  const again = await waitStatus(url, projectArn, arn, ['RUNNING', 'FAILED']);
  assert.equal(again.Status, 'RUNNING');
  assert.equal(again.MaxInferenceUnits, undefined);
});
