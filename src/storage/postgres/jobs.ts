// The job table in PostgreSQL: the record of every job (state, attempts, lease) that the domain reads.
// Each row is written together with its graphile-worker entry (queue.ts), which is what nodes claim and
// wake on; `lease` (a claim by age with FOR UPDATE SKIP LOCKED) remains for the polling runner.
import type { JobRecord, JobStore, NewJob } from '../ports.js';
import { lockKey, tx, type Pool, type Queryable } from './database.js';
import { addQueueEntry } from './queue.js';

interface Row { id: string; kind: string; payload: string; state: string; attempts: number; lease_owner: string | null; lease_until_ms: number | null; created_ms: number; error: string | null }

const toRecord = (r: Row): JobRecord => ({
  id: r.id, kind: r.kind, payload: JSON.parse(r.payload), state: r.state as JobRecord['state'], attempts: r.attempts,
  leaseOwner: r.lease_owner ?? undefined, leaseUntil: r.lease_until_ms === null ? undefined : new Date(r.lease_until_ms),
  createdAt: new Date(r.created_ms), error: r.error ?? undefined,
});

/** Queues a job inside the caller's transaction (create + job writes): its row and its queue entry, all or nothing. */
export async function writeJob(q: Queryable, job: NewJob, createdMs: number): Promise<void> {
  await q.query(`INSERT INTO jobs (id, kind, payload, state, created_ms) VALUES ($1, $2, $3, 'QUEUED', $4)`,
    [job.id, job.kind, JSON.stringify(job.payload), createdMs]);
  await addQueueEntry(q, job);
}

export class PgJobStore implements JobStore {
  constructor(private readonly pool: Pool) {}

  async enqueue(job: { id: string; kind: string; payload: unknown; createdAt: Date }) {
    await tx(this.pool, (c) => writeJob(c, job, job.createdAt.getTime()));
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

  async claim(id: string, owner: string, now: Date, leaseMs: number, cap?: number) {
    return tx(this.pool, async (c): Promise<JobRecord | 'capped' | undefined> => {
      if (cap !== undefined) {
        // Capped claims of every node count and claim one after the other (see lease()).
        await lockKey(c, 'job-claims');
        const n = (await c.query(`SELECT count(*)::int AS n FROM jobs WHERE kind = (SELECT kind FROM jobs WHERE id = $1)
          AND state = 'RUNNING' AND lease_until_ms >= $2`, [id, now.getTime()])).rows[0].n as number;
        if (n >= cap) return (await c.query(`SELECT 1 FROM jobs WHERE id = $1 AND state = 'QUEUED'`, [id])).rowCount ? 'capped' : undefined;
      }
      const r = (await c.query<Row>(`UPDATE jobs SET state = 'RUNNING', lease_owner = $2, lease_until_ms = $3, attempts = attempts + 1
        WHERE id = $1 AND state = 'QUEUED' RETURNING *`, [id, owner, now.getTime() + leaseMs])).rows[0];
      return r && toRecord(r);
    });
  }

  async running(kinds: string[], now: Date) {
    const out: Record<string, number> = Object.fromEntries(kinds.map((k) => [k, 0]));
    if (kinds.length === 0) return out;
    const rows = (await this.pool.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM jobs
      WHERE state = 'RUNNING' AND lease_until_ms >= $1 AND kind = ANY($2) GROUP BY kind`, [now.getTime(), kinds])).rows;
    for (const r of rows) out[r.kind] = r.n;
    return out;
  }

  async countActive(kind: string) {
    return (await this.pool.query(`SELECT count(*) AS n FROM jobs WHERE kind = $1 AND state IN ('QUEUED', 'RUNNING')`, [kind])).rows[0].n as number;
  }
}
