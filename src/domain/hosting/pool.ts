// Inference units as capacity: a pool of worker threads, each holding the loaded model and serving
// one image at a time, in front of a short bounded queue. A request that finds the queue full is
// refused at once (the caller turns that into ProvisionedThroughputExceededException) instead of
// waiting without bound. Between MinInferenceUnits and MaxInferenceUnits a control loop adds a
// unit under sustained load and retires one after a long idle spell (docs/inference.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../server/logger.js';
import type { ImageCheck } from './limits.js';
import type { AutoscaleSettings } from './settings.js';
import type { ModelKind, WorkerHello, WorkerReply } from './worker.js';

export class PoolFull extends Error {}
export class PoolClosed extends Error {}
export class ModelLoadError extends Error {}
export class ImageRejected extends Error {
  constructor(readonly check: ImageCheck, message: string) { super(message); }
}

export interface PoolOptions {
  name: string;
  model: Buffer;
  min: number;
  max: number;
  queuePerUnit: number;
  autoscale: AutoscaleSettings;
  /** Whether the server-wide unit budget allows one more unit. */
  canGrow: () => boolean;
  log: Logger;
}

interface Job { id: number; bytes: Uint8Array; resolve: (c: Float32Array) => void; reject: (e: Error) => void }
interface Unit { worker: Worker; ready: boolean; job?: Job; busySince: number; retiring: boolean }

/** The compiled worker beside this file, or (run from src/ under tsx) a boot that registers tsx first. */
function workerEntry(): { file: string; eval: boolean } {
  const js = fileURLToPath(new URL('./worker.js', import.meta.url));
  if (existsSync(js)) return { file: js, eval: false };
  const ts = new URL('./worker.ts', import.meta.url).href;
  return { file: `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(ts)}); })`, eval: true };
}

export class InferencePool {
  kind: ModelKind = 'classification';
  labels: string[] = [];
  thresholds: number[] = [];
  private readonly units: Unit[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Kept (small) while hosted, so replacement and scale-up units can load it. */
  private model: Buffer | undefined;
  private tick?: NodeJS.Timeout;
  private busyMs = 0;
  private refused = 0;
  private hotMs = 0;
  private coldMs = 0;
  private crashes = 0;

  constructor(private readonly opts: PoolOptions) { this.model = opts.model; }

  /** Units alive or loading (what the server-wide budget counts). */
  get size(): number { return this.units.length; }

  /** Loads the model into MinInferenceUnits workers and warms each up; throws ModelLoadError. */
  async start(): Promise<void> {
    const loads = Array.from({ length: this.opts.min }, () => this.spawn());
    const results = await Promise.allSettled(loads);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw failed.reason instanceof ModelLoadError ? failed.reason : new ModelLoadError(String(failed.reason));
    }
    this.tick = setInterval(() => this.control(), this.opts.autoscale.tickMs);
    this.tick.unref();
  }

