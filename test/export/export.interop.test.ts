// ExportProjectVersion (Osprey extension) and `osprey export-model`: the exported TensorFlow.js model, run by
// its own predict.mjs with plain tfjs, gives the predictions the running server gives through DetectCustomLabels;
// strict mode needs an explicitly named rekognition:ExportProjectVersion and kms:Decrypt on the model's key.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boto3, type Creds } from '../helpers/clients.js';
import { REPO } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { seededServer, waitStatus, type Fixture } from '../hosting/util.js';
import { seedVersion } from '../hosting/fixtures.js';
import { projectOf } from '../copy/util.js';

const A = '111122223333';
const user = (name: string, policy?: unknown) => ({
  accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`, secretAccessKey: `${name}-secret`, accountId: A,
  principalArn: `arn:aws:iam::${A}:user/${name}`, ...(policy ? { policy } : {}),
});
const allow = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const ADMIN = user('admin');                                        // no policy: account administrator
const WILDCARD = user('wildcard', allow('rekognition:*'));           // everything but explicit-only actions
const EXPORTER = user('exporter', { Version: '2012-10-17', Statement: [
  { Effect: 'Allow', Action: ['rekognition:ExportProjectVersion', 'rekognition:DescribeProjectVersions'], Resource: '*' },
] });
const OTHER = { ...user('other'), accountId: '444455556666', principalArn: 'arn:aws:iam::444455556666:user/other' };
const ADMIN_ONLY_KEY = '7d2c1b9a-3e4f-4a5b-8c6d-9e0f1a2b3c4d';

let fx: Fixture;
let work: string;
const creds = (c: typeof ADMIN): Creds => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey });

before(async () => {
  fx = await seededServer({
    args: ['--auth', 'strict'],
    config: {
      credentials: [ADMIN, WILDCARD, EXPORTER, OTHER],
      keys: [{ keyId: ADMIN_ONLY_KEY, accountId: A, policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ADMIN.principalArn }, Action: 'kms:*', Resource: '*' }] } }],
    },
  });
  work = tempDir('osprey-export-');
  // The exported predict.mjs imports @tensorflow/tfjs and sharp: let it find the repository's node_modules.
  symlinkSync(join(REPO, 'node_modules'), join(work, 'node_modules'));
});
after(async () => { await fx.server.stop(); fx.server.cleanup(); rmSync(work, { recursive: true, force: true }); });

function exportModel(c: typeof ADMIN, arn: string, dir: string) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'osprey.js'), 'export-model', '--endpoint-url', fx.server.url, '--project-version-arn', arn, '--output-dir', dir], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const errorCode = (stderr: string) => /An error occurred \((\w+)\)/.exec(stderr)?.[1];

test('an exported model reproduces the served DetectCustomLabels answers with plain tfjs', async () => {
  const dir = join(work, 'model');
  const r = exportModel(ADMIN, fx.seeded.versionArn, dir);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['README.md', 'model.json', 'osprey-model.json', 'predict.mjs', 'weights.bin']);
  assert.deepEqual(readdirSync(work).filter((f) => f.startsWith('.')), [], 'no temporary folder left');
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  assert.equal(modelJson.format, 'layers-model');
  const meta = JSON.parse(readFileSync(join(dir, 'osprey-model.json'), 'utf8'));
  assert.deepEqual(meta.labels, ['circle', 'square', 'triangle', 'stripes']);
  assert.equal(meta.assumedThresholds.length, 4);

  // The served answers: start the version and ask DetectCustomLabels for every label (MinConfidence 0) and with
  // the default filter (each label's assumed threshold).
  boto3(fx.server.url, `out = rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)`, creds(ADMIN), { arn: fx.seeded.versionArn });
  await waitStatus(fx.server.url, fx.seeded.projectArn, fx.seeded.versionArn, ['RUNNING'], 120_000, creds(ADMIN));
  const images = fx.sample.images.filter((i) => i.split === 'test').filter((_, i) => i % 16 === 0).slice(0, 4);
  assert.equal(images.length, 4);
  const served = boto3(fx.server.url, `
import base64
out = []
for b in V['images']:
    img = {'Bytes': base64.b64decode(b)}
    out.append({'all': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img, MinConfidence=0)['CustomLabels'],
                'default': rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image=img)['CustomLabels']})`,
  creds(ADMIN), { arn: fx.seeded.versionArn, images: images.map((i) => i.bytes.toString('base64')) });

  // The example as a library (one process for every image), then once as the command it is.
  const files = images.map((img, k) => {
    const file = join(work, `img${k}.${img.format === 'png' ? 'png' : 'jpg'}`);
    writeFileSync(file, img.bytes);
    return file;
  });
  const driver = `import { readFileSync } from 'node:fs';
