// Dataset operations through the aws CLI and boto3 against a real server (spec §7).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { aws, boto3 } from '../helpers/clients.js';
import type { TestServer } from '../helpers/server.js';
import { BUCKET, classLine, cli, datasetStatus, manifestSource, putObject, sampleServer } from '../training/fixtures.js';

let server: TestServer;
before(async () => { server = await sampleServer({ count: 40 }); });
after(async () => { await server.stop(); server.cleanup(); });

const project = (name: string) => cli(server, ['create-project', '--project-name', name]).ProjectArn as string;
const create = (projectArn: string, type: string, source?: string) =>
  aws(server.url, ['create-dataset', '--project-arn', projectArn, '--dataset-type', type, ...(source ? ['--dataset-source', source] : [])]);

test('a manifest with a few bad lines: the dataset is created and the lines carry their errors', async () => {
  const p = project('ds-errors');
  const lines = [
    ...Array.from({ length: 8 }, (_, i) => classLine(`s3://${BUCKET}/circle/${i}.${i % 2 ? 'jpg' : 'png'}`, i < 4 ? 'round' : 'other')),
    classLine(`s3://${BUCKET}/missing.png`, 'round'), // no such image
    '{"source-ref": 7}',
  ];
  // The sample writes circle/N.jpg or .png at random; name the real files instead.
  const { readdirSync } = await import('node:fs');
  const files = readdirSync(`${server.dataDir}/buckets/${BUCKET}/circle`).sort().slice(0, 8);
  lines.splice(0, 8, ...files.map((f, i) => classLine(`s3://${BUCKET}/circle/${f}`, i < 4 ? 'round' : 'other')));
  putObject(server, BUCKET, 'errors.manifest', lines.join('\n') + '\n');
  const arn = create(p, 'TRAIN', manifestSource(BUCKET, 'errors.manifest')).json.DatasetArn;
  const d = await datasetStatus(server, arn);
  assert.equal(d.Status, 'CREATE_COMPLETE', d.StatusMessage);
  assert.deepEqual(d.DatasetStats, { LabeledEntries: 9, TotalEntries: 9, TotalLabels: 2, ErrorEntries: 1 });
  const bad = cli(server, ['list-dataset-entries', '--dataset-arn', arn, '--has-errors']).DatasetEntries.map((e: string) => JSON.parse(e));
  assert.equal(bad.length, 1);
  assert.equal(bad[0]['source-ref'], `s3://${BUCKET}/missing.png`);
  assert.equal(bad[0].errors[0].code, 'ERROR_INVALID_IMAGE');
  const good = cli(server, ['list-dataset-entries', '--dataset-arn', arn, '--no-has-errors']).DatasetEntries;
  assert.equal(good.length, 8);
  assert.equal(cli(server, ['list-dataset-entries', '--dataset-arn', arn, '--contains-labels', 'other']).DatasetEntries.length, 4);
  assert.equal(cli(server, ['list-dataset-entries', '--dataset-arn', arn, '--source-ref-contains', 'missing']).DatasetEntries.length, 1);
  const labels = cli(server, ['list-dataset-labels', '--dataset-arn', arn]).DatasetLabelDescriptions;
  assert.deepEqual(labels, [
    { LabelName: 'other', LabelStats: { EntryCount: 4, BoundingBoxCount: 0 } },
    // The line whose image is missing still uses its label (docs/datasets.md).
    { LabelName: 'round', LabelStats: { EntryCount: 5, BoundingBoxCount: 0 } },
  ]);

  // Pagination through boto3's paginator; a tampered token is refused.
  const pages = boto3(server.url, `
pages = rek.get_paginator('list_dataset_entries').paginate(DatasetArn=V['arn'], PaginationConfig={'PageSize': 3})
out = [len(p['DatasetEntries']) for p in pages]`, undefined, { arn });
  assert.deepEqual(pages, [3, 3, 3]);
  const tampered = boto3(server.url, `
t = rek.list_dataset_entries(DatasetArn=V['arn'], MaxResults=2)['NextToken']
out = rek.list_dataset_entries(DatasetArn=V['arn'], MaxResults=2, NextToken=t[:-2] + ('AA' if t[-2:] != 'AA' else 'BB'))`, undefined, { arn });
  assert.equal(tampered.error, 'InvalidPaginationTokenException');
  const otherFilter = boto3(server.url, `
t = rek.list_dataset_entries(DatasetArn=V['arn'], MaxResults=2)['NextToken']
out = rek.list_dataset_entries(DatasetArn=V['arn'], MaxResults=2, NextToken=t, HasErrors=True)`, undefined, { arn });
  assert.equal(otherFilter.error, 'InvalidPaginationTokenException', 'a token is bound to its filters');
});

