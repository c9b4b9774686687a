// Benchmark: the S3 API of Osprey against moto_server (preinstalled) in the same run, through the same
// client (@aws-sdk/client-s3, path-style): PutObject and GetObject of 50 KiB objects (req/s, p50/p99,
// at a fixed concurrency) and one multipart upload of --mb MiB (MB/s, peak RSS of the server), next to
// `cp` of the same bytes on the same disk. Prints figures and ratios; asserts nothing.
//   npx tsc -p tsconfig.json && node --import tsx bench/s3.ts [--requests 2000] [--concurrency 16] [--mb 1024]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startServer } from '../test/helpers/server.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const REQUESTS = Number(arg('requests', '2000'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const MB = Number(arg('mb', '1024'));
const PART = 16 * 1024 * 1024;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const rss = (pid: number) => { const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) / 1024 : NaN; };

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

async function moto(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try { await fetch(`${url}/`); return { url, proc }; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error('moto_server did not start');
}

async function run(name: string, url: string, pid: number, file: string) {
  const s3 = new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: '111122223333', secretAccessKey: 'x' }, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const body = randomBytes(50 * 1024);
  const phase = async (what: string, op: (i: number) => Promise<unknown>) => {
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    return { what, rps: REQUESTS / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
  };
  const put = await phase('PutObject 50 KiB', (i) => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `obj/${i}`, Body: body })));
  const get = await phase('GetObject 50 KiB', async (i) => { const r = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: `obj/${i}` })); await r.Body!.transformToByteArray(); });
  const t0 = performance.now();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'bench', Key: 'big' }));
  const parts: { PartNumber: number; ETag: string }[] = [];
  const total = MB * 1024 * 1024;
  let nextPart = 0;
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (;;) {
      const n = nextPart++;
      const start = n * PART;
      if (start >= total) return;
      const end = Math.min(total, start + PART) - 1;
      const r = await s3.send(new UploadPartCommand({ Bucket: 'bench', Key: 'big', UploadId, PartNumber: n + 1, Body: createReadStream(file, { start, end }), ContentLength: end - start + 1 }));
      parts.push({ PartNumber: n + 1, ETag: r.ETag! });
    }
  }));
  parts.sort((a, b) => a.PartNumber - b.PartNumber);
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'bench', Key: 'big', UploadId, MultipartUpload: { Parts: parts } }));
  const mbps = MB / ((performance.now() - t0) / 1000);
  s3.destroy();
  return { name, put, get, mbps, rssMb: rss(pid) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-bench-s3-'));
  const file = join(dir, 'big.bin');
  const fd = openSync(file, 'w');
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < MB; i++) writeSync(fd, chunk);
  closeSync(fd);
  const c0 = performance.now();
  execFileSync('cp', [file, join(dir, 'copy.bin')]);
  const cpMbps = MB / ((performance.now() - c0) / 1000);
  rmSync(join(dir, 'copy.bin'));

  const osprey = await startServer({ env: { OSPREY_LOG_LEVEL: 'warn' } });
  const m = await moto();
  try {
    const o = await run('osprey', osprey.url, osprey.proc.pid!, file);
    const b = await run('moto_server', m.url, m.proc.pid!, file);
    console.log(`requests ${REQUESTS} at concurrency ${CONCURRENCY}; multipart ${MB} MiB in ${PART / 1024 / 1024} MiB parts, 4 at a time`);
    for (const r of [o, b]) {
      console.log(`${r.name.padEnd(12)} ${[r.put, r.get].map((p) => `${p.what}: ${p.rps.toFixed(0)} req/s p50 ${p.p50.toFixed(1)} ms p99 ${p.p99.toFixed(1)} ms`).join(' | ')} | multipart ${r.mbps.toFixed(0)} MB/s | peak RSS ${r.rssMb.toFixed(0)} MB`);
    }
    console.log(`cp of the same ${MB} MiB: ${cpMbps.toFixed(0)} MB/s`);
    console.log(`ratios: Put ${(o.put.rps / b.put.rps).toFixed(1)}x moto, Get ${(o.get.rps / b.get.rps).toFixed(1)}x moto, multipart ${(o.mbps / b.mbps).toFixed(1)}x moto and ${(o.mbps / cpMbps).toFixed(2)}x cp`);
  } finally {
    m.proc.kill('SIGTERM');
    await osprey.stop();
    osprey.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
