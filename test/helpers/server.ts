// Starts a real `osprey serve` child process on a free port with its own data dir, for interop,
// crash and fuzz tests (or a 2-node cluster, OSPREY_TEST_CLUSTER=pg-s3: cluster.ts). Requires the
// build (npm test builds first).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './tmp.js';

export const REPO = resolve(import.meta.dirname, '..', '..');

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  proc: ChildProcess;
  log: () => string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL (crash) and wait. */
  kill(): Promise<void>;
  /** Removes the data dir (after stop/kill). */
  cleanup(): void;
}

export interface ServerOptions {
  dataDir?: string;
  config?: Record<string, unknown>;
  args?: string[];
  env?: Record<string, string>;
  /** Flags for node itself (e.g. --cpu-prof, which NODE_OPTIONS does not take). */
  nodeArgs?: string[];
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  // OSPREY_TEST_CLUSTER=pg-s3: a 2-node PostgreSQL + S3 cluster behind a proxy instead (cluster.ts);
  // a call that names its data dir (a restart on the same folder) gets one embedded node as before.
  if (process.env.OSPREY_TEST_CLUSTER === 'pg-s3' && !opts.dataDir) return (await import('./cluster.js')).startCluster(opts);
  const dataDir = opts.dataDir ?? tempDir('osprey-test-');
  const args = [...(opts.nodeArgs ?? []), join(REPO, 'bin', 'osprey.js'), 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.args ?? [])];
  if (opts.config) {
    const file = join(dataDir, 'test-config.json');
    writeFileSync(file, JSON.stringify(opts.config));
    args.push('--config', file);
  }
  const proc = spawn(process.execPath, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => { output += d; });
  proc.stderr!.on('data', (d) => { output += d; });
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`server did not start:\n${output}`)); }, 120_000);
    const check = () => {
      const m = output.match(/"osprey listening","url":"http:\/\/[^:]+:(\d+)"/);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    };
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url: `http://127.0.0.1:${port}`, port, dataDir, proc, log: () => output,
    async stop() { if (proc.exitCode === null) { proc.kill('SIGTERM'); await exited; } },
    async kill() { if (proc.exitCode === null) { proc.kill('SIGKILL'); await exited; } },
    cleanup() { rmSync(dataDir, { recursive: true, force: true }); },
  };
}
