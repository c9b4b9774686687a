// Issue 12 benchmark, across Osprey nodes on one PostgreSQL database beside one embedded (SQLite) node,
// all in the same run, requests spread round-robin over the nodes (as a load balancer would):
//   (the nodes: one PostgreSQL database + one S3 service, moto_server, for objects and model blobs)
//   describe  DescribeProjects (a page of 10) throughput and p99 for 1, 2 and 3 nodes;
//   detect    DetectCustomLabels (one 640×480 JPEG as Image.Bytes) throughput and p99 for 1, 2 and 3
//             nodes, a model started with 2 inference units after the nodes joined (placed on 2 nodes;
//             the 3rd forwards), then the unit hand-over: SIGKILL of a holder until its unit is loaded
//             on another node;
//   handover  a training job on a node killed with SIGKILL: time until the job runs on another node
//             (its status message changes) and until the version is TRAINING_COMPLETED;
//   copy      CopyProjectVersion latency on S3 for model blobs of --copy-mb sizes (bench/s3-copy.ts;
//             needs moto_server).
// Needs OSPREY_TEST_DATABASE_URL (scripts/pg-cluster.sh start DIR) and the build (dist/). On a small
// machine the nodes share the cores: read the ratios, not the absolute figures. Prints its run time.
// Usage: npx tsx bench/scale-out.ts [--seconds 5] [--connections 32] [--detect-connections 8]
//          [--projects 1000] [--lease-seconds 10] [--copy-mb 1,100,1000] [--only describe,detect,handover,copy]
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';
import { makeBucket } from '../test/helpers/clients.js';
import { ACCOUNT as MODEL_ACCOUNT, largeJpeg, sampleModel, seedVersion } from '../test/hosting/fixtures.js';
import { writeSampleDataset } from '../src/ml/sample-dataset.js';
import { seedPostgresVersion } from './seed-postgres.js';
import { s3CopySection } from './s3-copy.js';
import { S3_TEST_KEYS, startMoto } from '../test/helpers/s3.js';
import { s3Client } from '../src/storage/s3/client.js';
import { S3BlobStore } from '../src/storage/s3/blobs.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const only = (() => { const i = args.indexOf('--only'); return new Set((i >= 0 ? args[i + 1] : 'describe,detect,handover,copy').split(',')); })();
const SECONDS = opt('seconds', 5);
const CONNECTIONS = opt('connections', 32);
const DETECT_CONNECTIONS = opt('detect-connections', 8);
const PROJECTS = opt('projects', 1000);
const LEASE_SECONDS = opt('lease-seconds', 10);
const ACCOUNT = '123412341234';
const started = performance.now();
const headers = (target: string, account: string) => ({
  'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${target}`,
  authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261125/us-east-1/rekognition/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  'x-amz-date': '20261125T000000Z',
});

