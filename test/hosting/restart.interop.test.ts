// Hosting across process death: RUNNING models come back RUNNING and answer after a kill -9;
// versions a dead process left STARTING or STOPPING are finished on boot; unloadable artifacts end FAILED.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ACCOUNT_A, aws, boto3 } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BUCKET, sampleModel, seedVersion, type SampleModel, type Seeded } from './fixtures.js';
import { waitStatus } from './util.js';
import { tempDir } from '../helpers/tmp.js';

let dataDir: string;
let server: TestServer;
let sample: SampleModel;
const v: Record<string, Seeded> = {};

before(async () => {
  sample = await sampleModel();
  dataDir = tempDir('osprey-hosting-restart-');
  v.main = await seedVersion(dataDir, sample, { version: 'main' });
  // As a process that died mid-start or mid-stop would have left them.
  v.starting = await seedVersion(dataDir, sample, { version: 'starting', status: 'STARTING', detail: { minInferenceUnits: 1 } });
  v.stopping = await seedVersion(dataDir, sample, { version: 'stopping', status: 'STOPPING', detail: { minInferenceUnits: 1 } });
  v.corrupt = await seedVersion(dataDir, sample, { version: 'corrupt' });
  v.garbage = await seedVersion(dataDir, sample, { version: 'garbage', model: randomBytes(5000) });
  const blob = join(dataDir, 'blobs', v.corrupt.modelSha256.slice(0, 2), v.corrupt.modelSha256);
  const bytes = readFileSync(blob);
  bytes[bytes.length >> 1] ^= 0xff;
  writeFileSync(blob, bytes);
  server = await startServer({ dataDir });
});
after(async () => { await server.stop(); server.cleanup(); });

const describe = (s: Seeded, until: string[]) => waitStatus(server.url, s.projectArn, s.versionArn, until, 60_000);

function detect(arn: string) {
  return boto3(server.url, `out = [rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': n}}, MinConfidence=0)['CustomLabels'] for n in V['names']]`,
    ACCOUNT_A, { arn, bucket: BUCKET, names: sample.images.filter((i) => i.split === 'test').slice(0, 8).map((i) => i.path) });
}

test('on boot, a version left STARTING finishes starting and one left STOPPING finishes stopping', async () => {
  const started = await describe(v.starting, ['RUNNING', 'FAILED']);
  assert.equal(started.Status, 'RUNNING', started.StatusMessage);
  assert.equal(detect(v.starting.versionArn).length, 8);
  const stopped = await describe(v.stopping, ['STOPPED']);
  assert.equal(stopped.MinInferenceUnits, undefined);
});

test('a corrupt or undecryptable artifact ends the start FAILED with a StatusMessage (the boto3 waiter fails)', async () => {
  const r = boto3(server.url, `
out = {}
rek.start_project_version(ProjectVersionArn=V['arn'], MinInferenceUnits=1)
try:
    rek.get_waiter('project_version_running').wait(ProjectArn=V['project'], VersionNames=['corrupt'], WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
    out['waiter'] = 'succeeded'
except botocore.exceptions.WaiterError as e:
    out['waiter'] = 'failed'
d = rek.describe_project_versions(ProjectArn=V['project'], VersionNames=['corrupt'])['ProjectVersionDescriptions'][0]
out['status'] = d['Status']
out['message'] = d.get('StatusMessage')`, ACCOUNT_A, { arn: v.corrupt.versionArn, project: v.corrupt.projectArn });
  assert.equal(r.waiter, 'failed');
  assert.equal(r.status, 'FAILED');
  assert.match(r.message, /could not be read or decrypted/);

  assert.equal(aws(server.url, ['start-project-version', '--project-version-arn', v.garbage.versionArn, '--min-inference-units', '1']).code, 0);
  const g = await describe(v.garbage, ['FAILED', 'RUNNING']);
  assert.equal(g.Status, 'FAILED');
  assert.match(g.StatusMessage ?? '', /not a valid model/);
  // FAILED may be started again (and fails again, for the same reason).
  assert.equal(aws(server.url, ['start-project-version', '--project-version-arn', v.garbage.versionArn, '--min-inference-units', '1']).json.Status, 'STARTING');
  assert.equal((await describe(v.garbage, ['FAILED', 'RUNNING'])).Status, 'FAILED');
});

test('kill -9 while RUNNING: after restart the model is RUNNING again and answers the same', async () => {
  assert.equal(aws(server.url, ['start-project-version', '--project-version-arn', v.main.versionArn, '--min-inference-units', '1']).code, 0);
  assert.equal((await describe(v.main, ['RUNNING', 'FAILED'])).Status, 'RUNNING');
  const before = detect(v.main.versionArn);
  await server.kill();
  server = await startServer({ dataDir });
  // Straight after boot: still RUNNING, and a detect waits for the units to load instead of failing.
  const d = await describe(v.main, ['RUNNING', 'FAILED', 'STOPPED']);
  assert.equal(d.Status, 'RUNNING');
  assert.equal(d.MinInferenceUnits, 1);
  assert.deepEqual(detect(v.main.versionArn), before);
  assert.match(server.log(), /"restoring hosted model"/);
});
