// Issue 12 benchmark: DescribeProjects throughput and p99 across 1, 2 and 3 Osprey nodes on one
// PostgreSQL database, beside one embedded (SQLite) node, in the same run, from an in-process Node client
// spreading requests round-robin over the nodes (as a load balancer would).
// (DetectCustomLabels, 1 GB copies on S3 and the job hand-over time are not measured yet; see docs/scale-out.md).
// Needs OSPREY_TEST_DATABASE_URL (scripts/pg-cluster.sh start DIR). On a small machine the nodes share the
// cores: read the ratios, not the absolute figures.
// Usage: npx tsx bench/scale-out.ts [--seconds 10] [--connections 32] [--projects 1000]
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type TestServer } from '../test/helpers/server.js';
import { createTestDatabase } from '../test/helpers/postgres.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const SECONDS = opt('seconds', 10);
const CONNECTIONS = opt('connections', 32);
const PROJECTS = opt('projects', 1000);
const ACCOUNT = '123412341234';
const headers = (target: string) => ({
  'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${target}`,
  authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20261125/us-east-1/rekognition/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  'x-amz-date': '20261125T000000Z',
});

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
function call(port: number, target: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: headers(target), agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function load(ports: number[]): Promise<{ rps: number; p99: number }> {
  const end = Date.now() + SECONDS * 1000;
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (Date.now() < end) {
      const port = ports[next++ % ports.length];
      const t = performance.now();
      const r = await call(port, 'DescribeProjects', { MaxResults: 10 });
      if (r.status !== 200) throw new Error(`DescribeProjects: ${r.status} ${r.body}`);
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p99: latencies[Math.floor(latencies.length * 0.99)] };
}

async function seed(port: number): Promise<void> {
  for (let i = 0; i < PROJECTS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, PROJECTS - i) }, (_, j) => call(port, 'CreateProject', { ProjectName: `p${i + j}` })));
  }
}

async function main(): Promise<void> {
  const rows: [string, { rps: number; p99: number }][] = [];
  const embedded = await startServer({ env: { OSPREY_LOG_LEVEL: 'error' } });
  await seed(embedded.port);
  rows.push(['embedded (SQLite), 1 node', await load([embedded.port])]);
  await embedded.stop(); embedded.cleanup();

  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'osprey-bench-nodes-'));
  const env = { OSPREY_DATABASE_URL: db.url, OSPREY_MASTER_KEY: randomBytes(32).toString('base64'), OSPREY_LOG_LEVEL: 'error', OSPREY_JOB_LEASE_SECONDS: '5' };
  const nodes: TestServer[] = [];
  try {
    for (let n = 1; n <= 3; n++) {
      nodes.push(await startServer({ dataDir, env }));
      if (n === 1) await seed(nodes[0].port);
      rows.push([`PostgreSQL, ${n} node${n > 1 ? 's' : ''}`, await load(nodes.map((x) => x.port))]);
    }
  } finally {
    for (const n of nodes) await n.stop();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const base = rows[0][1].rps;
  console.log(`DescribeProjects, page of 10 of ${PROJECTS} projects, ${CONNECTIONS} connections, ${SECONDS} s each`);
  for (const [name, r] of rows) console.log(`${name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${r.p99.toFixed(1).padStart(7)} ms  ×${(r.rps / base).toFixed(2)} of embedded`);
}

await main();
agent.destroy();
