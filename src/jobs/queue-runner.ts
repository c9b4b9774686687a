// The job runner of PostgreSQL deployments (docs/scale-out.md, "Jobs across nodes"): a JobQueue
// (graphile-worker) claims entries and wakes nodes with LISTEN/NOTIFY; this runner keeps Osprey's job
// row the record. For each claimed entry it claims the row (QUEUED → RUNNING with a lease, under the
// kind's cluster-wide cap), runs the kind, renews the lease every third of it, and ends the row DONE or
// FAILED. A node that dies is found by its expired leases: every node sweeps every half lease, unlocks
// the dead owner's entries (force_unlock_workers) and queues them again; the node that claims one hands
// the row to the kind's recover() (resume or fail), so a version never stays *_IN_PROGRESS.
import type { JobQueue, JobRecord, JobStore } from '../storage/ports.js';
import type { Clock } from '../domain/shared/clock.js';
import type { Logger } from '../server/logger.js';
import { recoverJob, runLeased, type JobKind, type JobRunner, type LeaseDeps } from './runner.js';

const LEASE_MS = 60_000;

export class QueueJobRunner implements JobRunner {
  private readonly kinds = new Map<string, JobKind>();
  private readonly active = new Map<string, number>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly leaseMs: number;
  private owner = '';
  private stopped = true;
  private sweeper?: NodeJS.Timeout;

  /** `leaseMs`: lease of a running job (default 60 s), renewed every third of it; a dead node's jobs move after it expires. */
  constructor(private readonly store: JobStore, private readonly queue: JobQueue, private readonly clock: Clock,
    private readonly log: Logger, opts: { leaseMs?: number } = {}) {
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
  }

  register(kind: JobKind): void { this.kinds.set(kind.kind, kind); }

  async enqueue(kind: string, id: string, payload: unknown): Promise<void> {
    // The row and its queue entry in one transaction; the entry's NOTIFY wakes every node.
    await this.store.enqueue({ id, kind, payload, createdAt: this.clock.now() });
  }

  /** Nothing to do: the queue entry written with the job notified every node. */
  queued(): void {}
  poke(): void {}

  async start(): Promise<void> {
    const kinds = [...this.kinds.values()];
    this.owner = await this.queue.start({
      kinds: kinds.map((k) => k.kind), concurrency: kinds.reduce((n, k) => n + k.concurrency, 0),
      forbidden: () => this.forbidden(), run: (kind, id) => this.handle(kind, id),
    });
    this.stopped = false;
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), this.leaseMs / 2);
  }

  /** Kinds this node must not claim now: at their concurrency here, or at their cap across the cluster. */
  private async forbidden(): Promise<string[]> {
    const out = [...this.kinds.values()].filter((k) => (this.active.get(k.kind) ?? 0) >= k.concurrency).map((k) => k.kind);
    const capped = [...this.kinds.values()].filter((k) => k.clusterConcurrency !== undefined && !out.includes(k.kind));
    if (capped.length) {
      const n = await this.store.running(capped.map((k) => k.kind), this.clock.now());
      for (const k of capped) if ((n[k.kind] ?? 0) >= k.clusterConcurrency!) out.push(k.kind);
    }
    return out;
  }

  /**
   * Finds dead owners (expired leases; queue entries claimed but never started) and gives their jobs back to
   * the queue, with any QUEUED row that has no entry (queued by a version of Osprey before the queue).
   */
  private async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const orphans = (await this.store.orphaned(this.clock.now())).filter((j) => j.leaseOwner !== this.owner);
      const stale = await this.queue.staleOwners(this.leaseMs);
      const owners = [...new Set([...orphans.map((j) => j.leaseOwner ?? ''), ...stale])].filter((o) => o && o !== this.owner);
      const jobs = [...orphans.map((j) => ({ id: j.id, kind: j.kind })), ...await this.queue.unqueued()];
      if (!owners.length && !jobs.length) return;
      await this.queue.release(owners, jobs);
      this.log.warn('jobs of stopped nodes queued again', { owners, jobs: jobs.map((j) => j.id) });
    } catch (e) {
      this.log.error('job lease sweep failed', { error: String(e) });
    }
  }

  /** The queue's task for one claimed entry. Counts itself synchronously, before the node's next claim. */
  private handle(kindName: string, id: string): Promise<void> {
    this.active.set(kindName, (this.active.get(kindName) ?? 0) + 1);
    return this.process(this.kinds.get(kindName)!, id).finally(() => this.active.set(kindName, (this.active.get(kindName) ?? 1) - 1));
  }

  private async process(kind: JobKind, id: string): Promise<void> {
    const job = await this.store.get(id);
    if (!job || job.state === 'DONE' || job.state === 'FAILED') return;
    if (job.state === 'RUNNING') {
      // A live node holds it; should that node die, the sweep queues the job again.
      if (job.leaseUntil && job.leaseUntil.getTime() >= this.clock.now().getTime()) return;
      if (!(await recoverJob(this.lease(), kind, job))) return;
    }
    const claimed = await this.store.claim(id, this.owner, this.clock.now(), this.leaseMs, kind.clusterConcurrency);
    // Lost the race for a capped slot: queue it again at once; forbiddenFlags keeps nodes off it until a slot frees.
    if (claimed === 'capped') return this.queue.retry(job, 0);
    if (claimed) await this.execute(kind, claimed);
  }

  private lease(): LeaseDeps {
    return { store: this.store, clock: this.clock, log: this.log, owner: this.owner, leaseMs: this.leaseMs };
  }

  private async execute(kind: JobKind, job: JobRecord): Promise<void> {
    if (this.stopped) return this.handBack(job); // claimed while this node was stopping
    const { abort, done } = runLeased(this.lease(), kind, job, {
      stopping: () => this.stopped, onStopped: () => this.handBack(job),
      after: async () => {
        this.running.delete(job.id);
        // A freed slot of a capped kind may let a waiting job start on another node.
        if (kind.clusterConcurrency !== undefined) await this.queue.wake().catch(() => undefined);
      },
    });
    this.running.set(job.id, { abort, done });
    await done;
  }

  /** Shutting down mid-job: expire this node's lease and queue the job again, so another node recovers it at once. */
  private async handBack(job: JobRecord): Promise<void> {
    try {
      if (await this.store.renew(job.id, this.owner, new Date(0))) await this.queue.retry(job, 0);
    } catch (e) {
      this.log.warn('could not hand a job back at shutdown; another node takes it over after its lease', { job: job.id, error: String(e) });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return this.queue.stop();
    this.stopped = true;
    clearInterval(this.sweeper);
    const running = [...this.running.values()];
    for (const r of running) r.abort.abort();
    // The pool stops claiming at once (so a handed-back job goes to another node) and waits for its tasks.
    const stopping = this.queue.stop();
    await Promise.allSettled(running.map((r) => r.done));
    await stopping;
  }

  get busy(): boolean { return this.running.size > 0; }
}
