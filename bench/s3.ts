// Benchmark: the S3 API of Osprey against moto_server (preinstalled) in the same run, through the same
// light client: node:http with keep-alive and presigned SigV4 URLs computed before each timed phase
// (Osprey runs in strict mode and verifies every signature; moto accepts them), so the client costs
// little next to the servers. Phases:
//   - PutObject and GetObject of 50 KiB objects: req/s, p50/p99 latency, at a fixed concurrency;
//   - one multipart upload of --mb MiB streamed from a file on disk (read 1 MiB at a time) in 16 MiB parts, 4 at a time
//     (MB/s), then a ranged GET across part boundaries whose bytes are checked against the file;
//   - the server's peak RSS (VmHWM) after all of it; `cp` of the same file on the same disk.
// Prints figures and ratios, asserts nothing; prints its own run time. moto keeps objects in memory,
// so with --mb above 1024 its multipart phase is skipped (it would need several GB).
//   npx tsc -p tsconfig.json && node --import tsx bench/s3.ts [--requests 2000] [--concurrency 32] [--mb 1024] [--cpu-prof DIR]
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer } from '../test/helpers/server.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const REQUESTS = Number(arg('requests', '2000'));
const CONCURRENCY = Number(arg('concurrency', '32'));
const MB = Number(arg('mb', '1024'));
const PART = 16 * 1024 * 1024;
const PARALLEL_PARTS = 4;
const OBJECT = 50 * 1024;
/** The client reads the file in 1 MiB pieces (Node's default, 64 KiB, caps this client near 470 MB/s on the bench machine). */
const READ_PIECE = 1024 * 1024;
/** --cpu-prof DIR: the Osprey server writes a V8 CPU profile there when it stops (open it in Chrome DevTools). */
const PROFILE_DIR = process.argv.includes('--cpu-prof') ? arg('cpu-prof', '') : undefined;
/** libuv's thread pool of the Osprey server, as `npm start` sets it (docs/s3.md, "Benchmark"); UV_THREADPOOL_SIZE overrides. */
const THREADPOOL = process.env.UV_THREADPOOL_SIZE ?? '16';
const CREDS = { accessKeyId: 'AKIABENCHS3000000001', secretAccessKey: 'bench-secret' };
const started = performance.now();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const rss = (pid: number) => { const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return m ? Number(m[1]) / 1024 : NaN; };

function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

async function moto(): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { await fetch(`${url}/`); return { url, proc }; } catch { await new Promise((r) => setTimeout(r, 100)); }
  }
  throw new Error('moto_server did not start');
}

/** A keep-alive HTTP client for one server, with presigned SigV4 URLs. */
function client(url: string) {
  const { hostname, port } = new URL(url);
  const host = `${hostname}:${port}`;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY + PARALLEL_PARTS });
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, credentials: CREDS, uriEscapePath: false });
  const presign = async (method: string, path: string, query: Record<string, string> = {}) => {
    // As @aws-sdk/s3-request-presigner does: the payload of a presigned S3 request is UNSIGNED-PAYLOAD.
    const r = await signer.presign({ method, protocol: 'http:', hostname: host, path, query, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }, { expiresIn: 3600 });
    return `${path}?${new URLSearchParams(r.query as Record<string, string>).toString()}`;
  };
  /** Sends one request; resolves with the status and body once the response has been read whole. */
  const send = (method: string, path: string, body?: Buffer | NodeJS.ReadableStream, headers: Record<string, string | number> = {}) =>
    new Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ host: hostname, port, method, path, agent, headers: { ...headers, ...(Buffer.isBuffer(body) ? { 'content-length': body.length } : {}) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', reject);
      });
      req.on('error', reject);
      if (body === undefined || Buffer.isBuffer(body)) req.end(body);
      else (body as NodeJS.ReadableStream).pipe(req);
    });
  const ok = async (what: string, p: Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`${what}: HTTP ${r.status} ${r.body.toString('utf8').slice(0, 300)}`);
    return r;
  };
  return { presign, send, ok, close: () => agent.destroy() };
}

