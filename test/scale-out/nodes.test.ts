// Three Osprey nodes on one machine: one PostgreSQL database, one S3 service (moto_server: objects and
// model blobs), one master key; each node has a data folder of its own (nothing is shared through it). Node 1 starts alone with a long training, is killed with SIGKILL mid-epoch,
// and nodes 2 and 3 take its job over once its lease expires; the version still ends COMPLETED.
// Then: reads through another node at once, a cross-account copy through node 3, a fourth node joins,
// a model started with 2 units is placed on two of the three live nodes and served identically
// through every node (the third forwards), a holder is killed with SIGKILL and detection keeps
// working while its unit moves to the third node; stop removes every placement.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { writeSampleDataset } from '../../src/ml/sample-dataset.js';
import { ACCOUNT_B, aws, awsS3, boto3, makeBucket } from '../helpers/clients.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';
import { S3_TEST_KEYS, skipWithoutS3, startMoto, type S3Service } from '../helpers/s3.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tempDir } from '../helpers/tmp.js';
import { BUCKET, cli, datasetStatus, manifestSource, until, versionDone } from '../training/fixtures.js';

// Long enough that a node whose event loop a training epoch holds on this shared 2-core machine keeps its lease.
const LEASE_SECONDS = 10;
let db: TestDatabase;
let s3: S3Service;
/** The sample images and manifests, uploaded into the bucket with `aws s3 sync`. */
let sampleDir: string;
const skip = skipWithoutPostgres || skipWithoutS3;
const nodes: TestServer[] = [];
const masterKey = randomBytes(32).toString('base64');

function node(epochs: number): Promise<TestServer> {
  return startServer({
    dataDir: tempDir('osprey-node-'),
    env: {
      ...S3_TEST_KEYS, OSPREY_S3_ENDPOINT_URL: s3.url, OSPREY_DATABASE_URL: db.url, OSPREY_MASTER_KEY: masterKey, OSPREY_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
      OSPREY_TRAINING_EPOCHS: String(epochs), OSPREY_TRAINING_MAX_ATTEMPTS: '5', OSPREY_LOG_LEVEL: 'info',
    },
  });
}

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  s3 = await startMoto(); // a private service: the bucket names below are fixed, and S3's are global
  sampleDir = mkdtempSync(join(tmpdir(), 'osprey-nodes-sample-'));
  await writeSampleDataset({ out: sampleDir, bucket: BUCKET, count: 60, seed: 11 });
});

after(async () => {
  for (const n of nodes) await n.stop().catch(() => undefined);
  await db?.drop();
  await s3?.stop();
  for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true });
  if (sampleDir) rmSync(sampleDir, { recursive: true, force: true });
});