test('create errors: duplicate type, unreadable manifest, both sources, foreign region', async () => {
  const p = project('ds-create');
  assert.equal(create(p, 'TEST').code, 0);
  const dup = create(p, 'TEST');
  assert.match(dup.stderr, /ResourceAlreadyExistsException/);
  assert.match(create(p, 'TRAIN', manifestSource(BUCKET, 'nope.manifest')).stderr, /InvalidS3ObjectException/);
  assert.match(create(p, 'TRAIN', manifestSource('no-such-bucket', 'x.manifest')).stderr, /InvalidS3ObjectException/);
  const both = JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'all.manifest' } }, DatasetArn: p.replace(/\/\d+$/, '/dataset/test/1') });
  assert.match(create(p, 'TRAIN', both).stderr, /InvalidParameterException/);
  assert.match(aws(server.url, ['describe-dataset', '--dataset-arn', `${p.replace(/\/\d+$/, '')}/dataset/train/123`]).stderr, /ResourceNotFoundException/);
});

test('a manifest S3Object.Version other than "null" is InvalidS3ObjectException; "null" names the object', async () => {
  const p = project('ds-version');
  const { readdirSync } = await import('node:fs');
  const image = readdirSync(`${server.dataDir}/buckets/${BUCKET}/circle`).sort()[0];
  putObject(server, BUCKET, 'versioned.manifest', classLine(`s3://${BUCKET}/circle/${image}`, 'a') + '\n');
  const source = (Version: string) => JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: 'versioned.manifest', Version } } });
  const other = create(p, 'TRAIN', source('3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY'));
  assert.match(other.stderr, /InvalidS3ObjectException/, 'the bucket holds no such version');
  const nullVersion = create(p, 'TRAIN', source('null'));
  assert.equal(nullVersion.code, 0, nullVersion.stderr);
  const d = await datasetStatus(server, nullVersion.json.DatasetArn);
  assert.equal(d.Status, 'CREATE_COMPLETE', d.StatusMessage);
  assert.equal(d.DatasetStats.TotalEntries, 1, 'the manifest was read');
});

test('terminal manifest errors fail the dataset with the code in StatusMessage', async () => {
  const cases: [string, string, string][] = [
    ['empty.manifest', '\n', 'ERROR_EMPTY_MANIFEST'],
    ['invalid.manifest', ['x', 'y', classLine(`s3://${BUCKET}/nope.png`, 'a')].join('\n'), 'ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST'],
    ['buckets.manifest', ['{"source-ref":"s3://one/a.png"}', '{"source-ref":"s3://two/b.png"}'].join('\n'), 'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS'],
  ];
  for (const [i, [name, body, code]] of cases.entries()) {
    putObject(server, BUCKET, name, body);
    // Unreadable images also count as invalid lines; the bucket case needs real images in both buckets.
    if (code === 'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS') {
      const { readFileSync, readdirSync } = await import('node:fs');
      const png = readdirSync(`${server.dataDir}/buckets/${BUCKET}/square`).find((f) => f.endsWith('.png'))!;
      const bytes = readFileSync(`${server.dataDir}/buckets/${BUCKET}/square/${png}`);
      putObject(server, 'one', 'a.png', bytes);
      putObject(server, 'two', 'b.png', bytes);
    }
    const arn = create(project(`ds-terminal-${i}`), 'TRAIN', manifestSource(BUCKET, name)).json.DatasetArn;
    const d = await datasetStatus(server, arn);
    assert.equal(d.Status, 'CREATE_FAILED');
    assert.equal(d.StatusMessageCode, 'CLIENT_ERROR');
    assert.ok(d.StatusMessage.startsWith(code), d.StatusMessage);
    assert.match(aws(server.url, ['list-dataset-entries', '--dataset-arn', arn]).stderr, /ResourceNotReadyException/);
  }
});

