// One job runner interface, two implementations chosen by the metadata backend (docs/scale-out.md):
// TableJobRunner (table-runner.ts) polls the job table of the embedded SQLite database; QueueJobRunner
// (queue-runner.ts) runs on graphile-worker on PostgreSQL, across nodes. The domain sees only this.
import type { JobRecord, JobStore } from '../storage/ports.js';
import type { Clock } from '../domain/shared/clock.js';
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
  /** How many jobs of this kind may run at once on every runner of the database together. */
  clusterConcurrency?: number;
  run(ctx: JobContext): Promise<void>;
  /** Called for a job found RUNNING after a crash: 'resume' re-queues it, 'fail' ends it. */
  recover(job: JobRecord): Promise<'resume' | 'fail'>;
  /** Marks the job's resource failed (after run() threw, or recover() said 'fail'). */
  fail(job: JobRecord, reason: string): Promise<void>;
}

/** Runs persisted jobs: the domain registers kinds and queues jobs; the runner claims, runs and recovers them. */
export interface JobRunner {
  register(kind: JobKind): void;
  /** Queues a job (its row, and on PostgreSQL its queue entry, in one transaction) and wakes a runner. */
  enqueue(kind: string, id: string, payload: unknown): Promise<void>;
  /** Says that a job was queued by a store method that queued it in its own transaction. */
  queued(): void;
  /** Asks for a scheduling pass soon (a --workers worker queued a job). */
  poke(): void;
  /** Recovers what dead runners left, then starts claiming. */
  start(): Promise<void>;
  /** Stops claiming; aborts running jobs, which recovery resumes or fails. */
  stop(): Promise<void>;
  /** Whether a job is running in this process. */
  readonly busy: boolean;
}

/** What both runners share to run and recover jobs: the job table, this runner's lease owner id and lease length (ms). */
export interface LeaseDeps { store: JobStore; clock: Clock; log: Logger; owner: string; leaseMs: number }

/**
 * Hands a job that a dead runner left RUNNING to its kind's recover() (an unknown kind fails). Only the
 * runner whose conditional requeue/finish wins acts, so two runners that find the same orphan act once.
 * Returns whether the job was queued again.
 */
export async function recoverJob(d: Pick<LeaseDeps, 'store' | 'log'>, kind: JobKind | undefined, job: JobRecord): Promise<boolean> {
  const decision = kind ? await kind.recover(job).catch(() => 'fail' as const) : 'fail';
  const dead = job.leaseOwner ?? '';
  if (decision === 'resume') {
    const requeued = await d.store.requeue(job.id, dead);
    if (requeued) d.log.info('job resumed after its runner stopped', { job: job.id, kind: job.kind, runner: dead });
    return requeued;
  }
  if (await d.store.finish(job.id, dead, 'FAILED', 'interrupted')) {
    d.log.warn('job failed after its runner stopped', { job: job.id, kind: job.kind, runner: dead });
    await kind?.fail(job, 'The job was interrupted by a server restart.').catch(() => undefined);
  }
  return false;
}

/**
 * Runs a claimed job: renews its lease every third of it (another runner that took the job over after this
 * one stalled past the lease makes it abort and leave the job to them), then ends the row DONE, or FAILED
 * after the kind's fail(). Work aborted by the runner's stop goes to `onStopped`; `after` runs last, always.
 */
export function runLeased(d: LeaseDeps, kind: JobKind, job: JobRecord, hooks: {
  stopping: () => boolean; onStopped: () => Promise<void> | void; after: () => Promise<void> | void;
}): { abort: AbortController; done: Promise<void> } {
  const abort = new AbortController();
  let lost = false;
  const renew = setInterval(() => {
    void d.store.renew(job.id, d.owner, new Date(d.clock.now().getTime() + d.leaseMs)).then((held) => {
      if (!held && !abort.signal.aborted) { lost = true; d.log.warn('job lease lost', { job: job.id, kind: job.kind }); abort.abort(); }
    }, () => undefined);
  }, d.leaseMs / 3);
  const done = (async () => {
    try {
      await kind.run({ job, signal: abort.signal, log: d.log });
      await d.store.finish(job.id, d.owner, 'DONE');
    } catch (e) {
      if (abort.signal.aborted && lost) return;
      if (abort.signal.aborted && hooks.stopping()) return await hooks.onStopped();
      const reason = e instanceof Error ? e.message : String(e);
      d.log.error('job failed', { job: job.id, kind: job.kind, error: reason });
      await kind.fail(job, reason).catch((err) => d.log.error('job fail handler failed', { error: String(err) }));
      await d.store.finish(job.id, d.owner, 'FAILED', reason);
    } finally {
      clearInterval(renew);
      await hooks.after();
    }
  })();
  return { abort, done };
}