test('three nodes on one PostgreSQL: reads, training hand-over after kill -9, copy, hosting', { skip, timeout: 900_000 }, async () => {
  const n1 = await node(500);
  nodes.push(n1);
  // The images go in as a user puts them: through Osprey's S3 API, into the S3 service behind it.
  makeBucket(n1.url, BUCKET);
  const sync = awsS3(n1.url, ['s3', 'sync', sampleDir, `s3://${BUCKET}/`]);
  assert.equal(sync.code, 0, sync.stderr);
  makeBucket(n1.url, 'out-b', ACCOUNT_B);
  const p = cli(n1, ['create-project', '--project-name', 'scale']).ProjectArn as string;
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
    const arn = cli(n1, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    assert.match((await datasetStatus(n1, arn)).Status, /COMPLETE/);
  }
  makeBucket(n1.url, 'results');
  cli(n1, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--output-config', 'S3Bucket=results']);
  await until(() => {
    const v = cli(n1, ['describe-project-versions', '--project-arn', p, '--version-names', 'v1']).ProjectVersionDescriptions[0];
    return v.StatusMessage?.startsWith('Training: epoch') ? v : undefined;
  }, 'a training epoch on node 1');

  const [n2, n3] = await Promise.all([node(2), node(2)]);
  nodes.push(n2, n3);
  // A project created through node 1 is read through node 2 at once.
  const q = cli(n1, ['create-project', '--project-name', 'seen-everywhere']).ProjectArn;
  assert.deepEqual(cli(n2, ['describe-projects', '--project-names', 'seen-everywhere']).ProjectDescriptions.map((d: { ProjectArn: string }) => d.ProjectArn), [q]);

  await n1.kill();
  const v1 = await versionDone(n2, p, 'v1');
  assert.equal(v1.Status, 'TRAINING_COMPLETED', v1.StatusMessage);
  // The bytes live in the S3 service itself: the uploaded images and the trained model's blob.
  const inS3 = (bucket: string) => awsS3(s3.url, ['s3api', 'list-objects-v2', '--bucket', bucket]).json?.Contents?.length ?? 0;
  assert.ok(inS3(BUCKET) >= 60, 'the images are objects in the S3 service');
  assert.ok(inS3('osprey-models') >= 1, 'the model blob is in the model bucket');
  const takenOver = n2.log().includes('job resumed after its runner stopped') || n3.log().includes('job resumed after its runner stopped');
  assert.ok(takenOver, 'node 2 or node 3 took the training over');

  // Cross-account copy through node 3, allowed by a project policy put through node 2.
  const dest = aws(n3.url, ['create-project', '--project-name', 'dest-b'], ACCOUNT_B).json.ProjectArn as string;
  const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'rekognition:CopyProjectVersion', Resource: `${p.replace(/\/\d+$/, '')}/version/*` }] };
  assert.equal(aws(n2.url, ['put-project-policy', '--project-arn', p, '--policy-name', 'share', '--policy-document', JSON.stringify(allow)]).code, 0);
  const copied = boto3(n3.url, `out = rek.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='c1', OutputConfig={'S3Bucket': 'out-b'})['ProjectVersionArn']`,
    ACCOUNT_B, { src: p, ver: v1.ProjectVersionArn, dst: dest });
  assert.match(copied, /:444455556666:project\/dest-b\/version\/c1\//);
  const c1 = await until(() => {
    const v = aws(n2.url, ['describe-project-versions', '--project-arn', dest, '--version-names', 'c1'], ACCOUNT_B).json.ProjectVersionDescriptions[0];
    return v.Status !== 'COPYING_IN_PROGRESS' ? v : undefined;
  }, 'the copy');
  assert.equal(c1.Status, 'COPYING_COMPLETED', c1.StatusMessage);

  // A third live node joins (node 1 is dead): units are placed on two of the three.
  const n4 = await node(2);
  nodes.push(n4);
  const live = [n2, n3, n4];
  const arn = v1.ProjectVersionArn as string;
  cli(n2, ['start-project-version', '--project-version-arn', arn, '--min-inference-units', '2']);
  await until(() => cli(n3, ['describe-project-versions', '--project-arn', p, '--version-names', 'v1']).ProjectVersionDescriptions[0].Status === 'RUNNING' || undefined, 'RUNNING');
  const placed = await placements(arn);
  assert.equal(placed.length, 2);
  assert.ok(placed.every((r) => r.ready), JSON.stringify(placed));
  const holderIds = placed.map((r) => r.node_id);
  assert.equal(new Set(holderIds).size, 2, `two units, two nodes: ${holderIds}`);
  const byId = (id: string) => live.find((n) => id.endsWith(`:${n.port}`));
  const holders = holderIds.map((id) => byId(id)!);
  assert.ok(holders.every(Boolean), `units on live nodes only: ${holderIds}`);
  const idle = live.find((n) => !holders.includes(n))!;

  // DetectCustomLabels through every node gives the same answer; the node without a unit forwards
  // (it never loads the model itself).
  const detect = (n: TestServer) => boto3(n.url, `out = [rek.detect_custom_labels(ProjectVersionArn=V['arn'], Image={'S3Object': {'Bucket': V['bucket'], 'Name': n}}, MinConfidence=0)['CustomLabels'] for n in V['names']]`,
    undefined, { arn, bucket: BUCKET, names: sampleImages() });
  const answers = live.map(detect);
  assert.ok(Array.isArray(answers[0]) && answers[0].length >= 2 && answers[0][0].length > 0, JSON.stringify(answers[0]).slice(0, 300));
  for (const a of answers.slice(1)) assert.deepEqual(a, answers[0]);
  assert.ok(!idle.log().includes('inference units loaded'), 'the node without a unit did not load the model');
  // The node-to-node route is no back door: unsigned, it refuses before running anything.
  for (const n of holders) {
    const r = await fetch(`${n.url}/_osprey/node/infer`, { method: 'POST', headers: { 'x-osprey-version-arn': arn, 'x-osprey-node-date': String(Date.now()) }, body: 'x' });
    assert.equal(r.status, 403);
  }

  // Kill (SIGKILL) a node that holds a unit: detection through every survivor keeps working at once.
  const [victim, survivor] = holders;
  await victim.kill();
  const killedAt = Date.now();
  const survivors = live.filter((n) => n !== victim);
  for (const n of survivors) assert.deepEqual(detect(n), answers[0]);
  const during = cli(survivor, ['describe-project-versions', '--project-arn', p, '--version-names', 'v1']).ProjectVersionDescriptions[0];
  assert.equal(during.Status, 'RUNNING');
  assert.equal(during.MinInferenceUnits, 2);

  // The dead node's unit moves to the node that had none, once, and is loaded there.
  const moved = await until(async () => {
    const rows = await placements(arn);
    return rows.length === 2 && rows.every((r) => r.ready) && !rows.some((r) => r.node_id === holderIds[0]) ? rows : undefined;
  }, 'the unit re-placed', 60_000);
  assert.deepEqual(moved.map((r) => r.node_id).sort(), [holderIds[1], `${holderIds[1].split(':')[0]}:${idle.port}`].sort());
  console.log(`unit re-placed and loaded ${Date.now() - killedAt} ms after SIGKILL`);
  assert.equal(survivors.map((n) => n.log()).join('').split('inference units re-placed from a dead node').length - 1, 1, 'one node moved it');
  assert.ok(idle.log().includes('inference units loaded'));
  for (const n of survivors) assert.deepEqual(detect(n), answers[0]);
  const settled = await until(() => {
    const v = cli(idle, ['describe-project-versions', '--project-arn', p, '--version-names', 'v1']).ProjectVersionDescriptions[0];
    return v.StatusMessage === 'The model is running.' ? v : undefined;
  }, 'the status message back to running', 30_000);
  assert.equal(settled.Status, 'RUNNING');
  assert.equal(settled.MinInferenceUnits, 2);

  // Stop through the node without the original units: every placement goes, every node unloads.
  cli(idle, ['stop-project-version', '--project-version-arn', arn]);
  await until(() => cli(survivor, ['describe-project-versions', '--project-arn', p, '--version-names', 'v1']).ProjectVersionDescriptions[0].Status === 'STOPPED' || undefined, 'STOPPED', 60_000);
  assert.deepEqual(await placements(arn), []);
});

async function placements(arn: string): Promise<{ unit: number; node_id: string; ready: boolean }[]> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query('SELECT unit, node_id, ready FROM placements WHERE version_arn = $1 ORDER BY unit', [arn])).rows;
  } finally {
    await c.end();
  }
}

function sampleImages(): string[] {
  const dir = sampleDir;
  const out: string[] = [];
  for (const sub of readdirSync(dir, { withFileTypes: true })) {
    if (!sub.isDirectory()) continue;
    const f = readdirSync(join(dir, sub.name)).find((n) => /\.(png|jpg)$/.test(n));
    if (f) out.push(`${sub.name}/${f}`);
    if (out.length === 3) break;
  }
  return out;
}
