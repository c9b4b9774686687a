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
const BUCKET = 'a-images';

before(async () => {
  server = await startServer();
  const dir = mkdtempSync(join(tmpdir(), 'osprey-s3-rek-'));
  const ds = await writeSampleDataset({ out: dir, bucket: BUCKET, count: 8, seed: 3 });
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