test('UpdateDatasetEntries replaces a known source-ref and adds new ones; copy; distribute; delete', async () => {
  const p = project('ds-update');
  const train = create(p, 'TRAIN', manifestSource(BUCKET, 'train.manifest')).json.DatasetArn;
  const before = (await datasetStatus(server, train)).DatasetStats;
  const first = JSON.parse(cli(server, ['list-dataset-entries', '--dataset-arn', train, '--max-results', '1']).DatasetEntries[0]);
  const oldLabel = first['osprey-sample-class-metadata']['class-name'];
  const newLabel = oldLabel === 'square' ? 'circle' : 'square';
  const relabeled = classLine(first['source-ref'], newLabel);
  const { readdirSync } = await import('node:fs');
  const extra = readdirSync(`${server.dataDir}/buckets/${BUCKET}/triangle`).sort()[0];
  putObject(server, BUCKET, 'new/extra.' + extra.split('.').pop(), (await import('node:fs')).readFileSync(`${server.dataDir}/buckets/${BUCKET}/triangle/${extra}`));
  const added = classLine(`s3://${BUCKET}/new/extra.${extra.split('.').pop()}`, 'triangle');
  const r = boto3(server.url, `
rek.update_dataset_entries(DatasetArn=V['arn'], Changes={'GroundTruth': V['body'].encode()})
out = 'ok'`, undefined, { arn: train, body: [relabeled, added].join('\n') });
  assert.equal(r, 'ok');
  const d = await datasetStatus(server, train, ['UPDATE_COMPLETE', 'UPDATE_FAILED']);
  assert.equal(d.Status, 'UPDATE_COMPLETE', d.StatusMessage);
  assert.equal(d.DatasetStats.TotalEntries, before.TotalEntries + 1);
  const now = JSON.parse(cli(server, ['list-dataset-entries', '--dataset-arn', train, '--source-ref-contains', first['source-ref']]).DatasetEntries[0]);
  assert.equal(now['cls-metadata']['class-name'], newLabel);
  assert.equal(now['osprey-sample-class-metadata'], undefined, 'the entry was replaced, not merged');

  // A TEST dataset copied from another dataset, then emptied by deletion, then filled by distribution.
  const copy = create(p, 'TEST', JSON.stringify({ DatasetArn: train })).json.DatasetArn;
  assert.equal((await datasetStatus(server, copy)).DatasetStats.TotalEntries, before.TotalEntries + 1);
  assert.match(aws(server.url, ['distribute-dataset-entries', '--datasets', `Arn=${train}`, `Arn=${copy}`]).stderr, /InvalidParameterException/, 'test dataset must be empty');
  cli(server, ['delete-dataset', '--dataset-arn', copy]);
  assert.match(aws(server.url, ['describe-dataset', '--dataset-arn', copy]).stderr, /ResourceNotFoundException/);
  const test = create(p, 'TEST').json.DatasetArn;
  cli(server, ['distribute-dataset-entries', '--datasets', `Arn=${train}`, `Arn=${test}`]);
  const [t1, t2] = [await datasetStatus(server, train, ['UPDATE_COMPLETE', 'UPDATE_FAILED']), await datasetStatus(server, test, ['UPDATE_COMPLETE', 'UPDATE_FAILED'])];
  assert.equal(t1.Status, 'UPDATE_COMPLETE', t1.StatusMessage);
  assert.equal(t1.DatasetStats.TotalEntries + t2.DatasetStats.TotalEntries, before.TotalEntries + 1);
  const moved = t2.DatasetStats.TotalEntries / (before.TotalEntries + 1);
  assert.ok(moved > 0.1 && moved < 0.3, `about 20% moved, got ${moved}`);
  assert.match(aws(server.url, ['delete-project', '--project-arn', p]).stderr, /ResourceInUseException/);
});
