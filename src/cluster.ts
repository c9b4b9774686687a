// `osprey serve --workers N`: several processes on one data dir and one port (node:cluster).
//
// The primary process is the leader (app role 'leader'): it recovers after a restart, runs the job
// runner (training, copies, dataset imports, starting and stopping models) and holds the loaded models;
// it does not listen itself. N workers (role 'worker') share the port and serve the API from the same
// SQLite database: the invariants live in the database, and the read cache sees other processes'
// writes. Operations that need a loaded model (LEADER_OPERATIONS) are forwarded to the leader over
// the IPC channel. A job a worker enqueues is leased by the leader's runner, woken by a message.
import cluster, { type Worker } from 'node:cluster';
import { createApp, type App } from './app.js';
import type { ServerConfig } from './config.js';
import { ServiceError } from './protocol/errors.js';
import type { Logger } from './server/logger.js';
import type { Handler, RequestContext } from './server/pipeline.js';
import { ImageRejected, PoolClosed, PoolFull } from './domain/hosting/pool.js';
import type { UnitReply } from './domain/hosting/remote.js';
import type { ImageCheck } from './domain/hosting/limits.js';

/** The IPC name of an image another node forwarded (node-rpc.ts): the leader holds the units. */
const SERVE_UNIT = 'osprey:serve-unit';
type UnitOutcome = { reply: UnitReply } | { error: 'full' | 'closed' | 'image'; message: string; check?: ImageCheck };

interface Invoke { type: 'invoke'; id: number; operation: string; ctx: RequestContext; input: unknown }
interface Wake { type: 'wake' }
type Failure = { code: string; message: string; status: number } | { internal: string };
interface Result { type: 'result'; id: number; output?: unknown; error?: Failure }

/** A server this process runs; `url` is set once it accepts requests (not in a worker). */
export interface Running { url?: string; log: Logger; close(): Promise<void> }

const WORKER_STOP_MS = 10_000;

export async function startLeader(config: ServerConfig): Promise<Running> {
  const app = await createApp(config, { role: 'leader' });
  await app.listen(); // the job runner; the workers own the port
  // Advanced serialization carries Buffers (DetectCustomLabels image bytes) and Dates as they are.
  cluster.setupPrimary({ serialization: 'advanced' });
  let closing = false;
  let started = false;
  let failStart: (e: Error) => void = () => undefined;
  const fork = (): Worker => {
    const worker = cluster.fork();
    // A send to a worker that is going away fails; the worker's own exit is handled below.
    worker.on('error', (e) => app.log.warn('worker channel error', { pid: worker.process.pid, error: String(e) }));
    worker.on('message', (m: Invoke | Wake) => {
      if (m?.type === 'invoke') void answer(app, worker, m);
      else if (m?.type === 'wake') app.runner.poke();
    });
    worker.on('exit', (code, signal) => {
      if (closing) return;
      // A worker that cannot start (port in use, bad config) would fail again: give up instead.
      if (!started) return failStart(new Error(`a worker could not start (exit code ${code ?? signal}); its error is above`));
      app.log.error('worker exited; starting another', { pid: worker.process.pid, code, signal });
      fork();
    });
    return worker;
  };
  const stopAll = async () => {
    closing = true;
    await Promise.all(Object.values(cluster.workers ?? {}).map((w) => w && stopWorker(w)));
    await app.close();
  };
  const listening = new Promise<{ address: string; port: number }>((resolve, reject) => {
    let count = 0;
    cluster.on('listening', (_worker, address) => { if (++count === config.workers) resolve(address as { address: string; port: number }); });
    failStart = reject;
  });
  for (let i = 0; i < config.workers; i++) fork();
  let port: number;
  try {
    ({ port } = await listening);
  } catch (e) {
    await stopAll();
    throw e;
  }
  started = true;
  return { url: `http://${config.host}:${port}`, log: app.log, close: stopAll };
}

/** The pool's errors travel as data: IPC carries no error classes. */
async function serveUnit(app: App, input: { arn: string; bytes: Uint8Array }): Promise<UnitOutcome> {
  try {
    return { reply: await app.serveUnit(input.arn, Buffer.from(input.bytes)) };
  } catch (e) {
    if (e instanceof PoolFull) return { error: 'full', message: e.message };
    if (e instanceof PoolClosed) return { error: 'closed', message: e.message };
    if (e instanceof ImageRejected) return { error: 'image', message: e.message, check: e.check };
    throw e;
  }
}

async function answer(app: App, worker: Worker, m: Invoke): Promise<void> {
  if (m.operation === SERVE_UNIT) {
    const reply: Result = await serveUnit(app, m.input as { arn: string; bytes: Uint8Array })
      .then((output) => ({ type: 'result' as const, id: m.id, output }), (e) => ({ type: 'result' as const, id: m.id, error: { internal: String(e) } }));
    if (worker.isConnected()) worker.send(reply);
    return;
  }
  let reply: Result;
  try {
    reply = { type: 'result', id: m.id, output: await app.handlers[m.operation](m.ctx, m.input) };
  } catch (e) {
    if (!(e instanceof ServiceError)) app.log.error('forwarded operation failed', { op: m.operation, error: e instanceof Error ? e.stack : String(e) });
    const error: Failure = e instanceof ServiceError ? { code: e.code, message: e.message, status: e.status } : { internal: String(e) };
    reply = { type: 'result', id: m.id, error };
  }
  if (worker.isConnected()) worker.send(reply);
}

/** SIGTERM lets the worker finish its requests and close its database; SIGKILL if it hangs. */
function stopWorker(worker: Worker): Promise<void> {
  if (worker.isDead()) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => worker.process.kill('SIGKILL'), WORKER_STOP_MS);
    worker.once('exit', () => { clearTimeout(timer); resolve(); });
    worker.process.kill('SIGTERM');
  });
}

export async function startWorker(config: ServerConfig): Promise<Running> {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  process.on('message', (m: Result) => {
    const call = m?.type === 'result' ? pending.get(m.id) : undefined;
    if (!call) return;
    pending.delete(m.id);
    if (!m.error) call.resolve(m.output);
    else if ('internal' in m.error) call.reject(new Error(`leader: ${m.error.internal}`));
    else call.reject(new ServiceError(m.error.code, m.error.message, m.error.status));
  });
  // Without the leader there are no jobs and no models: a worker does not outlive it.
  process.on('disconnect', () => process.exit(1));
  const forward = (operation: string): Handler => (ctx, input) => new Promise((resolve, reject) => {
    const id = ++next;
    pending.set(id, { resolve, reject });
    process.send!({ type: 'invoke', id, operation, ctx, input } satisfies Invoke, undefined, {}, (e) => {
      if (e) { pending.delete(id); reject(e); }
    });
  });
  // Best effort: the leader's runner also polls.
  const wakeLeader = () => { process.send!({ type: 'wake' } satisfies Wake, undefined, {}, () => undefined); };
  const serveUnit = async (arn: string, bytes: Buffer): Promise<UnitReply> => {
    const out = await forward(SERVE_UNIT)({} as RequestContext, { arn, bytes }) as UnitOutcome;
    if ('reply' in out) return out.reply;
    if (out.error === 'full') throw new PoolFull(out.message);
    if (out.error === 'image') throw new ImageRejected(out.check!, out.message);
    throw new PoolClosed(out.message);
  };
  const app = await createApp(config, { role: 'worker', forward, wakeLeader, serveUnit });
  await app.listen();
  return { log: app.log, close: () => app.close() };
}

export const isWorkerProcess = (): boolean => cluster.isWorker;
