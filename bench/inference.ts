/**
 * DetectCustomLabels throughput and latency against a real `osprey serve` (dist/, so build first):
 *
 *   npx tsc -p tsconfig.json && node --import tsx bench/inference.ts [--requests N] [--units 1,2] [--clients 1,4,16]
 *
 * Input: one 640x480 JPEG. For each inference-unit count and client count, closed-loop clients on
 * keep-alive connections send the same request; we print p50, p99 and images/s, and — measured in
 * this same run, in this process — the bare model time for the same image (decode + resize + forward
 * pass, what one unit does per request) and the p50 overhead of the service over it.
 * Requests carry a dev-mode Authorization header (the server is started with --auth dev), so client
 * signing is not measured. The queue is sized so 16 clients are queued rather than refused
 * (hosting.queuePerUnit = 16); refusals, if any, are counted and printed.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StartProjectVersionCommand, StopProjectVersionCommand } from '@aws-sdk/client-rekognition';
import { loadPredictor } from '../src/ml/predict.js';
import { startServer } from '../test/helpers/server.js';
import { largeJpeg, sampleModel, seedVersion } from '../test/hosting/fixtures.js';
import { sdk, waitStatus } from '../test/hosting/util.js';

const { values } = parseArgs({ options: {
  requests: { type: 'string', default: '400' }, units: { type: 'string', default: '1,2' }, clients: { type: 'string', default: '1,4,16' },
} });
const REQUESTS = Number(values.requests);
const UNITS = values.units!.split(',').map(Number);
const CLIENTS = values.clients!.split(',').map(Number);

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; };
const f2 = (x: number) => x.toFixed(2).padStart(7);

const sample = await sampleModel();
const jpeg = await largeJpeg(sample);
const dataDir = mkdtempSync(join(tmpdir(), 'osprey-bench-'));
const seeded = await seedVersion(dataDir, sample);

// Bare model time, same image, same process, after a warm-up.
const predictor = await loadPredictor(sample.model);
for (let i = 0; i < 20; i++) await predictor.classify(jpeg);
const bare: number[] = [];
for (let i = 0; i < 200; i++) { const t = performance.now(); await predictor.classify(jpeg); bare.push(performance.now() - t); }
predictor.dispose();
const bareP50 = pct(bare, 0.5);

const server = await startServer({ dataDir, args: ['--auth', 'dev'], config: { hosting: { queuePerUnit: 16, maxTotalUnits: 16 } } });
const body = JSON.stringify({ ProjectVersionArn: seeded.versionArn, Image: { Bytes: jpeg.toString('base64') }, MinConfidence: 0 });
const headers = {
  'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectCustomLabels', 'content-length': Buffer.byteLength(body),
  authorization: 'AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=0',
};
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function call(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url, { method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function run(clients: number, total: number) {
  const lat: number[] = [];
  let refused = 0;
  let failed = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next++ < total) {
      const t = performance.now();
      const status = await call();
      if (status === 200) lat.push(performance.now() - t);
      else if (status === 400) refused++;
      else failed++;
    }
  }));
  return { lat, refused, failed, seconds: (performance.now() - t0) / 1000 };
}

const client = sdk(server.url);
console.log(`DetectCustomLabels, 640x480 JPEG (${jpeg.length} bytes), model input ${sample.model.length} bytes; ${availableParallelism()} cores; ${REQUESTS} requests per row`);
console.log(`bare model (classify: decode + resize + forward), same process: p50 ${bareP50.toFixed(2)} ms, p99 ${pct(bare, 0.99).toFixed(2)} ms`);
console.log('units clients    p50 ms   p99 ms   images/s  refused  p50 overhead ms');
const rows: { units: number; clients: number; ips: number }[] = [];
try {
  for (const units of UNITS) {
    await client.send(new StartProjectVersionCommand({ ProjectVersionArn: seeded.versionArn, MinInferenceUnits: units }));
    const v = await waitStatus(server.url, seeded.projectArn, seeded.versionArn, ['RUNNING', 'FAILED'], 120_000);
    if (v.Status !== 'RUNNING') throw new Error(`model did not start: ${v.StatusMessage}`);
    await run(Math.max(...CLIENTS), 50); // warm every unit and connection
    for (const clients of CLIENTS) {
      const r = await run(clients, REQUESTS);
      if (r.failed) throw new Error(`${r.failed} requests failed`);
      const p50 = pct(r.lat, 0.5);
      const ips = r.lat.length / r.seconds;
      rows.push({ units, clients, ips });
      console.log(`${String(units).padStart(5)} ${String(clients).padStart(7)}  ${f2(p50)}  ${f2(pct(r.lat, 0.99))}  ${ips.toFixed(1).padStart(9)}  ${String(r.refused).padStart(7)}  ${f2(p50 - bareP50)}${clients === 1 ? '' : '  (queueing included)'}`);
    }
    await client.send(new StopProjectVersionCommand({ ProjectVersionArn: seeded.versionArn }));
    await waitStatus(server.url, seeded.projectArn, seeded.versionArn, ['STOPPED'], 60_000);
  }
  for (const c of CLIENTS) {
    const [a, b] = [rows.find((r) => r.units === UNITS[0] && r.clients === c), rows.find((r) => r.units === UNITS[UNITS.length - 1] && r.clients === c)];
    if (a && b && a !== b) console.log(`throughput ${UNITS[UNITS.length - 1]} units / ${UNITS[0]} unit at ${c} clients: ${(b.ips / a.ips).toFixed(2)}x`);
  }
} finally {
  agent.destroy();
  await server.stop();
  server.cleanup();
}
