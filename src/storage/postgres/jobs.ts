// The job table in PostgreSQL. A lease claims the oldest queued job with FOR UPDATE SKIP LOCKED, so
// runners on many nodes never claim the same job and never wait on each other.
import type { JobRecord, JobStore, NewJob } from '../ports.js';
import { lockKey, tx, type Pool, type Queryable } from './database.js';

interface Row { id: string; kind: string; payload: string; state: string; attempts: number; lease_owner: string | null; lease_until_ms: number | null; created_ms: number; error: string | null }

const toRecord = (r: Row): JobRecord => ({
  id: r.id, kind: r.kind, payload: JSON.parse(r.payload), state: r.state as JobRecord['state'], attempts: r.attempts,
  leaseOwner: r.lease_owner ?? undefined, leaseUntil: r.lease_until_ms === null ? undefined : new Date(r.lease_until_ms),
  createdAt: new Date(r.created_ms), error: r.error ?? undefined,
});

/** Queues a job inside the caller's transaction (create + job writes). */
export async function writeJob(q: Queryable, job: NewJob, createdMs: number): Promise<void> {
  await q.query(`INSERT INTO jobs (id, kind, payload, state, created_ms) VALUES ($1, $2, $3, 'QUEUED', $4)`,
    [job.id, job.kind, JSON.stringify(job.payload), createdMs]);
}

export class PgJobStore implements JobStore {
  constructor(private readonly pool: Pool) {}

  async enqueue(job: { id: string; kind: string; payload: unknown; createdAt: Date }) {
    await writeJob(this.pool, job, job.createdAt.getTime());
  }

  async lease(kinds: string[], owner: string, now: Date, leaseMs: number, caps: Record<string, number> = {}) {
    if (kinds.length === 0) return undefined;
    const claim = (q: Queryable) => q.query<Row>(`UPDATE jobs SET state = 'RUNNING', lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1
      WHERE id = (SELECT id FROM jobs j WHERE state = 'QUEUED' AND kind = ANY($3)
        AND ($4::jsonb ->> kind IS NULL OR (SELECT count(*) FROM jobs r WHERE r.kind = j.kind AND r.state = 'RUNNING') < ($4::jsonb ->> kind)::int)
        ORDER BY created_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`, [owner, now.getTime() + leaseMs, kinds, JSON.stringify(caps)]);
    const capped = kinds.some((k) => caps[k] !== undefined);
    // A capped claim counts the kind's running jobs: claims are serialised cluster-wide (an advisory
    // lock) so two nodes cannot both see n-1 running and both claim. Uncapped claims need no lock.
    const r = capped
      ? await tx(this.pool, async (c) => { await lockKey(c, 'job-claims'); return (await claim(c)).rows[0]; })
      : (await claim(this.pool)).rows[0];
    return r && toRecord(r);
  }

  async renew(id: string, owner: string, until: Date) {
    return (await this.pool.query(`UPDATE jobs SET lease_until_ms = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'RUNNING'`,
      [until.getTime(), id, owner])).rowCount === 1;
  }

  async finish(id: string, owner: string, state: 'DONE' | 'FAILED', error?: string) {
    return (await this.pool.query('UPDATE jobs SET state = $1, error = $2, lease_owner = NULL, lease_until_ms = NULL WHERE id = $3 AND lease_owner IS NOT DISTINCT FROM $4',
      [state, error ?? null, id, owner])).rowCount === 1;
  }

  async orphaned(now: Date, liveOwner?: string) {
    const rows = liveOwner === undefined
      ? (await this.pool.query<Row>(`SELECT * FROM jobs WHERE state = 'RUNNING' AND lease_until_ms < $1`, [now.getTime()])).rows
      : (await this.pool.query<Row>(`SELECT * FROM jobs WHERE state = 'RUNNING' AND (lease_owner IS DISTINCT FROM $1 OR lease_until_ms < $2)`,
        [liveOwner, now.getTime()])).rows;
    return rows.map(toRecord);
  }

  async requeue(id: string, owner: string) {
    return (await this.pool.query(`UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_until_ms = NULL
      WHERE id = $1 AND state = 'RUNNING' AND lease_owner IS NOT DISTINCT FROM $2`, [id, owner])).rowCount === 1;
  }

  async get(id: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM jobs WHERE id = $1', [id])).rows[0];
    return r && toRecord(r);
  }

  async countActive(kind: string) {
    return (await this.pool.query(`SELECT count(*) AS n FROM jobs WHERE kind = $1 AND state IN ('QUEUED', 'RUNNING')`, [kind])).rows[0].n as number;
  }
}