  private spawn(): Promise<void> {
    const entry = workerEntry();
    const worker = new Worker(entry.file, { workerData: { model: new Uint8Array(this.model!) }, eval: entry.eval });
    const unit: Unit = { worker, ready: false, busySince: 0, retiring: false };
    this.units.push(unit);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: WorkerHello | WorkerReply) => {
        if ('type' in m) {
          if (m.type === 'ready') {
            this.kind = m.kind;
            this.labels = m.labels;
            this.thresholds = m.thresholds;
            unit.ready = true;
            this.crashes = 0;
            this.opts.log.info('inference unit ready', { version: this.opts.name, units: this.units.length, loadMs: Math.round(m.loadMs) });
            resolve();
            this.dispatch();
          } else {
            this.remove(unit);
            reject(new ModelLoadError(m.message));
          }
          return;
        }
        this.finish(unit, m);
      });
      worker.on('error', (e) => this.opts.log.error('inference unit error', { version: this.opts.name, error: e.stack ?? String(e) }));
      worker.on('exit', (code) => {
        if (!this.units.includes(unit)) return;
        this.remove(unit);
        if (!unit.ready) { reject(new ModelLoadError(`the inference unit exited (code ${code}) while loading the model`)); return; }
        unit.job?.reject(new Error(`inference unit exited (code ${code})`));
        if (!this.closed && !unit.retiring) this.replace();
      });
    });
  }

  /** A unit died while serving: start another so capacity stays at least MinInferenceUnits. */
  private replace(): void {
    if (this.units.length >= this.opts.min || !this.model) return;
    if (++this.crashes > 5) { this.opts.log.error('inference units keep crashing; not replacing', { version: this.opts.name }); return; }
    this.spawn().catch((e) => this.opts.log.error('replacement unit failed to load', { version: this.opts.name, error: String(e) }));
  }

  private remove(unit: Unit): void {
    const i = this.units.indexOf(unit);
    if (i >= 0) this.units.splice(i, 1);
  }

  /** Queues one image; resolves with the unit's reply (WorkerReply: confidences or detections) or rejects (PoolFull, ImageRejected…). */
  submit(bytes: Buffer): Promise<Float32Array> {
    if (this.closed) return Promise.reject(new PoolClosed('the model is not hosted'));
    const capacity = this.opts.queuePerUnit * Math.max(1, this.units.length);
    const idle = this.units.some((u) => u.ready && !u.job && !u.retiring);
    if (!idle && this.queue.length >= capacity) {
      this.refused++;
      return Promise.reject(new PoolFull(`all ${this.units.length} inference units are busy and ${this.queue.length} requests are queued`));
    }
    return new Promise<Float32Array>((resolve, reject) => {
      // Our own copy, so it can be transferred to the worker without cloning.
      this.queue.push({ id: this.nextId++, bytes: new Uint8Array(bytes), resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const unit of this.units) {
      if (this.queue.length === 0) return;
      if (!unit.ready || unit.job || unit.retiring) continue;
      const job = this.queue.shift()!;
      unit.job = job;
      unit.busySince = performance.now();
      unit.worker.postMessage({ id: job.id, bytes: job.bytes }, [job.bytes.buffer as ArrayBuffer]);
    }
  }

  private finish(unit: Unit, reply: WorkerReply): void {
    const job = unit.job;
    unit.job = undefined;
    this.busyMs += performance.now() - unit.busySince;
    if (job && job.id === reply.id) {
      if (reply.ok) job.resolve(reply.confidences);
      else job.reject(new ImageRejected(reply.check, reply.message));
    }
    if (unit.retiring) { this.remove(unit); void unit.worker.terminate(); }
    this.dispatch();
  }

  /** One step of the autoscaling control loop (docs/inference.md). */
  private control(): void {
    const a = this.opts.autoscale;
    const ready = this.units.filter((u) => u.ready && !u.retiring);
    const now = performance.now();
    let busy = this.busyMs;
    for (const u of ready) if (u.job) busy += Math.min(a.tickMs, now - u.busySince);
    const utilisation = ready.length ? busy / (ready.length * a.tickMs) : 1;
    const hot = utilisation >= a.upUtilisation || this.refused > 0 || this.queue.length > 0;
    const cold = utilisation <= a.downUtilisation && this.queue.length === 0;
    this.busyMs = 0;
    this.refused = 0;
    this.hotMs = hot ? this.hotMs + a.tickMs : 0;
    this.coldMs = cold ? this.coldMs + a.tickMs : 0;
    if (this.hotMs >= a.upAfterMs && this.units.length < this.opts.max && this.model && this.opts.canGrow()) {
      this.hotMs = 0;
      this.opts.log.info('inference units scaling up', { version: this.opts.name, from: this.units.length, to: this.units.length + 1 });
      this.spawn().catch((e) => this.opts.log.error('scale-up unit failed to load', { version: this.opts.name, error: String(e) }));
    } else if (this.coldMs >= a.downAfterMs && ready.length > this.opts.min) {
      this.coldMs = 0;
      const unit = ready.find((u) => !u.job) ?? ready[ready.length - 1]!;
      unit.retiring = true;
      this.opts.log.info('inference units scaling down', { version: this.opts.name, from: this.units.length, to: this.units.length - 1 });
      if (!unit.job) { this.remove(unit); void unit.worker.terminate(); }
    }
  }

  /** Terminates every unit (their memory goes with them) and refuses what is still queued. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.tick);
    this.model = undefined;
    for (const job of this.queue.splice(0)) job.reject(new PoolClosed('the model was stopped'));
    const units = this.units.splice(0);
    for (const u of units) u.job?.reject(new PoolClosed('the model was stopped'));
    await Promise.all(units.map((u) => u.worker.terminate()));
  }
}
