// Rekognition reads and writes objects with the caller's rights: another account's manifest is
// unreadable until a bucket policy grants it, and training output goes only to a bucket that exists
// and that the caller may write (the owner's files cannot be overwritten from another account).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { writeSampleDataset } from '../../src/ml/sample-dataset.js';
import { ACCOUNT_A, ACCOUNT_B, awsS3, boto3, makeBucket } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../training/fixtures.js';

let server: TestServer;
let manifest: string;
let images: { path: string }[];
const BUCKET = 'a-images';

before(async () => {
  server = await startServer({ env: { OSPREY_TRAINING_EPOCHS: '2' } });
  const dir = mkdtempSync(join(tmpdir(), 'osprey-s3-rek-'));
  const ds = await writeSampleDataset({ out: dir, bucket: BUCKET, count: 24, seed: 3 });
  images = ds.images;
  manifest = basename(ds.manifests.train); // train.manifest, at the top of the bucket
  makeBucket(server.url, BUCKET, ACCOUNT_A);
  const sync = awsS3(server.url, ['s3', 'sync', dir, `s3://${BUCKET}/`], ACCOUNT_A);
  assert.equal(sync.code, 0, sync.stderr);
});
after(async () => { await server?.stop(); server?.cleanup(); });

const createDataset = (creds: typeof ACCOUNT_A, project: string) => boto3(server.url, `
p = rek.create_project(ProjectName=V['project'])['ProjectArn']
try:
    out = {'arn': rek.create_dataset(ProjectArn=p, DatasetType='TRAIN', DatasetSource={'GroundTruthManifest': {'S3Object': {'Bucket': V['bucket'], 'Name': V['manifest']}}})['DatasetArn']}
except botocore.exceptions.ClientError as e:
    out = {'error': e.response['Error']['Code'], 'project': p}`, creds, { project, bucket: BUCKET, manifest });

test('a manifest in another account\'s bucket: InvalidS3ObjectException until a bucket policy grants s3:GetObject', async () => {
  assert.equal(createDataset(ACCOUNT_B, 'b-denied').error, 'InvalidS3ObjectException');
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT_B.accessKeyId}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] };
  assert.equal(awsS3(server.url, ['s3api', 'put-bucket-policy', '--bucket', BUCKET, '--policy', JSON.stringify(policy)], ACCOUNT_A).code, 0);
  const created = createDataset(ACCOUNT_B, 'b-granted');
  assert.ok(created.arn, JSON.stringify(created));
  const status = await until(() => {
    const d = boto3(server.url, `out = rek.describe_dataset(DatasetArn=V['arn'])['DatasetDescription']`, ACCOUNT_B, { arn: created.arn });
    return d.Status === 'CREATE_IN_PROGRESS' ? undefined : d;
  }, 'the dataset import');
  assert.equal(status.Status, 'CREATE_COMPLETE', status.StatusMessage);
  assert.equal(status.DatasetStats.TotalEntries, status.DatasetStats.LabeledEntries);
  assert.ok(status.DatasetStats.TotalEntries > 0);
});

test('OutputConfig: a missing bucket is InvalidParameterException, another account\'s bucket AccessDeniedException', () => {
  const out = boto3(server.url, `
p = rek.create_project(ProjectName='outputs')['ProjectArn']
res = {}
for name, bucket in (('missing', 'no-such-output-bucket'), ('foreign', V['bucket'])):
    try:
        rek.create_project_version(ProjectArn=p, VersionName=name, OutputConfig={'S3Bucket': bucket, 'S3KeyPrefix': 'out'},
            TrainingData={'Assets': [{'GroundTruthManifest': {'S3Object': {'Bucket': V['bucket'], 'Name': V['manifest']}}}]}, TestingData={'AutoCreate': True})
        res[name] = 'created'
    except botocore.exceptions.ClientError as e:
        res[name] = e.response['Error']['Code']
res['versions'] = len(rek.describe_project_versions(ProjectArn=p)['ProjectVersionDescriptions'])
out = res`, ACCOUNT_B, { bucket: BUCKET, manifest });
  assert.deepEqual(out, { missing: 'InvalidParameterException', foreign: 'AccessDeniedException', versions: 0 });
  assert.equal(awsS3(server.url, ['s3', 'ls', 's3://no-such-output-bucket'], ACCOUNT_B).code === 0, false, 'no bucket was created');
});

test('the whole Custom Labels flow on images uploaded with aws s3 sync: dataset, training, outputs, hosting, detection', async () => {
  makeBucket(server.url, 'a-results', ACCOUNT_A);
  const out = boto3(server.url, `
p = rek.create_project(ProjectName='flow')['ProjectArn']
for t in ('TRAIN', 'TEST'):
    rek.create_dataset(ProjectArn=p, DatasetType=t, DatasetSource={'GroundTruthManifest': {'S3Object': {'Bucket': V['bucket'], 'Name': t.lower() + '.manifest'}}})
out = p`, ACCOUNT_A, { bucket: BUCKET });
  const project = out as string;
  const describe = () => boto3(server.url, `out = rek.describe_project_versions(ProjectArn=V['p'], VersionNames=['v1'])['ProjectVersionDescriptions']`, ACCOUNT_A, { p: project });
  await until(() => {
    const ds = boto3(server.url, `out = [d['Status'] for d in rek.describe_projects(ProjectNames=['flow'])['ProjectDescriptions'][0]['Datasets']]`, ACCOUNT_A);
    return ds.length === 2 && ds.every((s: string) => s === 'CREATE_COMPLETE') ? ds : undefined;
  }, 'both datasets');
  boto3(server.url, `out = rek.create_project_version(ProjectArn=V['p'], VersionName='v1', OutputConfig={'S3Bucket': 'a-results', 'S3KeyPrefix': 'flow'})['ProjectVersionArn']`, ACCOUNT_A, { p: project });
  const v = await until(() => { const d = describe()[0]; return d.Status === 'TRAINING_IN_PROGRESS' ? undefined : d; }, 'training');
  assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
  const summary = awsS3(server.url, ['s3', 'cp', `s3://a-results/${v.EvaluationResult.Summary.S3Object.Name}`, '-'], ACCOUNT_A);
  assert.equal(JSON.parse(summary.stdout).EvaluationDetails.ProjectVersionArn, v.ProjectVersionArn);
  boto3(server.url, `out = rek.start_project_version(ProjectVersionArn=V['v'], MinInferenceUnits=1)`, ACCOUNT_A, { v: v.ProjectVersionArn });
  await until(() => (describe()[0].Status === 'RUNNING' ? true : undefined), 'the model to run');
  const detected = boto3(server.url, `out = rek.detect_custom_labels(ProjectVersionArn=V['v'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': V['name']}}, MinConfidence=0)['CustomLabels']`,
    ACCOUNT_A, { v: v.ProjectVersionArn, bucket: BUCKET, name: images[0]!.path });
  assert.ok(Array.isArray(detected) && detected.length > 0, JSON.stringify(detected));
  boto3(server.url, `out = rek.stop_project_version(ProjectVersionArn=V['v'])`, ACCOUNT_A, { v: v.ProjectVersionArn });
});
