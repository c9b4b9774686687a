// The cross-node job queue on PostgreSQL: graphile-worker 0.17 (docs/scale-out.md, "Jobs across nodes").
// graphile-worker claims entries with FOR UPDATE SKIP LOCKED and wakes every node's pool with
// LISTEN/NOTIFY ("jobs:insert"); Osprey's `jobs` row stays the record of the job's state, attempts and
// lease. An entry is `add_job(kind, {"id": <job id>}, job_key => <job id>, flags => [kind])`, written in
// the same transaction as its row (writeJob). graphile-worker itself would leave a dead node's entries
// locked for 4 hours (`interval '4 hours'` in its get_job/reset_locked), so Osprey's lease sweep calls
// `force_unlock_workers` for the owners whose leases expired.
import { EventEmitter } from 'node:events';
import graphile from 'graphile-worker';
import type { JobQueue, NewJob, QueueTask } from '../ports.js';
import type { Logger } from '../../server/logger.js';
import type { Pool, Queryable } from './database.js';

const { runTaskList, runMigrations, Logger: GraphileLogger } = graphile;
type WorkerPool = ReturnType<typeof runTaskList>;

/** The schema graphile-worker installs its tables and functions in (its default). */
export const QUEUE_SCHEMA = 'graphile_worker';
/** graphile-worker's own retries, used only when a task throws (the database went away mid-task). */
const MAX_ATTEMPTS = 25;

/** Writes (or re-queues, keeping a pending entry's run_at) the queue entry of a job inside the caller's transaction. */
export async function addQueueEntry(q: Queryable, job: Pick<NewJob, 'id' | 'kind'>, opts: { delayMs?: number; mode?: 'replace' | 'preserve_run_at' } = {}): Promise<void> {
  await q.query(`SELECT ${QUEUE_SCHEMA}.add_job($1, json_build_object('id', $2::text), run_at => now() + $3 * interval '1 millisecond',
    max_attempts => $4, job_key => $2::text, flags => ARRAY[$1::text], job_key_mode => $5)`,
  [job.kind, job.id, opts.delayMs ?? 0, MAX_ATTEMPTS, opts.mode ?? 'replace']);
}

function graphileLogger(log?: Logger) {
  return new GraphileLogger(() => (level, message) => {
    if (!log) return;
    if (level === 'error') log.error(`queue: ${message}`);
    else if (level === 'warning') log.warn(`queue: ${message}`);
  });
}

/** Installs or upgrades graphile-worker's schema (its own migrations; run under Osprey's migration lock). */
export async function migrateQueue(pool: Pool): Promise<void> {
  await runMigrations({ pgPool: pool, schema: QUEUE_SCHEMA, logger: graphileLogger() });
}

/** Serialises one node's claims: held from `forbiddenFlags` until graphile reports the claim's outcome. */
class ClaimGate {
  private tail: Promise<void> = Promise.resolve();
  private release?: () => void;
  async acquire(): Promise<void> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => { release = r; });
    await prev;
    this.release = release;
  }
  done(): void { const r = this.release; this.release = undefined; r?.(); }
}

export class GraphileQueue implements JobQueue {
  private workers?: WorkerPool;

  /** `pollMs`: graphile-worker's poll for entries due later (retries); new entries wake workers by NOTIFY. */
  constructor(private readonly pool: Pool, private readonly log?: Logger, private readonly opts: { pollMs?: number } = {}) {}

  async start(opts: { kinds: string[]; concurrency: number; forbidden: () => Promise<string[]>; run: QueueTask }): Promise<string> {
    const events = new EventEmitter();
    const gate = new ClaimGate();
    // Every worker asks forbiddenFlags before each claim, then emits exactly one of these three: the
    // job's task is called synchronously after 'job:start', so it counts itself before the next claim.
    for (const e of ['job:start', 'worker:getJob:empty', 'worker:getJob:error']) events.on(e, () => gate.done());
    const tasks = Object.fromEntries(opts.kinds.map((kind) => [kind, async (payload: unknown) => {
      const id = (payload as { id?: unknown } | null)?.id;
      if (typeof id === 'string') await opts.run(kind, id);
    }]));
    this.workers = runTaskList({
      concurrency: opts.concurrency, schema: QUEUE_SCHEMA, noHandleSignals: true, pollInterval: this.opts.pollMs ?? 2000, logger: graphileLogger(this.log), events: events as never,
      forbiddenFlags: async () => { await gate.acquire(); return opts.forbidden(); },
    }, tasks, this.pool);
    return this.workers.id;
  }

  async stop(): Promise<void> {
    const w = this.workers;
    this.workers = undefined;
    if (w) await w.gracefulShutdown('Osprey node stopping');
  }

  async release(owners: string[], jobs: Array<{ id: string; kind: string }>): Promise<void> {
    if (owners.length === 0 && jobs.length === 0) return;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      if (owners.length) await c.query(`SELECT ${QUEUE_SCHEMA}.force_unlock_workers($1::text[])`, [owners]);
      for (const job of jobs) await addQueueEntry(c, job, { mode: 'preserve_run_at' });
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
    await this.wake();
  }

  async retry(job: { id: string; kind: string }, delayMs: number): Promise<void> {
    // The running entry is locked by this node: add_job gives the key to a new entry and the old one completes.
    await addQueueEntry(this.pool, job, { delayMs });
  }

  async staleOwners(ms: number): Promise<string[]> {
    const rows = (await this.pool.query<{ owner: string }>(`SELECT DISTINCT q.locked_by AS owner FROM ${QUEUE_SCHEMA}.jobs q
      LEFT JOIN jobs j ON j.id = q.key
      WHERE q.locked_by IS NOT NULL AND q.locked_at < now() - $1 * interval '1 millisecond' AND j.state IS DISTINCT FROM 'RUNNING'`, [ms])).rows;
    return rows.map((r) => r.owner);
  }

  async unqueued(): Promise<Array<{ id: string; kind: string }>> {
    return (await this.pool.query<{ id: string; kind: string }>(`SELECT j.id, j.kind FROM jobs j WHERE j.state = 'QUEUED'
      AND NOT EXISTS (SELECT 1 FROM ${QUEUE_SCHEMA}._private_jobs q WHERE q.key = j.id)`)).rows;
  }

  async wake(): Promise<void> {
    await this.pool.query(`SELECT pg_notify('jobs:insert', '{"count":1}')`);
  }
}
