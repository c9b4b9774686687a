// Each terminal manifest error ends the training TRAINING_FAILED with its code in StatusMessage,
// and request mistakes are AWS-shaped 4xx errors (spec §6.2, §8.4).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { aws, makeBucket, s3cp, s3object } from '../helpers/clients.js';
import { storedKeys } from '../helpers/objects.js';
import type { TestServer } from '../helpers/server.js';
import { BUCKET, classLine, cli, putObject, sampleServer, versionDone } from './fixtures.js';
import { tempDir } from '../helpers/tmp.js';

let server: TestServer;
before(async () => { server = await sampleServer({ count: 24, epochs: 1 }); makeBucket(server.url, 'out'); });
after(async () => { await server.stop(); server.cleanup(); });

const images = () => ['circle', 'square', 'triangle', 'stripes'].flatMap((c) => readdirSync(join(server.dataDir, 'buckets', BUCKET, c)).sort().map((f) => ({ c, ref: `s3://${BUCKET}/${c}/${f}` })));
const asset = (name: string) => `Assets=[{GroundTruthManifest={S3Object={Bucket=${BUCKET},Name=${name}}}}]`;
let n = 0;

/** Trains from two manifests and returns the finished version. */
async function train(trainLines: string[], testLines: string[], prefix?: string) {
  const id = n++;
  putObject(server, BUCKET, `f${id}-train.manifest`, trainLines.join('\n') + '\n');
  putObject(server, BUCKET, `f${id}-test.manifest`, testLines.join('\n') + '\n');
  const p = cli(server, ['create-project', '--project-name', `fail-${id}`]).ProjectArn;
  cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v', '--output-config', `S3Bucket=out,S3KeyPrefix=${prefix ?? `f${id}`}`,
    '--training-data', asset(`f${id}-train.manifest`), '--testing-data', asset(`f${id}-test.manifest`)]);
  return { v: await versionDone(server, p, 'v'), id };
}

test('terminal manifest errors → TRAINING_FAILED with an AWS-style message', async () => {
  const all = images();
  const lines = all.map((i) => classLine(i.ref, i.c));
  const cases: [string, string[], string[]][] = [
    ['ERROR_EMPTY_MANIFEST', [], lines.slice(0, 4)],
    ['ERROR_MANIFEST_TOO_FEW_LABELS', all.filter((i) => i.c === 'circle').map((i) => classLine(i.ref, 'circle')), lines],
    ['ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST', [...lines.slice(0, 8), 'oops', '{"x":1}', '[]'], lines],
    ['ERROR_INSUFFICIENT_LABEL_OVERLAP', lines, all.map((i) => classLine(i.ref, `other-${i.c}`))],
    ['ERROR_NO_VALID_LABEL_ATTRIBUTES', lines, all.map((i) => JSON.stringify({ 'source-ref': i.ref }))],
  ];
  for (const [code, trainLines, testLines] of cases) {
    const { v } = await train(trainLines, testLines);
    assert.equal(v.Status, 'TRAINING_FAILED', code);
    assert.ok(v.StatusMessage.startsWith(`${code}:`), `${code}: ${v.StatusMessage}`);
    assert.equal(v.EvaluationResult, undefined);
  }

  // Images in two buckets: copy one image to another bucket and point a line at it.
  putObject(server, 'elsewhere', 'x.png', readFileSync(join(server.dataDir, 'buckets', BUCKET, all[0]!.ref.slice(`s3://${BUCKET}/`.length))));
  const { v: multi } = await train([...lines, classLine('s3://elsewhere/x.png', 'circle')], lines);
  assert.ok(multi.StatusMessage.startsWith('ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS:'), multi.StatusMessage);

  // An unreadable manifest fails without validation results; a readable one leaves its summary.
  const p = cli(server, ['create-project', '--project-name', 'no-manifest']).ProjectArn;
  cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v', '--output-config', 'S3Bucket=out',
    '--training-data', asset('missing.manifest'), '--testing-data', 'AutoCreate=true']);
  const missing = await versionDone(server, p, 'v');
  assert.ok(missing.StatusMessage.startsWith('ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT:'), missing.StatusMessage);
  assert.equal(missing.ManifestSummary, undefined);
});

test('an image too small or not an image is an invalid line listed in the validation manifest', async () => {
  const sharp = (await import('sharp')).default;
  putObject(server, BUCKET, 'tiny.png', await sharp({ create: { width: 32, height: 80, channels: 3, background: '#888' } }).png().toBuffer());
  putObject(server, BUCKET, 'fake.jpg', 'not an image');
  const all = images();
  const lines = all.map((i) => classLine(i.ref, i.c));
  const { v, id } = await train([...lines, classLine(`s3://${BUCKET}/tiny.png`, 'circle'), classLine(`s3://${BUCKET}/fake.jpg`, 'square')], lines);
  assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
  // The output files are sealed on disk; they are read back through the S3 route, as on AWS.
  const summary = JSON.parse(s3object(server.url, 'out', `f${id}/ManifestSummary-fail-${id}-v.json`).body!.toString('utf8'));
  assert.deepEqual(summary.statistics.training.error_json_line_indices, [lines.length, lines.length + 1]);
  const validation = s3cp(server.url, 'out', `f${id}/TrainingManifestWithValidation-fail-${id}-v.json`).stdout.toString('utf8').trim().split('\n');
  assert.equal(JSON.parse(validation[lines.length]!).errors[0].code, 'ERROR_INVALID_IMAGE_DIMENSION');
  assert.equal(JSON.parse(validation[lines.length + 1]!).errors[0].code, 'ERROR_INVALID_IMAGE');
});

