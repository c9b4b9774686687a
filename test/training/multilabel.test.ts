// Ground Truth's multi-label manifest type (groundtruth/image-classification-multilabel) through
// the aws CLI: a dataset imports it, lists its entries unchanged and its labels, and a multi-label
// (sigmoid) model trains on it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeBucket, s3cp } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { multiLine } from '../datasets/lines.js';
import { BUCKET, cli, datasetStatus, manifestSource, putObject, sampleServer, versionDone } from './fixtures.js';

let server: TestServer;
before(async () => { server = await sampleServer({ count: 80, epochs: 3 }); makeBucket(server.url, 'out'); });
after(async () => { await server.stop(); server.cleanup(); });

/** Every sample image gets its shape as class id 0–3, and images with an even index also "framed" (id 9). */
function toMultiLabel(manifest: string): string {
  const classMap = { 0: 'circle', 1: 'square', 2: 'triangle', 3: 'stripes', 9: 'framed' };
  return readFileSync(manifest, 'utf8').trim().split('\n').map((l, i) => {
    const o = JSON.parse(l);
    const id = Object.entries(classMap).find(([, n]) => n === o['osprey-sample-class-metadata']['class-name'])![0];
    return multiLine(o['source-ref'], i % 2 === 0 ? [Number(id), 9] : [Number(id)], classMap);
  }).join('\n') + '\n';
}

test('multi-label lines import, list unchanged, and train a multi-label model', async () => {
  const dir = join(server.dataDir, 'buckets', BUCKET);
  putObject(server, BUCKET, 'multi-train.manifest', toMultiLabel(join(dir, 'train.manifest')));
  putObject(server, BUCKET, 'multi-test.manifest', toMultiLabel(join(dir, 'test.manifest')));
  const p = cli(server, ['create-project', '--project-name', 'multi']).ProjectArn;
  const arns: string[] = [];
  for (const [type, name] of [['TRAIN', 'multi-train.manifest'], ['TEST', 'multi-test.manifest']]) {
    const arn = cli(server, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    const d = await datasetStatus(server, arn);
    assert.equal(d.Status, 'CREATE_COMPLETE', d.StatusMessage);
    assert.equal(d.DatasetStats.ErrorEntries, 0);
    arns.push(arn);
  }
  const labels = cli(server, ['list-dataset-labels', '--dataset-arn', arns[0]!]).DatasetLabelDescriptions.map((l: any) => l.LabelName).sort();
  assert.deepEqual(labels, ['circle', 'framed', 'square', 'stripes', 'triangle']);
  const entries = cli(server, ['list-dataset-entries', '--dataset-arn', arns[0]!]).DatasetEntries.map((e: string) => JSON.parse(e));
  const first = entries.find((e: any) => e['image-label'].length === 2);
  assert.equal(first['image-label-metadata'].type, 'groundtruth/image-classification-multilabel');
  assert.ok(first['image-label'].includes(9));
  assert.deepEqual(first['cl-metadata'], { is_labeled: true });

  cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--output-config', 'S3Bucket=out,S3KeyPrefix=multi']);
  const v = await versionDone(server, p, 'v1');
  assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
  const summary = JSON.parse(s3cp(server.url, 'out', 'multi/EvaluationResultSummary-multi-v1.json').stdout.toString('utf8'));
  assert.deepEqual(summary.EvaluationDetails.Labels, ['circle', 'framed', 'square', 'stripes', 'triangle']);
  const framed = summary.LabelEvaluationResults.find((l: any) => l.Label === 'framed');
  assert.equal(framed.NumberOfTestingImages, 8, 'every second of the 16 test images');
});