async function phase(what: string, urls: string[], op: (url: string) => Promise<unknown>) {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < urls.length) {
      const url = urls[next++]!;
      const s = performance.now();
      await op(url);
      lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { what, rps: urls.length / secs, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}

async function run(name: string, url: string, pid: number, file: string, multipart: boolean) {
  const c = client(url);
  await c.ok('CreateBucket', c.send('PUT', await c.presign('PUT', '/bench')));
  const body = randomBytes(OBJECT);
  const keys = Array.from({ length: REQUESTS }, (_, i) => `/bench/obj/${i}`);
  const putUrls = await Promise.all(keys.map((k) => c.presign('PUT', k)));
  const getUrls = await Promise.all(keys.map((k) => c.presign('GET', k)));
  // The client's own ceiling on this machine: the same client and concurrency against the cheapest answer the
  // server has (Osprey's GET /health; moto's GET / lists buckets), to show the client is not what limits.
  const ceiling = await phase('client ceiling', keys.map(() => (name === 'osprey' ? '/health' : '/')), (u) => c.ok('ceiling', c.send('GET', u)));
  const put = await phase('PutObject 50 KiB', putUrls, (u) => c.ok('PutObject', c.send('PUT', u, body)));
  const get = await phase('GetObject 50 KiB', getUrls, async (u) => {
    const r = await c.ok('GetObject', c.send('GET', u));
    if (r.body.length !== OBJECT) throw new Error(`GetObject returned ${r.body.length} bytes`);
  });
  let mbps = NaN;
  let rangeOk = 'skipped';
  if (multipart) {
    const total = MB * 1024 * 1024;
    const count = Math.ceil(total / PART);
    const t0 = performance.now();
    const created = await c.ok('CreateMultipartUpload', c.send('POST', await c.presign('POST', '/bench/big', { uploads: '' })));
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString('utf8'))![1]!;
    const etags: string[] = [];
    let nextPart = 0;
    await Promise.all(Array.from({ length: PARALLEL_PARTS }, async () => {
      for (;;) {
        const n = nextPart++;
        if (n >= count) return;
        const start = n * PART;
        const end = Math.min(total, start + PART) - 1;
        const u = await c.presign('PUT', '/bench/big', { partNumber: String(n + 1), uploadId });
        const r = await c.ok(`UploadPart ${n + 1}`, c.send('PUT', u, createReadStream(file, { start, end, highWaterMark: READ_PIECE }), { 'content-length': end - start + 1 }));
        etags[n] = String(r.headers.etag);
      }
    }));
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    await c.ok('CompleteMultipartUpload', c.send('POST', await c.presign('POST', '/bench/big', { uploadId }), Buffer.from(xml)));
    mbps = MB / ((performance.now() - t0) / 1000);
    // A ranged read across part boundaries (the middle 64 MiB, or less of a small object), checked against the file.
    const len = Math.min(64 * 1024 * 1024, Math.floor(total / 2));
    const from = Math.floor((total - len) / 2);
    const r = await c.ok('ranged GetObject', c.send('GET', await c.presign('GET', '/bench/big'), undefined, { range: `bytes=${from}-${from + len - 1}` }));
    const expect = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    readSync(fd, expect, 0, len, from);
    closeSync(fd);
    const same = createHash('md5').update(r.body).digest('hex') === createHash('md5').update(expect).digest('hex');
    rangeOk = `${len / 1024 / 1024} MiB at ${from}: ${r.status} ${same ? 'bytes match' : 'BYTES DIFFER'}`;
  }
  c.close();
  return { name, ceiling, put, get, mbps, rangeOk, rssMb: rss(pid) };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'osprey-bench-s3-'));
  const file = join(dir, 'big.bin');
  const fd = openSync(file, 'w');
  const chunk = randomBytes(1024 * 1024);
  for (let i = 0; i < MB; i++) { chunk.writeUInt32LE(i, 0); writeSync(fd, chunk); } // every MiB differs, so a misplaced range shows
  closeSync(fd);
  const c0 = performance.now();
  execFileSync('cp', [file, join(dir, 'copy.bin')]);
  execFileSync('sync', [join(dir, 'copy.bin')]);
  const cpMbps = MB / ((performance.now() - c0) / 1000);
  rmSync(join(dir, 'copy.bin'));

  const osprey = await startServer({ args: ['--auth', 'strict'], config: { credentials: [{ ...CREDS, accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/bench' }] }, env: { OSPREY_LOG_LEVEL: 'warn', UV_THREADPOOL_SIZE: THREADPOOL }, nodeArgs: PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [] });
  const m = await moto();
  try {
    const o = await run('osprey', osprey.url, osprey.proc.pid!, file, true);
    const b = await run('moto_server', m.url, m.proc.pid!, file, MB <= 1024);
    console.log(`requests ${REQUESTS} at concurrency ${CONCURRENCY} (node:http keep-alive, presigned SigV4 URLs; Osprey in strict mode, UV_THREADPOOL_SIZE=${THREADPOOL}); multipart ${MB} MiB in ${PART / 1024 / 1024} MiB parts, ${PARALLEL_PARTS} at a time, streamed from disk`);
    for (const r of [o, b]) {
      console.log(`${r.name.padEnd(12)} ${r.ceiling.what} (${r.name === 'osprey' ? 'GET /health' : 'GET /'}): ${r.ceiling.rps.toFixed(0)} req/s`);
      console.log(`${r.name.padEnd(12)} ${[r.put, r.get].map((p) => `${p.what}: ${p.rps.toFixed(0)} req/s p50 ${p.p50.toFixed(1)} ms p99 ${p.p99.toFixed(1)} ms`).join(' | ')} | multipart ${Number.isNaN(r.mbps) ? 'skipped' : `${r.mbps.toFixed(0)} MB/s`} | ranged read ${r.rangeOk} | peak RSS ${r.rssMb.toFixed(0)} MB`);
    }
    console.log(`cp (+ sync) of the same ${MB} MiB: ${cpMbps.toFixed(0)} MB/s`);
    console.log(`ratios: Put ${(o.put.rps / b.put.rps).toFixed(1)}x moto, Get ${(o.get.rps / b.get.rps).toFixed(1)}x moto, multipart ${Number.isNaN(b.mbps) ? '-' : (o.mbps / b.mbps).toFixed(1)}x moto and ${(o.mbps / cpMbps).toFixed(2)}x cp (goals: ≥5x, ≥5x, ≥0.5x cp, RSS < 200 MB)`);
  } finally {
    m.proc.kill('SIGTERM');
    await osprey.stop();
    osprey.cleanup();
    rmSync(dir, { recursive: true, force: true });
    console.log(`bench ran ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

await main();
