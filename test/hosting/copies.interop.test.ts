// A version copied within the account and to another account answers exactly like its source
// (same labels, same confidences) on 50 images; another account cannot use the source.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ACCOUNT_A, ACCOUNT_B, aws, awsS3, boto3, type Creds } from '../helpers/clients.js';
import { BUCKET } from './fixtures.js';
import { seededServer, waitStatus, type Fixture } from './util.js';

let f: Fixture;
const copies: Record<'same' | 'cross', { project: string; arn: string; creds: Creds }> = {} as never;

function copy(dst: string, name: string, bucket: string, creds: Creds): string {
  const r = aws(f.server.url, ['copy-project-version', '--source-project-arn', f.seeded.projectArn, '--source-project-version-arn', f.seeded.versionArn,
    '--destination-project-arn', dst, '--version-name', name, '--output-config', `S3Bucket=${bucket},S3KeyPrefix=copies`], creds);
  assert.equal(r.code, 0, r.stderr);
  return r.json.ProjectVersionArn;
}

function start(project: string, arn: string, creds: Creds) {
  const r = aws(f.server.url, ['start-project-version', '--project-version-arn', arn, '--min-inference-units', '1'], creds);
  assert.equal(r.code, 0, r.stderr);
  return waitStatus(f.server.url, project, arn, ['RUNNING', 'FAILED'], 90_000, creds);
}

before(async () => {
  f = await seededServer();
  for (const b of ['copy-a', 'copy-b']) mkdirSync(join(f.server.dataDir, 'buckets', b), { recursive: true });
  const dstA = aws(f.server.url, ['create-project', '--project-name', 'shapes-copy']).json.ProjectArn;
  const dstB = aws(f.server.url, ['create-project', '--project-name', 'shapes-b'], ACCOUNT_B).json.ProjectArn;
  const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'rekognition:CopyProjectVersion', Resource: f.seeded.versionArn }] };
  assert.equal(aws(f.server.url, ['put-project-policy', '--project-arn', f.seeded.projectArn, '--policy-name', 'share-b', '--policy-document', JSON.stringify(allow)]).code, 0);
  // As on AWS, account B detects on account A's images only with a grant on A's bucket.
  const read = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] };
  const granted = awsS3(f.server.url, ['s3api', 'put-bucket-policy', '--bucket', BUCKET, '--policy', JSON.stringify(read)], ACCOUNT_A);
  assert.equal(granted.code, 0, granted.stderr);
  copies.same = { project: dstA, arn: copy(dstA, 'c1', 'copy-a', ACCOUNT_A), creds: ACCOUNT_A };
  copies.cross = { project: dstB, arn: copy(dstB, 'c1', 'copy-b', ACCOUNT_B), creds: ACCOUNT_B };
  for (const c of Object.values(copies)) {
    const v = await waitStatus(f.server.url, c.project, c.arn, ['COPYING_COMPLETED', 'COPYING_FAILED'], 60_000, c.creds);
    assert.equal(v.Status, 'COPYING_COMPLETED', v.StatusMessage);
  }
});
after(async () => { await f.server.stop(); f.server.cleanup(); });

function detect50(arn: string, creds: Creds) {
  const names = f.sample.images.slice(0, 50).map((i) => i.path);
  return boto3(f.server.url, `out = [rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': n}}, MinConfidence=0)['CustomLabels'] for n in V['names']]`,
    creds, { arn, bucket: BUCKET, names });
}

test('source, same-account copy and cross-account copy (each started from COPYING_COMPLETED) give identical answers on 50 images', async () => {
  assert.equal((await start(f.seeded.projectArn, f.seeded.versionArn, ACCOUNT_A)).Status, 'RUNNING');
  for (const c of Object.values(copies)) assert.equal((await start(c.project, c.arn, c.creds)).Status, 'RUNNING');
  const source = detect50(f.seeded.versionArn, ACCOUNT_A);
  assert.equal(source.length, 50);
  assert.ok(source.every((labels: unknown[]) => labels.length === 4));
  assert.deepEqual(detect50(copies.same.arn, ACCOUNT_A), source);
  assert.deepEqual(detect50(copies.cross.arn, ACCOUNT_B), source);
});

test('across accounts: detect, start and stop on a version of another account are AccessDenied', () => {
  const r = boto3(f.server.url, `
out = {}
img = {'S3Object': {'Bucket': V['bucket'], 'Name': 'circle/0.png'}}
for k, call in [('detect', lambda: rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img)),
                ('start', lambda: rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)),
                ('stop', lambda: rek.stop_project_version(ProjectVersionArn=V['arn']))]:
    try:
        call()
        out[k] = 'allowed'
    except botocore.exceptions.ClientError as e:
        out[k] = e.response['Error']['Code']`, ACCOUNT_B, { arn: f.seeded.versionArn, bucket: BUCKET });
  assert.deepEqual(r, { detect: 'AccessDeniedException', start: 'AccessDeniedException', stop: 'AccessDeniedException' });
});
