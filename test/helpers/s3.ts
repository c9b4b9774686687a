// An S3 service for tests: moto_server (preinstalled on these machines; .ci/run starts one and exports
// OSPREY_TEST_S3_URL). testS3() returns that shared service, or starts a private one on a free port
// when the variable is unset; startMoto() always starts a private one (a cluster whose tests use
// fixed bucket names needs a service of its own: bucket names are global). Without moto_server the
// tests are skipped locally and fail under CI=true (test/helpers/tools.ts).
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { missingTools } from './tools.js';

export const S3_URL = process.env.OSPREY_TEST_S3_URL;

const motoPresent = () => spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/** `skip` option for node:test: a reason locally; under CI=true a missing service fails the test file. */
export const skipWithoutS3: string | false = S3_URL ? false : missingTools({
  name: 'moto_server (an S3-compatible test server)', present: motoPresent(), install: 'preinstalled on the machine image (pip moto[server])',
});

/** Credentials the test S3 service accepts (moto takes any). */
export const S3_TEST_KEYS = { OSPREY_S3_ACCESS_KEY_ID: 'osprey-test', OSPREY_S3_SECRET_ACCESS_KEY: 'osprey-test-secret', OSPREY_S3_REGION: 'us-east-1' };

export interface S3Service { url: string; stop(): Promise<void> }

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** Starts moto_server on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<S3Service> {
  const port = await freePort();
  const proc = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr!.on('data', (d) => { log = (log + d).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited with ${proc.exitCode}:\n${log}`);
    try { if ((await fetch(`${url}/moto-api/data.json`)).ok) break; } catch { /* not up yet */ }
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`moto_server did not start:\n${log}`); }
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return { url, async stop() { if (proc.exitCode === null) { proc.kill('SIGTERM'); await exited; } } };
}

/** The shared test S3 service (OSPREY_TEST_S3_URL), or a private moto_server; stop() stops only a private one. */
export async function testS3(): Promise<S3Service> {
  if (S3_URL) return { url: S3_URL, async stop() {} };
  return startMoto();
}
