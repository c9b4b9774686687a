// The polling job runner of the embedded backend (SQLite): leases queued jobs from the job table, runs
// them with a per-kind concurrency limit, renews leases while they run, and hands every job a dead runner
// left RUNNING to its kind's recover() (resume or fail), so nothing stays in progress. On the embedded
// database this runner is the only one: at start-up every RUNNING job of another owner is orphaned.
// PostgreSQL deployments (several nodes) use queue-runner.ts instead.
import type { JobRecord, JobStore } from '../storage/ports.js';
import type { Clock } from '../domain/shared/clock.js';
import type { Ids } from '../domain/shared/ids.js';
import type { Logger } from '../server/logger.js';
import { recoverJob, runLeased, type JobKind, type JobRunner, type LeaseDeps } from './runner.js';

const LEASE_MS = 60_000;
const POLL_MS = 200;

export interface RunnerOptions {
  /** Lease length; renewed every third of it while a job runs (default 60 s). */
  leaseMs?: number;
}

export class TableJobRunner implements JobRunner {
  private readonly kinds = new Map<string, JobKind>();
  private readonly running = new Map<string, { kind: string; abort: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private readonly owner: string;
  private readonly leaseMs: number;

  /**
   * `runsElsewhere`: this process only enqueues (a --workers worker); the callback tells the process
   * whose runner leases the jobs, so a new job starts at once instead of on that runner's next poll.
   */
  constructor(private readonly store: JobStore, private readonly clock: Clock, ids: Ids, private readonly log: Logger,
    private readonly runsElsewhere?: () => void, private readonly opts: RunnerOptions = {}) {
    this.owner = `runner-${ids.uuid()}`;
    this.leaseMs = opts.leaseMs ?? LEASE_MS;
  }

  private lease(): LeaseDeps {
    return { store: this.store, clock: this.clock, log: this.log, owner: this.owner, leaseMs: this.leaseMs };
  }

  register(kind: JobKind): void { this.kinds.set(kind.kind, kind); }

  async enqueue(kind: string, id: string, payload: unknown): Promise<void> {
    await this.store.enqueue({ id, kind, payload, createdAt: this.clock.now() });
    this.queued();
  }

  /** Says that a job was queued (by enqueue, or by a store method that queues one in its transaction). */
  queued(): void {
    if (this.runsElsewhere) this.runsElsewhere();
    else this.poke();
  }

  async start(): Promise<void> {
    await this.recoverOrphans();
    this.stopped = false;
    this.poke();
  }

  /** Hands jobs of dead runners to their kind's recover(); only the runner that requeues or fails one acts on it. */
  private async recoverOrphans(): Promise<void> {
    for (const job of await this.store.orphaned(this.clock.now(), this.owner)) {
      if (!this.running.has(job.id)) await recoverJob(this.lease(), this.kinds.get(job.kind), job);
    }
  }

  /** Asks for a scheduling pass soon. */
  poke(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  private activeCount(kind: string): number {
    let n = 0;
    for (const r of this.running.values()) if (r.kind === kind) n++;
    return n;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const caps: Record<string, number> = {};
      for (const k of this.kinds.values()) if (k.clusterConcurrency !== undefined) caps[k.kind] = k.clusterConcurrency;
      for (;;) {
        const free = [...this.kinds.values()].filter((k) => this.activeCount(k.kind) < k.concurrency).map((k) => k.kind);
        const job = await this.store.lease(free, this.owner, this.clock.now(), this.leaseMs, caps);
        if (!job) break;
        this.launch(job);
      }
    } catch (e) {
      this.log.error('job scheduling failed', { error: String(e) });
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), POLL_MS);
  }

  private launch(job: JobRecord): void {
    // Aborted by stop(): the row stays RUNNING under this runner's lease, for the next start's recovery.
    const { abort, done } = runLeased(this.lease(), this.kinds.get(job.kind)!, job, {
      stopping: () => this.stopped, onStopped: () => undefined,
      after: () => { this.running.delete(job.id); this.poke(); },
    });
    this.running.set(job.id, { kind: job.kind, abort, done });
  }

  /** Stops leasing; aborts running jobs, which a later start() recovers. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** For tests and shutdown: resolves when no job is running or queued in this process. */
  get busy(): boolean { return this.running.size > 0; }
}
