// Hosting model versions: StartProjectVersion and StopProjectVersion change the status and enqueue a
// persisted job; the job (reconcile) makes the units match the status: STARTING loads the model
// into MinInferenceUnits workers and warms them up before RUNNING; STOPPING terminates the workers
// before STOPPED; RUNNING with no workers here (after a restart) loads them again. On a shared
// database the units are placed on live nodes instead (placement.ts) and each node loads its own.
// Status changes go only through VersionStore.transition() as the lifecycle table allows.
import { InvalidParameter, LimitExceeded, ResourceInUse, Throttling } from '../../protocol/errors.js';
import type { JobKind, JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../server/logger.js';
import type { ObjectFiles } from '../s3/service.js';
import type { NodeStore, VersionRecord, VersionStore } from '../../storage/ports.js';
import type { Clock } from '../shared/clock.js';
import type { Membership } from '../nodes/membership.js';
import { Placement } from './placement.js';
import { RemoteUnits, type Inference, type PeerInference, type UnitReply } from './remote.js';
import { readModelHeader } from '../../ml/model-format.js';
import type { ModelVault } from '../keys/vault.js';
import type { Ids } from '../shared/ids.js';
import type { Caller } from '../shared/scope.js';
import { STARTABLE, allowedFrom, type VersionStatus } from '../versions/lifecycle.js';
import type { VersionService } from '../versions/service.js';
import { detect, type DetectInput } from './detect.js';
import { InferencePool, PoolClosed } from './pool.js';
import type { HostingSettings } from './settings.js';

export const HOSTING_JOB = 'host-version';

/** Statuses in which a version holds (or is about to hold) inference units. */
const HOSTED: VersionStatus[] = ['STARTING', 'RUNNING', 'STOPPING'];
/** Start is refused with InvalidParameterException from these (the model can never run). */
const NEVER_STARTABLE: VersionStatus[] = ['TRAINING_FAILED', 'COPYING_FAILED', 'DEPRECATED', 'EXPIRED'];

export const MESSAGES = {
  starting: 'The model is being started.',
  running: 'The model is running.',
  stopping: 'The model is being stopped.',
  stopped: 'The model is stopped.',
};

export interface HostingDeps {
  versions: VersionStore;
  lookup: VersionService;
  vault: ModelVault;
  objects: ObjectFiles;
  runner: JobRunner;
  ids: Ids;
  settings: HostingSettings;
  log: Logger;
  clock: Clock;
  nodes: NodeStore;
  membership: Membership;
  /**
   * Several nodes share the database (docs/scale-out.md): units are placed on live nodes, each node
   * loads its own, and DetectCustomLabels for a version held elsewhere goes to a holder via `peers`.
   */
  shared?: boolean;
  peers?: PeerInference;
}

export class HostingService {
  private readonly pools = new Map<string, InferencePool>();
  /** Units each local pool was started with (what the placements record). */
  private readonly unitsOf = new Map<string, number>();
  private readonly placement: Placement;
  /** Per-version serialisation of reconcile passes (guards this process's workers only). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Versions found RUNNING at boot whose workers are not registered yet: detect waits for them. */
  private readonly restoring = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  constructor(private readonly deps: HostingDeps) {
    this.placement = new Placement({
      nodes: deps.nodes, versions: deps.versions, membership: deps.membership, clock: deps.clock, log: deps.log, shared: !!deps.shared,
      local: {
        held: () => new Map(this.unitsOf),
        load: async (v, units) => { await this.unhost(v.arn); await this.host(v, units); },
        unload: (arn) => this.unhost(arn),
      },
    });
  }

  async start(caller: Caller, arn: string, min: number, max?: number): Promise<VersionStatus> {
    const v = await this.deps.lookup.get(caller, arn, 'StartProjectVersion');
    if (v.detail.feature === 'CONTENT_MODERATION') throw InvalidParameter(`The adapter ${arn} cannot be started; use it with DetectModerationLabels.`);
    if (max !== undefined && max < min) throw InvalidParameter(`MaxInferenceUnits (${max}) must be greater than or equal to MinInferenceUnits (${min}).`);
    if (!STARTABLE.includes(v.status)) {
      const make = NEVER_STARTABLE.includes(v.status) ? InvalidParameter : ResourceInUse;
      throw make(`The model version ${arn} cannot be started while its status is ${v.status}.`);
    }
    const limit = this.deps.settings.maxTotalUnits;
    // The unit count, the status change and the job are one transaction in the store, so concurrent
    // starts (on any node) cannot together pass the limit.
    const result = await this.deps.versions.startHosting(arn, {
      from: STARTABLE.filter((s) => allowedFrom('STARTING').includes(s)), units: min, maxUnits: max, maxTotalUnits: limit,
      statusMessage: MESSAGES.starting, job: this.hostingJob(arn),
    });
    if (result === 'full') {
      const inUse = (await this.deps.versions.withStatus(HOSTED)).reduce((n, h) => n + (h.detail.minInferenceUnits ?? 1), 0);
      throw LimitExceeded(`Starting ${min} inference units would exceed this server's limit of ${limit} (${inUse} in use).`);
    }
    if (result === 'changed') throw ResourceInUse(`The model version ${arn} changed status; try again.`);
    this.deps.runner.queued();
    return 'STARTING';
  }

  async stop(caller: Caller, arn: string): Promise<VersionStatus> {
    const v = await this.deps.lookup.get(caller, arn, 'StopProjectVersion');
    const from = allowedFrom('STOPPING');
    if (!from.includes(v.status)) throw ResourceInUse(`The model version ${arn} cannot be stopped while its status is ${v.status}.`);
    if (!(await this.deps.versions.transition(arn, from, 'STOPPING', { statusMessage: MESSAGES.stopping }))) {
      throw ResourceInUse(`The model version ${arn} changed status; try again.`);
    }
    await this.enqueue(arn);
    return 'STOPPING';
  }

  detect(caller: Caller, input: DetectInput) {
    return detect(this, this.deps, caller, input);
  }

  /**
   * The units that serve a RUNNING version: this process's workers (waits for a restore in
   * progress), or on a shared database the units of other nodes.
   */
  async poolFor(arn: string): Promise<Inference> {
    if (!this.pools.has(arn)) await this.restoring.get(arn)?.promise;
    const pool = this.pools.get(arn);
    if (pool) return pool;
    if (this.deps.shared && this.deps.peers) {
      const holders = await this.placement.remoteHolders(arn);
      if (holders.length) return new RemoteUnits(arn, holders, this.deps.peers);
    }
    // RUNNING in the database but not loaded (here or anywhere yet): retryable, not the client's fault.
    throw Throttling(`The model version ${arn} is not loaded on this server yet; retry.`);
  }

  /**
   * Another node forwarded an image (server/node-rpc.ts): runs it on this node's units of the
   * version. Rejects with PoolClosed when none is loaded here, PoolFull, or ImageRejected.
   */
  async serveUnit(arn: string, bytes: Buffer): Promise<UnitReply> {
    const pool = this.pools.get(arn);
    if (!pool) throw new PoolClosed(`no unit of ${arn} is loaded on this node`);
    const output = await pool.submit(bytes);
    return { kind: pool.kind, labels: pool.labels, thresholds: pool.thresholds, output };
  }

  /** Units alive or loading across all models (the autoscaler's budget). */
  totalUnits(): number {
    let n = 0;
    for (const p of this.pools.values()) n += p.size;
    return n;
  }

  private hostingJob(arn: string) {
    return { id: `host:${this.deps.ids.uuid()}`, kind: HOSTING_JOB, payload: { versionArn: arn } };
  }

  private async enqueue(arn: string): Promise<void> {
    const job = this.hostingJob(arn);
    await this.deps.runner.enqueue(job.kind, job.id, job.payload);
  }

  /** At boot: every version left STARTING, RUNNING or STOPPING by a previous process gets a reconcile job. */
  async restore(): Promise<void> {
    for (const v of await this.deps.versions.withStatus(HOSTED)) {
      if (v.status === 'RUNNING') {
        // Resolved by the reconcile pass once the pool exists (or its load failed).
        let resolve!: () => void;
        const promise = new Promise<void>((r) => { resolve = r; });
        this.restoring.set(v.arn, { promise, resolve });
      }
      this.deps.log.info('restoring hosted model', { version: v.arn, status: v.status });
      await this.enqueue(v.arn);
    }
  }

  private restored(arn: string): void {
    this.restoring.get(arn)?.resolve();
    this.restoring.delete(arn);
  }

  job(): JobKind {
    return {
      kind: HOSTING_JOB,
      concurrency: 4,
      run: ({ job }) => this.reconcile((job.payload as { versionArn: string }).versionArn),
      recover: async () => 'resume',
      fail: async (job, reason) => this.failHosting((job.payload as { versionArn: string }).versionArn, reason),
    };
  }

  /** Serialises passes per version; each pass reads the status afresh. */
  reconcile(arn: string): Promise<void> {
    const next = (this.chains.get(arn) ?? Promise.resolve()).catch(() => undefined).then(() => this.pass(arn));
    this.chains.set(arn, next);
    void next.finally(() => { if (this.chains.get(arn) === next) this.chains.delete(arn); }).catch(() => undefined);
    return next;
  }

  private async pass(arn: string): Promise<void> {
    const v = await this.deps.versions.get(arn);
    try {
      if (!v || !HOSTED.includes(v.status)) return await this.release(arn);
      if (v.status === 'STOPPING') {
        await this.release(arn);
        await this.deps.versions.transition(arn, ['STOPPING'], 'STOPPED', {
          statusMessage: MESSAGES.stopped, detail: { minInferenceUnits: undefined, maxInferenceUnits: undefined },
        });
        return;
      }
      try {
        if (this.deps.shared) await this.placement.placeAndWait(arn);
        else await this.host(v);
      } catch (e) {
        return await this.failHosting(arn, (e as Error).message);
      }
      if (v.status === 'STARTING' && !(await this.deps.versions.transition(arn, ['STARTING'], 'RUNNING', { statusMessage: MESSAGES.running }))) {
        return await this.pass(arn); // a stop arrived while loading
      }
    } finally {
      this.restored(arn);
    }
  }

  /** Every unit of the version goes: this process's, and on a shared database its placements. */
  private async release(arn: string): Promise<void> {
    if (this.deps.shared) await this.placement.release(arn);
    else await this.unhost(arn);
  }

  /** Loads the version into this process: MinInferenceUnits…MaxInferenceUnits units, or exactly `units` (a node's placed share). */
  private async host(v: VersionRecord, units?: number): Promise<void> {
    if (this.pools.has(v.arn)) return;
    let model: Buffer;
    try {
      model = await this.deps.vault.open(v);
    } catch (e) {
      throw new Error(`The model artifact could not be read or decrypted: ${(e as Error).message}`);
    }
    try {
      readModelHeader(model);
    } catch (e) {
      throw new Error(`The model artifact is not a valid model: ${(e as Error).message}`);
    }
    const min = units ?? v.detail.minInferenceUnits ?? 1;
    const pool = new InferencePool({
      name: v.arn, model, min, max: units ?? Math.max(min, v.detail.maxInferenceUnits ?? min),
      queuePerUnit: this.deps.settings.queuePerUnit, autoscale: this.deps.settings.autoscale,
      canGrow: () => this.totalUnits() < this.deps.settings.maxTotalUnits, log: this.deps.log,
    });
    // Registered before it is loaded, so requests after a restore queue instead of failing.
    this.pools.set(v.arn, pool);
    this.unitsOf.set(v.arn, min);
    this.restored(v.arn);
    try {
      await pool.start();
    } catch (e) {
      if (this.pools.get(v.arn) === pool) { this.pools.delete(v.arn); this.unitsOf.delete(v.arn); }
      throw new Error(`The model could not be loaded: ${(e as Error).message}`);
    }
  }

  private async unhost(arn: string): Promise<void> {
    const pool = this.pools.get(arn);
    if (!pool) return;
    this.pools.delete(arn);
    this.unitsOf.delete(arn);
    await pool.close();
    this.deps.log.info('model unloaded', { version: arn });
  }

  /** A start or restore that cannot load the model ends FAILED with the reason; a stop always ends STOPPED. */
  private async failHosting(arn: string, reason: string): Promise<void> {
    await this.release(arn);
    const message = reason.startsWith('The model') ? reason : `The model could not be started: ${reason}`;
    if (await this.deps.versions.transition(arn, ['STARTING', 'RUNNING'], 'FAILED', { statusMessage: message, detail: { minInferenceUnits: undefined, maxInferenceUnits: undefined } })) {
      this.deps.log.warn('model failed to start', { version: arn, reason: message });
      return;
    }
    await this.deps.versions.transition(arn, ['STOPPING'], 'STOPPED', { statusMessage: MESSAGES.stopped, detail: { minInferenceUnits: undefined, maxInferenceUnits: undefined } });
  }

  /** Shutdown: terminate every worker. The statuses stay, so the next boot restores them. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.unitsOf.clear();
    for (const arn of [...this.restoring.keys()]) this.restored(arn);
    await Promise.all(pools.map((p) => p.close()));
  }
}
