// Issue 2 benchmark: DescribeProjects (one page of 10 out of 1,000 projects) at 32 concurrent
// connections against Osprey, next to a bare node:http JSON echo server started in the same run.
// Load comes from wrk when installed (apt-get install wrk), else from an in-process Node client.
// Osprey runs twice on the same data: as one process (--workers 1) and with one API worker per CPU
// (--workers N). The echo server also runs as N processes, to show what the machine itself allows.
// Usage: npx tsx bench/describe-projects.ts [--seconds 10] [--connections 32] [--workers N]
import { spawn, spawnSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/helpers/server.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const SECONDS = opt('seconds', 10);
const CONNECTIONS = opt('connections', 32);
const WORKERS = opt('workers', Math.max(2, availableParallelism()));
const ACCOUNT = '123412341234';
const BODY = JSON.stringify({ MaxResults: 10 });
const HEADERS = {
  'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DescribeProjects',
  authorization: `AWS4-HMAC-SHA256 Credential=${ACCOUNT}/20261125/us-east-1/rekognition/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  'x-amz-date': '20261125T000000Z',
};

const ECHO_SERVER = (processes: number) => `
const cluster = require('node:cluster');
const { createServer } = require('node:http');
if (cluster.isPrimary && ${processes} > 1) {
  let n = 0;
  for (let i = 0; i < ${processes}; i++) cluster.fork();
  cluster.on('listening', (w, a) => { if (++n === ${processes}) console.log(a.port); });
} else {
const s = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
s.listen(0, '127.0.0.1', () => { if (!cluster.isWorker) console.log(s.address().port); });
}`;

// A second reference: node:http answering every request with the very page Osprey returned (same size,
// same headers, nothing computed), to separate the cost of the response from the cost of the pipeline.
const PAGE_SERVER = (page: string) => `
const { createServer } = require('node:http');
const { randomUUID } = require('node:crypto');
const page = ${JSON.stringify(page)};
const s = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }).end(page));
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

async function startNode(source: string) {
  // From a file, not -e: cluster workers re-run the primary's script.
  const file = join(mkdtempSync(join(tmpdir(), 'osprey-ref-')), 'server.cjs');
  writeFileSync(file, source);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) => child.stdout!.once('data', (d) => r(Number(String(d).trim()))));
  return { child, url: `http://127.0.0.1:${port}/` };
}

interface Result { rps: number; p50: number; p99: number; errors: number }

function haveWrk(): boolean { return spawnSync('wrk', ['--version']).error === undefined; }

function wrk(url: string): Result {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-wrk-'));
  const script = join(dir, 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${BODY}'\n${Object.entries(HEADERS).map(([k, v]) => `wrk.headers["${k}"] = "${v}"`).join('\n')}
done = function(summary, latency, requests)
  io.write(string.format("RESULT %f %f %f %d\\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end\n`);
  const r = spawnSync('wrk', ['-t', '2', '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, '-s', script, url], { encoding: 'utf8' });
  const m = r.stdout.match(/RESULT ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/);
  if (!m) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`);
  return { rps: Number(m[1]), p50: Number(m[2]), p99: Number(m[3]), errors: Number(m[4]) };
}

async function nodeLoad(url: string): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const u = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  const one = () => new Promise<void>((resolve) => {
    const t = process.hrtime.bigint();
    const req = request({ host: u.hostname, port: u.port, method: 'POST', path: '/', agent, headers: HEADERS }, (res) => {
      res.resume();
      res.on('end', () => { if (res.statusCode !== 200) errors++; latencies.push(Number(process.hrtime.bigint() - t) / 1e6); resolve(); });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(BODY);
  });
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (Date.now() < end) await one(); }));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / SECONDS, p50: latencies[Math.floor(latencies.length * 0.5)], p99: latencies[Math.floor(latencies.length * 0.99)], errors };
}

/** 1,000 projects in one account. */
async function seed(url: string): Promise<void> {
  for (let i = 0; i < 1000; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => fetch(url, {
      method: 'POST', headers: { ...HEADERS, 'x-amz-target': 'RekognitionService.CreateProject' }, body: JSON.stringify({ ProjectName: `bench-${i + j}` }),
    }).then((r) => { if (r.status !== 200) throw new Error(`seed failed: ${r.status}`); return r.text(); })));
  }
}

async function firstPage(url: string): Promise<string> {
  const text = await (await fetch(url, { method: 'POST', headers: HEADERS, body: BODY })).text();
  const check = JSON.parse(text) as { ProjectDescriptions: unknown[]; NextToken?: string };
  if (check.ProjectDescriptions.length !== 10 || !check.NextToken) throw new Error('unexpected DescribeProjects page');
  return text;
}

async function main() {
  const tool = haveWrk() ? 'wrk' : 'node client';
  const load = (url: string) => (tool === 'wrk' ? Promise.resolve(wrk(url)) : nodeLoad(url));
  console.log(`load generator: ${tool}; ${CONNECTIONS} connections, ${SECONDS} s each; ${availableParallelism()} CPUs`);

  // The reference servers run in their own processes, like Osprey (this process blocks while wrk runs).
  const measure = async (source: string) => {
    const server = await startNode(source);
    try { return await load(server.url); } finally { server.child.kill(); }
  };
  const osprey = async (workers: number, dataDir?: string) => {
    const server = await startServer({ dataDir, args: ['--log-level', 'error', '--workers', String(workers)] });
    try {
      if (!dataDir) await seed(server.url);
      const page = await firstPage(server.url);
      return { page, dataDir: server.dataDir, result: await load(`${server.url}/`), cleanup: () => server.cleanup() };
    } finally { await server.stop(); }
  };

  const one = await osprey(1);
  const many = await osprey(WORKERS, one.dataDir);
  one.cleanup();
  const echo = await measure(ECHO_SERVER(1));
  const echoMany = await measure(ECHO_SERVER(WORKERS));
  const page = await measure(PAGE_SERVER(one.page));

  const row = (name: string, r: Result) => console.log(`${name.padEnd(40)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   errors ${r.errors}`);
  row('node:http JSON echo (baseline)', echo);
  row(`node:http JSON echo, ${WORKERS} processes`, echoMany);
  row(`node:http fixed page (${one.page.length} B)`, page);
  row('Osprey DescribeProjects, 1 process', one.result);
  row(`Osprey DescribeProjects, --workers ${WORKERS}`, many.result);
  console.log(`throughput ratio Osprey/echo: ${(one.result.rps / echo.rps).toFixed(3)} (1 process), ${(many.result.rps / echo.rps).toFixed(3)} (--workers ${WORKERS})  (goal ≥ 0.5)`);
  console.log(`throughput ratio echo ${WORKERS} processes/echo: ${(echoMany.rps / echo.rps).toFixed(3)}  (what more processes give on this machine)`);
  console.log(`throughput ratio fixed page/echo: ${(page.rps / echo.rps).toFixed(3)}  (the same response with no work behind it)`);
  console.log(`p99 ratio Osprey/echo: ${(one.result.p99 / echo.p99).toFixed(2)} (1 process), ${(many.result.p99 / echo.p99).toFixed(2)} (--workers ${WORKERS})`);
}

await main();
