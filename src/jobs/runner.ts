// One job runner interface, two implementations chosen by the metadata backend (docs/scale-out.md):
// TableJobRunner (table-runner.ts) polls the job table of the embedded SQLite database; QueueJobRunner
// (queue-runner.ts) runs on graphile-worker on PostgreSQL, across nodes. The domain sees only this.
import type { JobRecord } from '../storage/ports.js';
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
