import type { JobRecord, JobStore, NewJob } from '../ports.js';
import { inList, statement, type Db } from './database.js';

interface Row { id: string; kind: string; payload: string; state: string; attempts: number; lease_owner: string | null; lease_until_ms: number | null; created_ms: number; error: string | null }

const toRecord = (r: Row): JobRecord => ({
  id: r.id, kind: r.kind, payload: JSON.parse(r.payload), state: r.state as JobRecord['state'], attempts: r.attempts,
  leaseOwner: r.lease_owner ?? undefined, leaseUntil: r.lease_until_ms === null ? undefined : new Date(r.lease_until_ms),
  createdAt: new Date(r.created_ms), error: r.error ?? undefined,
});

/** Queues a job inside the caller's transaction (create + job writes). */
export function writeJob(db: Db, job: NewJob, createdMs: number): void {
  statement(db, `INSERT INTO jobs (id, kind, payload, state, created_ms) VALUES (?, ?, ?, 'QUEUED', ?)`)
    .run(job.id, job.kind, JSON.stringify(job.payload), createdMs);
}

export class SqliteJobStore implements JobStore {
  constructor(private readonly db: Db) {}

  async enqueue(job: { id: string; kind: string; payload: unknown; createdAt: Date }) {
    writeJob(this.db, job, job.createdAt.getTime());
  }

  async lease(kinds: string[], owner: string, now: Date, leaseMs: number, caps: Record<string, number> = {}) {
    if (kinds.length === 0) return undefined;
    return this.db.transaction(() => {
      const row = statement(this.db, `SELECT * FROM jobs j WHERE state = 'QUEUED' AND kind IN (${inList(kinds.length)})
        AND (json_extract(?, '$."' || kind || '"') IS NULL
          OR (SELECT count(*) FROM jobs r WHERE r.kind = j.kind AND r.state = 'RUNNING') < json_extract(?, '$."' || kind || '"'))
        ORDER BY created_ms, id LIMIT 1`).get(...kinds, JSON.stringify(caps), JSON.stringify(caps)) as Row | undefined;
      if (!row) return undefined;
      const changed = statement(this.db, `UPDATE jobs SET state = 'RUNNING', lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1
        WHERE id = ? AND state = 'QUEUED'`).run(owner, now.getTime() + leaseMs, row.id).changes;
      if (changed !== 1) return undefined;
      return toRecord({ ...row, state: 'RUNNING', lease_owner: owner, lease_until_ms: now.getTime() + leaseMs, attempts: row.attempts + 1 });
    }).immediate();
  }

  async renew(id: string, owner: string, until: Date) {
    return statement(this.db, `UPDATE jobs SET lease_until_ms = ? WHERE id = ? AND lease_owner = ? AND state = 'RUNNING'`).run(until.getTime(), id, owner).changes === 1;
  }

  async finish(id: string, owner: string, state: 'DONE' | 'FAILED', error?: string) {
    return statement(this.db, `UPDATE jobs SET state = ?, error = ?, lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND lease_owner IS ?`)
      .run(state, error ?? null, id, owner).changes === 1;
  }

  async orphaned(now: Date, liveOwner?: string) {
    const rows = liveOwner === undefined
      ? statement(this.db, `SELECT * FROM jobs WHERE state = 'RUNNING' AND lease_until_ms < ?`).all(now.getTime())
      : statement(this.db, `SELECT * FROM jobs WHERE state = 'RUNNING' AND (lease_owner IS NOT ? OR lease_until_ms < ?)`).all(liveOwner, now.getTime());
    return (rows as Row[]).map(toRecord);
  }

  async requeue(id: string, owner: string) {
    return statement(this.db, `UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_until_ms = NULL WHERE id = ? AND state = 'RUNNING' AND lease_owner IS ?`)
      .run(id, owner).changes === 1;
  }

  async get(id: string) {
    const r = statement(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return r && toRecord(r);
  }

  async claim(id: string, owner: string, now: Date, leaseMs: number, cap?: number) {
    return this.db.transaction((): JobRecord | 'capped' | undefined => {
      const row = statement(this.db, `SELECT * FROM jobs WHERE id = ? AND state = 'QUEUED'`).get(id) as Row | undefined;
      if (!row) return undefined;
      if (cap !== undefined && (statement(this.db, `SELECT count(*) FROM jobs WHERE kind = ? AND state = 'RUNNING' AND lease_until_ms >= ?`)
        .pluck().get(row.kind, now.getTime()) as number) >= cap) return 'capped';
      const until = now.getTime() + leaseMs;
      statement(this.db, `UPDATE jobs SET state = 'RUNNING', lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1 WHERE id = ?`).run(owner, until, id);
      return toRecord({ ...row, state: 'RUNNING', lease_owner: owner, lease_until_ms: until, attempts: row.attempts + 1 });
    }).immediate();
  }

  async running(kinds: string[], now: Date) {
    const out: Record<string, number> = Object.fromEntries(kinds.map((k) => [k, 0]));
    if (kinds.length === 0) return out;
    const rows = statement(this.db, `SELECT kind, count(*) AS n FROM jobs WHERE state = 'RUNNING' AND lease_until_ms >= ? AND kind IN (${inList(kinds.length)}) GROUP BY kind`)
      .all(now.getTime(), ...kinds) as Array<{ kind: string; n: number }>;
    for (const r of rows) out[r.kind] = r.n;
    return out;
  }

  async countActive(kind: string) {
    return statement(this.db, `SELECT count(*) FROM jobs WHERE kind = ? AND state IN ('QUEUED','RUNNING')`).pluck().get(kind) as number;
  }
}
