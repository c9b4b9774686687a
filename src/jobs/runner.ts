// The persisted job runner: leases queued jobs from the job table, runs them with a per-kind
// concurrency limit, renews leases while they run, and on start-up hands every job a previous
// process left RUNNING to its kind's recover() (resume or fail), so nothing stays in progress.
import type { JobRecord, JobStore } from '../storage/ports.js';
import type { Clock } from '../domain/shared/clock.js';
import type { Ids } from '../domain/shared/ids.js';
import type { Logger } from '../server/logger.js';

export interface JobContext {
  job: JobRecord;
  signal: AbortSignal;
  log: Logger;
}

export interface JobKind {
  kind: string;
  /** How many jobs of this kind may run at once in this process. */
  concurrency: number;
  run(ctx: JobContext): Promise<void>;
  /** Called for a job found RUNNING after a crash: 'resume' re-queues it, 'fail' ends it. */
  recover(job: JobRecord): Promise<'resume' | 'fail'>;
  /** Marks the job's resource failed (after run() threw, or recover() said 'fail'). */
  fail(job: JobRecord, reason: string): Promise<void>;
}

const LEASE_MS = 60_000;
const POLL_MS = 200;

export class JobRunner {
  private readonly kinds = new Map<string, JobKind>();
  private readonly running = new Map<string, { kind: string; abort: AbortController; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private stopped = true;
  private readonly owner: string;

  /**
   * `runsElsewhere`: this process only enqueues (a --workers worker); the callback tells the process
   * whose runner leases the jobs, so a new job starts at once instead of on that runner's next poll.
   */
  constructor(private readonly store: JobStore, private readonly clock: Clock, ids: Ids, private readonly log: Logger,
    private readonly runsElsewhere?: () => void) {
    this.owner = `runner-${ids.uuid()}`;
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
    for (const job of await this.store.orphaned(this.clock.now(), this.owner)) {
      const kind = this.kinds.get(job.kind);
      const decision = kind ? await kind.recover(job).catch(() => 'fail' as const) : 'fail';
      if (decision === 'resume') {
        this.log.info('job resumed after restart', { job: job.id, kind: job.kind });
        await this.store.requeue(job.id);
      } else {
        this.log.warn('job failed after restart', { job: job.id, kind: job.kind });
        await kind?.fail(job, 'The job was interrupted by a server restart.').catch(() => undefined);
        await this.store.finish(job.id, job.leaseOwner ?? '', 'FAILED', 'interrupted');
      }
    }
    this.stopped = false;
    this.poke();
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
      for (;;) {
        const free = [...this.kinds.values()].filter((k) => this.activeCount(k.kind) < k.concurrency).map((k) => k.kind);
        const job = await this.store.lease(free, this.owner, this.clock.now(), LEASE_MS);
        if (!job) break;
        this.launch(job);
      }
    } catch (e) {
      this.log.error('job scheduling failed', { error: String(e) });
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), POLL_MS);
  }

  private launch(job: JobRecord): void {
    const kind = this.kinds.get(job.kind)!;
    const abort = new AbortController();
    const renew = setInterval(() => {
      void this.store.renew(job.id, this.owner, new Date(this.clock.now().getTime() + LEASE_MS));
    }, LEASE_MS / 3);
    const done = (async () => {
      try {
        await kind.run({ job, signal: abort.signal, log: this.log });
        await this.store.finish(job.id, this.owner, 'DONE');
      } catch (e) {
        if (abort.signal.aborted && this.stopped) return; // shutting down: leave RUNNING for recovery
        const reason = e instanceof Error ? e.message : String(e);
        this.log.error('job failed', { job: job.id, kind: job.kind, error: reason });
        await kind.fail(job, reason).catch((err) => this.log.error('job fail handler failed', { error: String(err) }));
        await this.store.finish(job.id, this.owner, 'FAILED', reason);
      } finally {
        clearInterval(renew);
        this.running.delete(job.id);
        this.poke();
      }
    })();
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
