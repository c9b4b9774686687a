// The Custom Labels flow with objects on S3 and metadata on PostgreSQL (two nodes behind a proxy):
// images and manifests uploaded through Osprey's S3 routes land in the S3 service; a dataset from a
// manifest, a training, a copy whose model blob is not copied (the model bucket holds as many
// objects after the copy as before), and DetectCustomLabels on an S3Object through both nodes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { writeSampleDataset } from '../../src/ml/sample-dataset.js';
import { ACCOUNT_A, boto3, makeBucket } from '../helpers/clients.js';
import { startCluster } from '../helpers/cluster.js';
import { skipWithoutPostgres } from '../helpers/postgres.js';
import { skipWithoutS3, S3_TEST_KEYS } from '../helpers/s3.js';
import type { TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { BUCKET, cli, datasetStatus, manifestSource, until, versionDone } from '../training/fixtures.js';

const skip = skipWithoutPostgres || skipWithoutS3;
let cluster: (TestServer & { nodes: TestServer[]; s3Url: string }) | undefined;
after(async () => { await cluster?.stop(); cluster?.cleanup(); });

const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]);

test('objects on S3 + PostgreSQL: dataset, training, O(1) copy, detection through every node', { skip, timeout: 900_000 }, async () => {
  cluster = await startCluster({ env: { OSPREY_TRAINING_EPOCHS: '2', OSPREY_LOG_LEVEL: 'info' } });
  const c = cluster;
  // Images and manifests go in through Osprey's S3 routes (signed by account A), as a user would upload them.
  const local = tempDir('osprey-s3-flow-');
  await writeSampleDataset({ out: local, bucket: BUCKET, count: 40, seed: 11 });
  makeBucket(c.url, BUCKET);
  makeBucket(c.url, 'results');
  const osprey = new S3Client({ endpoint: c.url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: ACCOUNT_A.secretAccessKey! } });
  for (const f of files(local)) await osprey.send(new PutObjectCommand({ Bucket: BUCKET, Key: relative(local, f), Body: readFileSync(f) }));
  // … and are in the S3 service itself, not in a node's data folder.
  const backend = new S3Client({ endpoint: c.s3Url, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: S3_TEST_KEYS.OSPREY_S3_ACCESS_KEY_ID, secretAccessKey: S3_TEST_KEYS.OSPREY_S3_SECRET_ACCESS_KEY } });
  const count = async (bucket: string) => (await backend.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0;
  assert.equal(await count(BUCKET), files(local).length);

  const p = cli(c, ['create-project', '--project-name', 'on-s3']).ProjectArn as string;
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
    const arn = cli(c, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    const d = await datasetStatus(c, arn);
    assert.match(d.Status, /COMPLETE/, d.StatusMessage);
  }
  cli(c, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--output-config', 'S3Bucket=results,S3KeyPrefix=train']);
  const v1 = await versionDone(c, p, 'v1');
  assert.equal(v1.Status, 'TRAINING_COMPLETED', v1.StatusMessage);
  assert.ok((await count('results')) > 0, 'training outputs were written to the S3 service');
  const models = await count('osprey-models');
  assert.ok(models >= 1, 'the model blob is in the model bucket');

  const q = cli(c, ['create-project', '--project-name', 'copy-target']).ProjectArn as string;
  cli(c, ['copy-project-version', '--source-project-arn', p, '--source-project-version-arn', v1.ProjectVersionArn, '--destination-project-arn', q,
    '--version-name', 'copied', '--output-config', 'S3Bucket=results,S3KeyPrefix=copies']);
  const copied = await until(() => {
    const v = cli(c, ['describe-project-versions', '--project-arn', q, '--version-names', 'copied']).ProjectVersionDescriptions[0];
    return v && v.Status !== 'COPYING_IN_PROGRESS' ? v : undefined;
  }, 'the copy');
  assert.equal(copied.Status, 'COPYING_COMPLETED', copied.StatusMessage);
  assert.equal(await count('osprey-models'), models, 'a copy adds no object to the model bucket: the blob is shared');

  // Detection of an image in the S3 service, through each node: the copy answers as its source.
  const image = files(local).map((f) => relative(local, f)).find((k) => /\.(png|jpe?g)$/.test(k))!;
  const answers: unknown[] = [];
  for (const arn of [v1.ProjectVersionArn, copied.ProjectVersionArn]) {
    cli(c, ['start-project-version', '--project-version-arn', arn, '--min-inference-units', '1']);
    await until(() => {
      const s = cli(c, ['describe-project-versions', '--project-arn', arn === copied.ProjectVersionArn ? q : p]).ProjectVersionDescriptions
        .find((v: { ProjectVersionArn: string }) => v.ProjectVersionArn === arn).Status;
      assert.notEqual(s, 'FAILED');
      return s === 'RUNNING' || undefined;
    }, 'RUNNING');
    for (const n of c.nodes) {
      answers.push(boto3(n.url, `out = rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': V['name']}}, MinConfidence=0)['CustomLabels']`,
        undefined, { arn, bucket: BUCKET, name: image }));
    }
  }
  assert.ok(Array.isArray(answers[0]) && (answers[0] as unknown[]).length > 0, JSON.stringify(answers[0]));
  for (const a of answers.slice(1)) assert.deepEqual(a, answers[0]);
});
