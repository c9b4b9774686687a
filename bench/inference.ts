/**
 * DetectCustomLabels throughput and latency against a real `osprey serve` (dist/, so build first):
 *
 *   npx tsc -p tsconfig.json && node --import tsx bench/inference.ts [--requests N] [--units 1,2] [--clients 1,4,16] [--workers N]
 *
 * With --workers N the server runs N API processes and forwards each DetectCustomLabels to the leader,
 * which holds the models (docs/configuration.md): the difference to --workers 1 is that forwarding.
 *
 * Input: one 640x480 JPEG. One version is hosted per unit count and the rows run interleaved over
 * three rounds (fair on a shared machine). For each unit count and client count, closed-loop clients on
 * keep-alive connections send the same request; we print p50, p99 and images/s, and — measured in
 * this same run, in this process — the bare model time for the same image (decode + resize + forward
 * pass, what one unit does per request) and the p50 overhead of the service over it.
 * Requests carry a dev-mode Authorization header (the server is started with --auth dev), so client
 * signing is not measured. The queue is sized so 16 clients are queued rather than refused
 * (hosting.queuePerUnit = 16); refusals, if any, are counted and printed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StartProjectVersionCommand } from '@aws-sdk/client-rekognition';
import { loadPredictor } from '../src/ml/predict.js';
import { InferencePool } from '../src/domain/hosting/pool.js';
import { DEFAULT_HOSTING } from '../src/domain/hosting/settings.js';
import { startServer } from '../test/helpers/server.js';
import { largeJpeg, sampleModel, seedVersion } from '../test/hosting/fixtures.js';
import { sdk, waitStatus } from '../test/hosting/util.js';

const { values } = parseArgs({ options: {
  requests: { type: 'string', default: '450' }, workers: { type: 'string', default: '1' }, units: { type: 'string', default: '1,2' }, clients: { type: 'string', default: '1,4,16' },
} });
const REQUESTS = Number(values.requests);
const UNITS = values.units!.split(',').map(Number);
const CLIENTS = values.clients!.split(',').map(Number);

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const f2 = (x: number) => x.toFixed(2).padStart(7);

const sample = await sampleModel();
const jpeg = await largeJpeg(sample);
const dataDir = mkdtempSync(join(tmpdir(), 'osprey-bench-'));
// One version per unit count, all hosted at once, so rows can be interleaved round by round:
// on a shared machine the load drifts, and interleaving keeps the comparison fair.
const versions = new Map<number, Awaited<ReturnType<typeof seedVersion>>>();
for (const u of UNITS) versions.set(u, await seedVersion(dataDir, sample, { version: `units-${u}` }));

const predictor = await loadPredictor(sample.model);
for (let i = 0; i < 20; i++) await predictor.classify(jpeg);
const bare: number[] = [];
async function measureBare(n: number) {
  for (let i = 0; i < n; i++) { const t = performance.now(); await predictor.classify(jpeg); bare.push(performance.now() - t); }
}

const server = await startServer({ dataDir, args: ['--auth', 'dev', '--workers', values.workers!], config: { hosting: { queuePerUnit: 16, maxTotalUnits: 16 } } });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const headers = (body: string) => ({
  'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectCustomLabels', 'content-length': Buffer.byteLength(body),
  authorization: 'AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=0',
});

function call(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url, { method: 'POST', headers: headers(body), agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Row { lat: number[]; ok: number; refused: number; seconds: number; cpu: Map<string, number> }

// CPU time by thread of the server process (Linux /proc; ticks of 10 ms), to show where an image's
// CPU goes and what the cores allow: the main thread (HTTP, JSON), the units (worker threads, which
// Node names like its main thread), libvips' decoders, the rest (GC, libuv).
function serverThreadsCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tasks: string[];
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tasks) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'); } catch { continue; }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * 10;
    const kind = tid === String(pid) ? 'main' : comm === 'node' ? 'units' : /vips/.test(comm) ? 'libvips' : 'other';
    out.set(kind, (out.get(kind) ?? 0) + ms);
  }
  return out;
}

async function run(body: string, clients: number, total: number, row: Row) {
  let next = 0;
  const cpu0 = serverThreadsCpu(server.proc.pid!);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next++ < total) {
      const t = performance.now();
      const status = await call(body);
      if (status === 200) { row.lat.push(performance.now() - t); row.ok++; } else if (status === 400) row.refused++;
      else throw new Error(`HTTP ${status}`);
    }
  }));
  row.seconds += (performance.now() - t0) / 1000;
  const cpu1 = serverThreadsCpu(server.proc.pid!);
  for (const [k, v] of cpu1) row.cpu.set(k, (row.cpu.get(k) ?? 0) + v - (cpu0.get(k) ?? 0));
  const c = process.cpuUsage(client0);
  row.cpu.set('client', (row.cpu.get('client') ?? 0) + (c.user + c.system) / 1000);
}

const client = sdk(server.url);
const ROUNDS = 3;
const rows = new Map<string, Row>();
try {
  const bodies = new Map<number, string>();
  for (const [u, v] of versions) {
    await client.send(new StartProjectVersionCommand({ ProjectVersionArn: v.versionArn, MinInferenceUnits: u }));
    bodies.set(u, JSON.stringify({ ProjectVersionArn: v.versionArn, Image: { Bytes: jpeg.toString('base64') }, MinConfidence: 0 }));
  }
  for (const [, v] of versions) {
    const d = await waitStatus(server.url, v.projectArn, v.versionArn, ['RUNNING', 'FAILED'], 120_000);
    if (d.Status !== 'RUNNING') throw new Error(`model did not start: ${d.StatusMessage}`);
  }
  for (const u of UNITS) await run(bodies.get(u)!, Math.max(...CLIENTS), 60, { lat: [], ok: 0, refused: 0, seconds: 0, cpu: new Map() }); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    await measureBare(100);
    for (const c of CLIENTS) for (const u of UNITS) {
      const key = `${u}/${c}`;
      if (!rows.has(key)) rows.set(key, { lat: [], ok: 0, refused: 0, seconds: 0, cpu: new Map() });
      await run(bodies.get(u)!, c, Math.ceil(REQUESTS / ROUNDS), rows.get(key)!);
    }
  }
} finally {
  agent.destroy();
  await server.stop();
  server.cleanup();
  predictor.dispose();
}

const bareP50 = pct(bare, 0.5);
console.log(`DetectCustomLabels on a 640x480 JPEG (${jpeg.length} bytes); ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(1)}; ${REQUESTS} requests per row in ${ROUNDS} interleaved rounds`);
console.log(`bare model, same image, same run (decode + resize + forward pass, in-process): p50 ${bareP50.toFixed(2)} ms, p99 ${pct(bare, 0.99).toFixed(2)} ms`);
console.log('units clients    p50 ms   p99 ms   images/s  refused  p50 - bare ms');
for (const u of UNITS) for (const c of CLIENTS) {
  const r = rows.get(`${u}/${c}`)!;
  const p50 = pct(r.lat, 0.5);
  console.log(`${String(u).padStart(5)} ${String(c).padStart(7)}  ${f2(p50)}  ${f2(pct(r.lat, 0.99))}  ${(r.ok / r.seconds).toFixed(1).padStart(9)}  ${String(r.refused).padStart(7)}  ${f2(p50 - bareP50)}${c === 1 ? '  <- service overhead' : '  (includes queueing)'}`);
}
const [lo, hi] = [UNITS[0]!, UNITS[UNITS.length - 1]!];
if (lo !== hi) for (const c of CLIENTS) {
  const a = rows.get(`${lo}/${c}`)!;
  const b = rows.get(`${hi}/${c}`)!;
  console.log(`throughput ${hi} units / ${lo} unit at ${c} clients: ${((b.ok / b.seconds) / (a.ok / a.seconds)).toFixed(2)}x`);
}

// What the cores allow: CPU per image (server threads + this client) against the cores there are.
const busiest = Math.max(...CLIENTS);
console.log(`CPU per image at ${busiest} clients (ms; main = HTTP/JSON, units = worker threads, libvips = decoders, client = this load generator):`);
for (const u of UNITS) {
  const r = rows.get(`${u}/${busiest}`)!;
  const images = r.ok + r.refused;
  const per = (k: string) => (r.cpu.get(k) ?? 0) / images;
  const total = ['main', 'units', 'libvips', 'other', 'client'].reduce((sum, k) => sum + per(k), 0);
  const ceiling = (availableParallelism() * 1000) / total;
  console.log(`  ${u} unit(s): main ${per('main').toFixed(2)}  units ${per('units').toFixed(2)}  libvips ${per('libvips').toFixed(2)}  other ${per('other').toFixed(2)}  client ${per('client').toFixed(2)}` +
    `  = ${total.toFixed(2)} ms -> ${availableParallelism()} cores allow ${ceiling.toFixed(0)} images/s; measured ${(r.ok / r.seconds).toFixed(0)} (${((r.ok / r.seconds) / ceiling * 100).toFixed(0)} %)`);
}

// The units alone (no HTTP, no JSON, no server main thread): what the pool itself scales to.
const silent = { info() {}, warn() {}, error() {} };
const poolRate = new Map<number, number>();
for (const u of UNITS) {
  const pool = new InferencePool({ name: 'bench', model: sample.model, min: u, max: u, queuePerUnit: 64, autoscale: DEFAULT_HOSTING.autoscale, canGrow: () => false, log: silent });
  await pool.start();
  const clients = Math.max(...CLIENTS);
  const go = async (n: number) => { let next = 0; await Promise.all(Array.from({ length: clients }, async () => { while (next++ < n) await pool.submit(jpeg); })); };
  await go(50);
  const t = performance.now();
  await go(REQUESTS);
  poolRate.set(u, REQUESTS / ((performance.now() - t) / 1000));
  await pool.close();
}
console.log(`pool only, ${Math.max(...CLIENTS)} concurrent submits: ${UNITS.map((u) => `${u} unit(s) ${poolRate.get(u)!.toFixed(1)} images/s`).join(', ')}` +
  (lo !== hi ? ` -> ${(poolRate.get(hi)! / poolRate.get(lo)!).toFixed(2)}x` : ''));

// The machine's own scaling: the bare forward pass (no decode, no pool) in 1 and 2 worker threads at once.
// Two vCPUs are not always two cores (hyperthreads share one); this is the ceiling any 2-unit figure meets.
const PREDICT_LOOP = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { register } = await import('tsx/esm/api'); register();
  const { loadPredictor } = await import(workerData.predictModule);
  const { imageToInput } = await import(workerData.imageModule);
  const p = await loadPredictor(Buffer.from(workerData.model));
  const input = await imageToInput(Buffer.from(workerData.jpeg), p.inputSize);
  for (let i = 0; i < 50; i++) p.predict(input);
  parentPort.postMessage('ready');
  await new Promise((r) => parentPort.once('message', r));
  const t = performance.now(); let n = 0;
  while (performance.now() - t < 2000) { p.predict(input); n++; }
  parentPort.postMessage(n / ((performance.now() - t) / 1000));
})();`;
const threadRate = new Map<number, number>();
for (const k of UNITS) {
  const workerData = {
    model: new Uint8Array(sample.model), jpeg: new Uint8Array(jpeg),
    predictModule: new URL('../src/ml/predict.ts', import.meta.url).href, imageModule: new URL('../src/ml/image.ts', import.meta.url).href,
  };
  const workers = Array.from({ length: k }, () => new Worker(PREDICT_LOOP, { eval: true, workerData }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const rates = await Promise.all(workers.map((w) => { const done = new Promise<number>((r) => w.once('message', r)); w.postMessage('go'); return done; }));
  threadRate.set(k, rates.reduce((a, b) => a + b, 0));
  await Promise.all(workers.map((w) => w.terminate()));
}
console.log(`bare forward pass in parallel threads: ${UNITS.map((k) => `${k} thread(s) ${threadRate.get(k)!.toFixed(0)}/s`).join(', ')}` +
  (lo !== hi ? ` -> ${(threadRate.get(hi)! / threadRate.get(lo)!).toFixed(2)}x (what this machine's cores give to pure compute)` : ''));
