// The training option `backbone: mobilenet-v2` (docs/training.md) end to end: a server configured with it trains the
// sample data set through the API on the pretrained MobileNetV2, and the exported model holds the backbone's layers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { boto3, makeBucket } from '../helpers/clients.js';
import { REPO, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { backboneFor, trainingOptions } from '../../src/domain/versions/training/options.js';
import { BUCKET, sampleServer } from './fixtures.js';

let server: TestServer;
before(async () => {
  server = await sampleServer({ count: 80, epochs: 10, env: { OSPREY_TRAINING_BACKBONE: 'mobilenet-v2', OSPREY_TRAINING_INPUT_SIZE: '96' } });
  makeBucket(server.url, 'out');
});
after(async () => { await server.stop(); server.cleanup(); });

test('unknown backbone or variant values are refused with a clear message', () => {
  assert.throws(() => trainingOptions({ backbone: 'resnet' }, {}), /training\.backbone must be one of none, mobilenet-v2, got resnet/);
  assert.throws(() => trainingOptions({}, { OSPREY_TRAINING_TRANSFER_VARIANT: 'half' }), /training\.transferVariant must be one of frozen, fine-tuned/);
  assert.equal(trainingOptions({}, {}).backbone, undefined);
  // Unset: detection trains on the backbone, classification from scratch; a set value holds for both.
  assert.equal(backboneFor(trainingOptions({}, {}), 'detection'), 'mobilenet-v2');
  assert.equal(backboneFor(trainingOptions({}, {}), 'classification'), 'none');
  assert.equal(backboneFor(trainingOptions({}, { OSPREY_TRAINING_BACKBONE: 'none' }), 'detection'), 'none');
  assert.equal(backboneFor(trainingOptions({ backbone: 'mobilenet-v2' }, {}), 'classification'), 'mobilenet-v2');
});

test('CreateProjectVersion trains on the pretrained backbone when configured; the model exports with it', () => {
  const r = boto3(server.url, `
p = rek.create_project(ProjectName='shapes')['ProjectArn']
m = lambda k: {'Assets': [{'GroundTruthManifest': {'S3Object': {'Bucket': V['bucket'], 'Name': k}}}]}
v = rek.create_project_version(ProjectArn=p, VersionName='v1', OutputConfig={'S3Bucket': 'out'}, TrainingData=m('train.manifest'), TestingData=m('test.manifest'))['ProjectVersionArn']
rek.get_waiter('project_version_training_completed').wait(ProjectArn=p, VersionNames=['v1'], WaiterConfig={'Delay': 2, 'MaxAttempts': 300})
d = rek.describe_project_versions(ProjectArn=p, VersionNames=['v1'])['ProjectVersionDescriptions'][0]
out = {'version': v, 'status': d['Status'], 'message': d.get('StatusMessage'), 'f1': d.get('EvaluationResult', {}).get('F1Score')}`, undefined, { bucket: BUCKET });
  assert.equal(r.status, 'TRAINING_COMPLETED', JSON.stringify(r));
  // Four shape classes, 16 test images: chance is about 0.25 macro F1.
  assert.ok(r.f1 > 0.5, `F1 ${r.f1}`);

  const dir = join(tempDir('osprey-backbone-'), 'model');
  {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '111122223333', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const e = spawnSync(process.execPath, [join(REPO, 'bin', 'osprey.js'), 'export-model', '--endpoint-url', server.url, '--project-version-arn', r.version, '--output-dir', dir], { env, encoding: 'utf8' });
    assert.equal(e.status, 0, e.stderr);
    const topology = readFileSync(join(dir, 'model.json'), 'utf8');
    assert.match(topology, /block_16_project_BN/, 'the exported graph holds the pretrained backbone');
    const meta = JSON.parse(readFileSync(join(dir, 'osprey-model.json'), 'utf8'));
    assert.equal(meta.inputSize, 96);
    assert.equal(meta.preprocessing.standardize, null);
  }
});