import { loadModel, classify, customLabels } from './predict.mjs';
const model = await loadModel();
const out = [];
for (const f of ${JSON.stringify(files)}) {
  const conf = await classify(model, readFileSync(f));
  out.push({ all: customLabels(conf, { minConfidence: 0 }), default: customLabels(conf) });
}
console.log(JSON.stringify(out));`;
  writeFileSync(join(dir, 'driver.mjs'), driver);
  const p = spawnSync(process.execPath, [join(dir, 'driver.mjs')], { encoding: 'utf8', cwd: dir });
  assert.equal(p.status, 0, p.stderr);
  const local = JSON.parse(p.stdout.trim().split('\n').pop()!) as { all: { Name: string; Confidence: number }[]; default: { Name: string }[] }[];
  images.forEach((_, k) => {
    assert.deepEqual(local[k]!.all.map((l) => l.Name), served[k].all.map((l: { Name: string }) => l.Name), `image ${k}: label order`);
    local[k]!.all.forEach((l, j) => assert.ok(Math.abs(l.Confidence - served[k].all[j].Confidence) < 1e-3, `image ${k} ${l.Name}: ${l.Confidence} vs ${served[k].all[j].Confidence}`));
    assert.deepEqual(local[k]!.default.map((l) => l.Name), served[k].default.map((l: { Name: string }) => l.Name), `image ${k}: thresholded labels`);
  });
  const cli = spawnSync(process.execPath, [join(dir, 'predict.mjs'), files[0]!, '--max-results', '1'], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const top = JSON.parse(cli.stdout.trim().split('\n').pop()!).CustomLabels;
  assert.deepEqual(top.map((l: { Name: string }) => l.Name), served[0].default.slice(0, 1).map((l: { Name: string }) => l.Name));
  // The model really classifies (a broken export of an untrained model would not): the top label is right.
  const right = images.filter((img, k) => served[k].all[0].Name === img.className).length;
  assert.ok(right >= 3, `top label right on ${right}/4`);
});

test('strict mode: rekognition:* does not grant the export; a named action does; other accounts are refused', () => {
  const wild = exportModel(WILDCARD, fx.seeded.versionArn, join(work, 'wild'));
  assert.notEqual(wild.code, 0);
  assert.equal(errorCode(wild.stderr), 'AccessDeniedException', wild.stderr);
  assert.match(wild.stderr, /not authorized to perform: rekognition:ExportProjectVersion/);
  assert.equal(existsSync(join(work, 'wild')), false, 'nothing written on a refusal');
  // The wildcard user may still do everything else.
  assert.equal(boto3(fx.server.url, `out = len(rek.describe_projects()['ProjectDescriptions'])`, creds(WILDCARD)), 1);

  const named = exportModel(EXPORTER, fx.seeded.versionArn, join(work, 'named'));
  assert.equal(named.code, 0, named.stderr);
  assert.deepEqual(readFileSync(join(work, 'named', 'weights.bin')), readFileSync(join(work, 'model', 'weights.bin')));

  const other = exportModel(OTHER, fx.seeded.versionArn, join(work, 'other'));
  assert.equal(errorCode(other.stderr), 'AccessDeniedException', other.stderr);
});

test('kms:Decrypt on the model key is required; bad ARNs, unknown versions and a non-empty folder are refused', async () => {
  // A copy of the model under a key only the administrator may use.
  const { name } = projectOf(fx.seeded.versionArn);
  const copy = boto3(fx.server.url, `
out = rek.copy_project_version(SourceProjectArn=V['p'], SourceProjectVersionArn=V['v'], DestinationProjectArn=V['p'], VersionName='sealed', OutputConfig={'S3Bucket': 'hosting-output'}, KmsKeyId=V['k'])['ProjectVersionArn']`,
  creds(ADMIN), { p: fx.seeded.projectArn, v: fx.seeded.versionArn, k: ADMIN_ONLY_KEY });
  assert.equal(typeof copy, 'string', JSON.stringify(copy));
  const d = await waitStatus(fx.server.url, fx.seeded.projectArn, copy, ['COPYING_COMPLETED', 'COPYING_FAILED'], 60_000, creds(ADMIN));
  assert.equal(d.Status, 'COPYING_COMPLETED', JSON.stringify(d));
  const denied = exportModel(EXPORTER, copy, join(work, 'sealed-exporter'));
  assert.equal(errorCode(denied.stderr), 'AccessDeniedException', denied.stderr);
  assert.match(denied.stderr, /kms:Decrypt/);
  const ok = exportModel(ADMIN, copy, join(work, 'sealed-admin'));
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(readFileSync(join(work, 'sealed-admin', 'weights.bin')), readFileSync(join(work, 'model', 'weights.bin')));

  const missing = fx.seeded.versionArn.replace(/\/\d+$/, '/1');
  assert.equal(errorCode(exportModel(ADMIN, missing, join(work, 'missing')).stderr), 'ResourceNotFoundException');
  const bad = exportModel(ADMIN, `arn:aws:rekognition:us-east-1:${A}:project/${name}/1`, join(work, 'bad'));
  assert.equal(errorCode(bad.stderr), 'ValidationException', bad.stderr);
  mkdirSync(join(work, 'full'));
  writeFileSync(join(work, 'full', 'keep.txt'), 'x');
  const full = exportModel(ADMIN, fx.seeded.versionArn, join(work, 'full'));
  assert.equal(full.code, 252);
  assert.match(full.stderr, /exists and is not empty/);
  assert.deepEqual(readdirSync(join(work, 'full')), ['keep.txt']);
});

test('a version without a trained model (training failed) is ResourceNotReadyException', async () => {
  const failed = await seedVersion(fx.server.dataDir, fx.sample, { version: 'failed', status: 'TRAINING_FAILED' });
  const r = exportModel(ADMIN, failed.versionArn, join(work, 'failed'));
  assert.equal(errorCode(r.stderr), 'ResourceNotReadyException', r.stderr);
  assert.equal(existsSync(join(work, 'failed')), false);
});