test('a TrainingData/TestingData S3Object.Version other than "null" is an inaccessible manifest; "null" names the object', async () => {
  const lines = images().map((i) => classLine(i.ref, i.c));
  putObject(server, BUCKET, 'v-train.manifest', lines.join('\n') + '\n');
  putObject(server, BUCKET, 'v-test.manifest', images().map((i) => classLine(i.ref, `other-${i.c}`)).join('\n') + '\n');
  const versioned = (name: string, version: string) => `Assets=[{GroundTruthManifest={S3Object={Bucket=${BUCKET},Name=${name},Version=${version}}}}]`;
  const run = async (project: string, trainVersion: string) => {
    const p = cli(server, ['create-project', '--project-name', project]).ProjectArn;
    cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v', '--output-config', `S3Bucket=out,S3KeyPrefix=${project}`,
      '--training-data', versioned('v-train.manifest', trainVersion), '--testing-data', versioned('v-test.manifest', 'null')]);
    return versionDone(server, p, 'v');
  };
  const other = await run('version-other', 'L4kqtJlcpXroDTDmpUMLUo');
  assert.equal(other.Status, 'TRAINING_FAILED');
  assert.match(other.StatusMessage, /^ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT: .*v-train\.manifest \(version L4kqtJlcpXroDTDmpUMLUo\) cannot be read/);
  // With "null" both manifests are read: the test labels are not the training labels.
  const held = await run('version-null', 'null');
  assert.match(held.StatusMessage, /^ERROR_INSUFFICIENT_LABEL_OVERLAP:/);
});

test('an output prefix named like a symbolic link of an old bucket folder: files go to the object store, nothing outside', async () => {
  // Output keys never become paths (docs/s3.md), so a link in a legacy bucket folder leads nowhere.
  const outside = tempDir('osprey-outside-');
  try {
    mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
    symlinkSync(outside, join(server.dataDir, 'buckets', 'out', 'escape'));
    const lines = images().map((i) => classLine(i.ref, i.c));
    // A testing set whose labels the training set lacks: validation fails and its result files are written.
    const other = images().map((i) => classLine(i.ref, `other-${i.c}`));
    for (const prefix of ['escape', 'escape/deeper']) {
      const { v } = await train(lines, other, prefix);
      assert.equal(v.Status, 'TRAINING_FAILED', prefix);
      assert.ok((await storedKeys(server.dataDir, 'out', `${prefix}/`)).some((k) => k.includes('ManifestWithValidation')), `${prefix}: result files stored`);
      assert.deepEqual(readdirSync(outside), [], `nothing lands outside the data directory (${prefix})`);
    }
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('request mistakes are 4xx errors', async () => {
  const p = cli(server, ['create-project', '--project-name', 'bad-requests']).ProjectArn;
  const create = (...args: string[]) => aws(server.url, ['create-project-version', '--project-arn', p, '--version-name', 'v', ...args]).stderr;
  assert.match(create('--output-config', 'S3KeyPrefix=x'), /InvalidParameterException/);
  assert.match(create('--output-config', 'S3Bucket=out'), /InvalidParameterException.*TrainingData/);
  assert.match(create('--output-config', 'S3Bucket=out', '--training-data', asset('all.manifest')), /InvalidParameterException.*TestingData/);
  assert.match(create('--output-config', 'S3Bucket=out,S3KeyPrefix=../up', '--training-data', asset('all.manifest'), '--testing-data', 'AutoCreate=true'), /InvalidParameterException/);
  assert.match(create('--output-config', 'S3Bucket=out', '--training-data', asset('all.manifest'), '--testing-data', 'AutoCreate=true', '--kms-key-id', 'alias/nope'), /An error occurred \((?!InternalServerError)\w+\)/);
  const ds = cli(server, ['create-dataset', '--project-arn', p, '--dataset-type', 'TRAIN']).DatasetArn;
  assert.match(create('--output-config', 'S3Bucket=out', '--training-data', asset('all.manifest'), '--testing-data', 'AutoCreate=true'), /InvalidParameterException.*datasets/);
  assert.match(create('--output-config', 'S3Bucket=out'), /InvalidParameterException.*TEST dataset/);
  cli(server, ['delete-dataset', '--dataset-arn', ds]);
  assert.match(aws(server.url, ['create-project-version', '--project-arn', p.replace(/\d+$/, '1'), '--version-name', 'v', '--output-config', 'S3Bucket=out']).stderr, /ResourceNotFoundException/);
});
