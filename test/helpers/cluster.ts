// A 2-node scale-out cluster for the interop suites: two `osprey serve` processes on one fresh
// PostgreSQL database (OSPREY_TEST_DATABASE_URL's cluster) and one private S3 service (moto_server),
// the same server key, behind a round-robin proxy process. startServer() returns one when
// OSPREY_TEST_CLUSTER=pg-s3 (scripts/test.sh runs the interop files so a second time), so the same
// tests prove the same behaviour through any node. Bucket names are global in the S3 service, hence
// a private one per cluster.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase } from './postgres.js';
import { S3_TEST_KEYS, startMoto } from './s3.js';
import { startServer, type ServerOptions, type TestServer } from './server.js';
import { tempDir } from './tmp.js';

export const CLUSTER_MODE = process.env.OSPREY_TEST_CLUSTER === 'pg-s3';

export async function startCluster(opts: ServerOptions = {}, size = 2): Promise<TestServer & { nodes: TestServer[]; s3Url: string }> {
  const db = await createTestDatabase();
  const moto = await startMoto();
  const env = {
    ...opts.env, ...S3_TEST_KEYS, OSPREY_DATABASE_URL: db.url, OSPREY_S3_ENDPOINT_URL: moto.url,
    OSPREY_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  const nodes: TestServer[] = [];
  try {
    for (let i = 0; i < size; i++) nodes.push(await startServer({ ...opts, dataDir: tempDir(`osprey-node${i + 1}-`), env }));
  } catch (e) {
    await Promise.all(nodes.map((n) => n.kill()));
    await moto.stop();
    await db.drop();
    throw e;
  }
  const proxy = spawn(process.execPath, [join(import.meta.dirname, 'round-robin-proxy.mjs'), ...nodes.map((n) => n.url)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proxy.stdout!.on('data', (d) => {
      out += d;
      const m = /"port":(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proxy.once('exit', (code) => reject(new Error(`proxy exited with ${code}`)));
  });
  const proxyExited = new Promise<void>((r) => proxy.once('exit', () => r()));
  const stopProxy = async () => { if (proxy.exitCode === null) { proxy.kill('SIGTERM'); await proxyExited; } };
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await moto.stop();
    await db.drop();
  };
  return {
    url: `http://127.0.0.1:${port}`, port, dataDir: nodes[0]!.dataDir, proc: nodes[0]!.proc, nodes, s3Url: moto.url,
    log: () => nodes.map((n, i) => `--- node ${i + 1}\n${n.log()}`).join('\n'),
    async stop() { await stopProxy(); await Promise.all(nodes.map((n) => n.stop())); await release(); },
    async kill() { await stopProxy(); await Promise.all(nodes.map((n) => n.kill())); await release(); },
    cleanup() { for (const n of nodes) rmSync(n.dataDir, { recursive: true, force: true }); },
  };
}