const agent = new Agent({ keepAlive: true, maxSockets: Math.max(CONNECTIONS, DETECT_CONNECTIONS) });
function call(port: number, target: string, body: unknown, account = ACCOUNT): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: headers(target, account), agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}
async function ok(port: number, target: string, body: unknown, account = ACCOUNT): Promise<any> {
  const r = await call(port, target, body, account);
  if (r.status !== 200) throw new Error(`${target}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

interface Row { rps: number; p99: number; refused: number }
/** Closed-loop clients for SECONDS; a 4xx ProvisionedThroughputExceeded is counted, anything else not 200 fails. */
async function load(ports: number[], target: string, body: unknown, connections: number, account = ACCOUNT): Promise<Row> {
  const text = JSON.stringify(body);
  const end = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (Date.now() < end) {
      const port = ports[next++ % ports.length];
      const t = performance.now();
      const r = await call(port, target, text, account);
      if (r.status !== 200) {
        if (r.body.includes('ProvisionedThroughputExceeded')) { refused++; continue; }
        throw new Error(`${target}: ${r.status} ${r.body}`);
      }
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, refused };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(check: () => Promise<T | undefined>, what: string, limitMs = 300_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}
const describeVersion = async (port: number, projectArn: string, versionArn: string, account: string) =>
  (await ok(port, 'DescribeProjectVersions', { ProjectArn: projectArn, VersionNames: [/\/version\/([^/]+)\//.exec(versionArn)![1]] }, account)).ProjectVersionDescriptions[0];
async function waitStatus(port: number, projectArn: string, versionArn: string, status: string, account = MODEL_ACCOUNT): Promise<void> {
  await until(async () => ((await describeVersion(port, projectArn, versionArn, account)).Status === status ? true : undefined), status, 180_000);
}

async function seedProjects(port: number): Promise<void> {
  for (let i = 0; i < PROJECTS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, PROJECTS - i) }, (_, j) => call(port, 'CreateProject', { ProjectName: `p${i + j}` })));
  }
}

const print = (title: string, rows: [string, Row][]) => {
  const base = rows[0][1].rps;
  console.log(title);
  for (const [name, r] of rows) {
    console.log(`  ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99.toFixed(1).padStart(7)} ms  ×${(r.rps / base).toFixed(2)} of embedded${r.refused ? `  (${r.refused} refused: units saturated)` : ''}`);
  }
};

// ---- describe + detect: one embedded node, then 1, 2, 3 nodes on PostgreSQL ----------------------
async function nodesSection(): Promise<void> {
  const describe: [string, Row][] = [];
  const detect: [string, Row][] = [];
  const doDescribe = only.has('describe');
  const doDetect = only.has('detect');
  const sample = doDetect ? await sampleModel() : undefined;
  const jpeg = sample ? (await largeJpeg(sample)).toString('base64') : '';
  const startUnits = async (port: number, projectArn: string, versionArn: string) => {
    await ok(port, 'StartProjectVersion', { ProjectVersionArn: versionArn, MinInferenceUnits: 2 }, MODEL_ACCOUNT);
    await waitStatus(port, projectArn, versionArn, 'RUNNING');
  };
  const detectBody = (versionArn: string) => ({ ProjectVersionArn: versionArn, Image: { Bytes: jpeg } });

  const embeddedDir = mkdtempSync(join(tmpdir(), 'osprey-bench-embedded-'));
  const seededEmbedded = sample && await seedVersion(embeddedDir, sample);
  const embedded = await startServer({ dataDir: embeddedDir, env: { OSPREY_LOG_LEVEL: 'error' } });
  try {
    if (doDescribe) { await seedProjects(embedded.port); describe.push(['embedded (SQLite), 1 node', await load([embedded.port], 'DescribeProjects', { MaxResults: 10 }, CONNECTIONS)]); }
    if (seededEmbedded) {
      await startUnits(embedded.port, seededEmbedded.projectArn, seededEmbedded.versionArn);
      detect.push(['embedded (SQLite), 1 node', await load([embedded.port], 'DetectCustomLabels', detectBody(seededEmbedded.versionArn), DETECT_CONNECTIONS, MODEL_ACCOUNT)]);
    }
  } finally {
    await embedded.stop(); embedded.cleanup();
  }

  // The nodes: one PostgreSQL database and one S3 service (moto_server) for objects and model blobs,
  // each node a data folder of its own.
  const db = await createTestDatabase();
  const s3 = await startMoto();
  const masterKey = randomBytes(32).toString('base64');
  const env = {
    ...S3_TEST_KEYS, OSPREY_S3_ENDPOINT_URL: s3.url,
    OSPREY_DATABASE_URL: db.url, OSPREY_MASTER_KEY: masterKey, OSPREY_LOG_LEVEL: 'error', OSPREY_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
  };
  const nodes: TestServer[] = [];
  let handOver: { moved: number; served: number } | undefined;
  try {
    const blobs = new S3BlobStore(s3Client({ endpoint: s3.url, region: 'us-east-1', fallbackRegion: 'us-east-1', accessKeyId: S3_TEST_KEYS.OSPREY_S3_ACCESS_KEY_ID, secretAccessKey: S3_TEST_KEYS.OSPREY_S3_SECRET_ACCESS_KEY }), 'osprey-models');
    if (sample) await blobs.ensureBucket();
    const seeded = sample && await seedPostgresVersion(db.url, blobs, masterKey, sample);
    for (let n = 1; n <= 3; n++) {
      nodes.push(await startServer({ dataDir: mkdtempSync(join(tmpdir(), 'osprey-bench-node-')), env }));
      const ports = nodes.map((x) => x.port);
      const name = `PostgreSQL, ${n} node${n > 1 ? 's' : ''}`;
      if (doDescribe) {
        if (n === 1) await seedProjects(nodes[0].port);
        describe.push([name, await load(ports, 'DescribeProjects', { MaxResults: 10 }, CONNECTIONS)]);
      }
      if (seeded) {
        // Started after the nodes joined, so the 2 units are spread over the nodes there are.
        await startUnits(nodes[0].port, seeded.projectArn, seeded.versionArn);
        detect.push([name, await load(ports, 'DetectCustomLabels', detectBody(seeded.versionArn), DETECT_CONNECTIONS, MODEL_ACCOUNT)]);
        if (n < 3) {
          await ok(nodes[0].port, 'StopProjectVersion', { ProjectVersionArn: seeded.versionArn }, MODEL_ACCOUNT);
          await waitStatus(nodes[0].port, seeded.projectArn, seeded.versionArn, 'STOPPED');
        }
      }
    }
    if (seeded) handOver = await unitHandOver(db, nodes, seeded.versionArn, detectBody(seeded.versionArn));
  } finally {
    for (const n of nodes) { await n.stop(); rmSync(n.dataDir, { recursive: true, force: true }); }
    await db.drop();
    await s3.stop();
  }
  if (describe.length) print(`DescribeProjects, page of 10 of ${PROJECTS} projects, ${CONNECTIONS} connections, ${SECONDS} s each`, describe);
  if (detect.length) print(`DetectCustomLabels, 640x480 JPEG, model with 2 inference units, ${DETECT_CONNECTIONS} connections, ${SECONDS} s each`, detect);
  if (handOver) {
    console.log(`Inference unit hand-over after SIGKILL of a node holding a unit (heartbeat 2 s, dead after 6 s):`);
    console.log(`  re-placed and loaded on another node after ${(handOver.moved / 1000).toFixed(1)} s; DetectCustomLabels through the survivors never stopped (${handOver.served} requests answered meanwhile)`);
  }
}

/** Kills a node holding a unit; times until the unit is ready elsewhere, detecting through the survivors meanwhile. */
async function unitHandOver(db: TestDatabase, nodes: TestServer[], versionArn: string, body: unknown): Promise<{ moved: number; served: number }> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    const rows = async () => (await c.query<{ node_id: string; ready: boolean }>('SELECT node_id, ready FROM placements WHERE version_arn = $1', [versionArn])).rows;
    const holder = (await rows())[0].node_id;
    const victim = nodes.find((n) => holder.endsWith(`:${n.port}`))!;
    const survivors = nodes.filter((n) => n !== victim);
    await victim.kill();
    const t0 = performance.now();
    let served = 0;
    let done = false;
    const traffic = (async () => {
      while (!done) {
        const r = await call(survivors[served % survivors.length].port, 'DetectCustomLabels', body, MODEL_ACCOUNT);
        if (r.status !== 200) throw new Error(`DetectCustomLabels during the hand-over: ${r.status} ${r.body}`);
        served++;
      }
    })();
    await until(async () => {
      const r = await rows();
      return r.length === 2 && r.every((x) => x.ready && x.node_id !== holder) ? true : undefined;
    }, 'the unit re-placed', 120_000);
    const moved = performance.now() - t0;
    done = true;
    await traffic;
    return { moved, served };
  } finally {
    await c.end();
  }
}

// ---- handover: a training job on a node killed with SIGKILL --------------------------------------
async function jobHandOver(): Promise<void> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'osprey-bench-handover-'));
  const env = (epochs: number) => ({
    OSPREY_DATABASE_URL: db.url, OSPREY_MASTER_KEY: masterKey, OSPREY_LOG_LEVEL: 'error', OSPREY_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    OSPREY_TRAINING_EPOCHS: String(epochs), OSPREY_TRAINING_MAX_ATTEMPTS: '5',
  });
  const masterKey = randomBytes(32).toString('base64');
  const nodes: TestServer[] = [];
  try {
    await writeSampleDataset({ out: join(dataDir, 'buckets', 'imgs'), bucket: 'imgs', count: 60, seed: 11 });
    const a = await startServer({ dataDir, env: env(500) });
    nodes.push(a);
    makeBucket(a.url, 'results'); // owned by the aws CLI's default test account, MODEL_ACCOUNT
    const projectArn = (await ok(a.port, 'CreateProject', { ProjectName: 'handover' }, MODEL_ACCOUNT)).ProjectArn;
    for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
      const arn = (await ok(a.port, 'CreateDataset', { ProjectArn: projectArn, DatasetType: type, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'imgs', Name: name } } } }, MODEL_ACCOUNT)).DatasetArn;
      await until(async () => ((await ok(a.port, 'DescribeDataset', { DatasetArn: arn }, MODEL_ACCOUNT)).DatasetDescription.Status === 'CREATE_COMPLETE' ? true : undefined), 'the dataset');
    }
    const versionArn = (await ok(a.port, 'CreateProjectVersion', { ProjectArn: projectArn, VersionName: 'v1', OutputConfig: { S3Bucket: 'results' } }, MODEL_ACCOUNT)).ProjectVersionArn;
    await until(async () => ((await describeVersion(a.port, projectArn, versionArn, MODEL_ACCOUNT)).StatusMessage?.startsWith('Training: epoch') ? true : undefined), 'a training epoch on node A');
    const b = await startServer({ dataDir, env: env(2) });
    nodes.push(b);
    await a.kill();
    const t0 = performance.now();
    const last = (await describeVersion(b.port, projectArn, versionArn, MODEL_ACCOUNT)).StatusMessage;
    await until(async () => ((await describeVersion(b.port, projectArn, versionArn, MODEL_ACCOUNT)).StatusMessage !== last ? true : undefined), 'the job on node B');
    const running = performance.now() - t0;
    const final = await until(async () => { const v = await describeVersion(b.port, projectArn, versionArn, MODEL_ACCOUNT); return v.Status !== 'TRAINING_IN_PROGRESS' ? v : undefined; }, 'the version done');
    const completed = performance.now() - t0;
    console.log(`Training job hand-over after SIGKILL (job lease ${LEASE_SECONDS} s):`);
    console.log(`  running on another node after ${(running / 1000).toFixed(1)} s (×${(running / 1000 / LEASE_SECONDS).toFixed(2)} of the lease); ${final.Status} after ${(completed / 1000).toFixed(1)} s (2 epochs on the new node)`);
  } finally {
    for (const n of nodes) await n.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
if (only.has('describe') || only.has('detect')) await nodesSection();
if (only.has('handover')) await jobHandOver();
if (only.has('copy')) await s3CopySection((() => { const i = args.indexOf('--copy-mb'); return (i >= 0 ? args[i + 1] : '1,100,1000').split(',').map(Number); })());
agent.destroy();
console.log(`bench/scale-out.ts ran ${((performance.now() - started) / 1000).toFixed(0)} s; load average at end: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
