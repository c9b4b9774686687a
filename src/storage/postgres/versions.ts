// Model versions in PostgreSQL. Status changes lock the row (SELECT … FOR UPDATE) and apply only from
// the expected statuses; CreateProjectVersion counts under a per-project advisory lock (shared with
// copies.ts), StartProjectVersion counts inference units under one cluster-wide advisory lock.
import type { VersionStatus } from '../../domain/versions/lifecycle.js';
import type { CreatedPosition, CreateVersionResult, NewJob, StartHostingResult, VersionPatch, VersionRecord, VersionStore } from '../ports.js';
import { lockKey, tx, type Client, type Pool, type Queryable } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';

interface Row { arn: string; project_arn: string; name: string; created_ms: number; status: string; status_message: string | null; model_sha256: string | null; detail: string }

const toRecord = (r: Row): VersionRecord => ({
  arn: r.arn, projectArn: r.project_arn, name: r.name, createdAt: new Date(r.created_ms), status: r.status as VersionStatus,
  statusMessage: r.status_message ?? undefined, modelSha256: r.model_sha256 ?? undefined, detail: JSON.parse(r.detail),
});

/** Statuses in which a version holds (or is about to hold) inference units. */
const HOSTED = ['STARTING', 'RUNNING', 'STOPPING'];

/** The lock that serialises the versions-per-project count of one project (create and copy). */
export const projectVersionsLock = (projectArn: string) => `versions:${projectArn}`;

export async function insertVersionRow(q: Queryable, v: VersionRecord): Promise<boolean> {
  return (await q.query(`INSERT INTO versions (arn, project_arn, name, created_ms, status, status_message, model_sha256, detail)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
  [v.arn, v.projectArn, v.name, v.createdAt.getTime(), v.status, v.statusMessage ?? null, v.modelSha256 ?? null, JSON.stringify(v.detail)])).rowCount === 1;
}

export class PgVersionStore implements VersionStore {
  constructor(private readonly pool: Pool) {}

  insert(v: VersionRecord) { return insertVersionRow(this.pool, v); }

  async create(args: { version: VersionRecord; tags: Record<string, string>; job: NewJob; maxPerProject: number }) {
    const v = args.version;
    return tx(this.pool, async (c): Promise<CreateVersionResult> => {
      await lockKey(c, projectVersionsLock(v.projectArn));
      const project = (await c.query('SELECT status FROM projects WHERE arn = $1 FOR SHARE', [v.projectArn])).rows[0] as { status: string } | undefined;
      if (!project || project.status === 'DELETING') return 'project-gone';
      if ((await c.query('SELECT 1 FROM versions WHERE project_arn = $1 AND name = $2', [v.projectArn, v.name])).rowCount) return 'name-taken';
      const n = (await c.query('SELECT count(*) AS n FROM versions WHERE project_arn = $1', [v.projectArn])).rows[0].n as number;
      if (n >= args.maxPerProject) return 'full';
      if (!(await insertVersionRow(c, v))) return 'name-taken';
      await writeTags(c, v.arn, args.tags);
      await writeJob(c, args.job, v.createdAt.getTime());
      return 'inserted';
    });
  }

  async startHosting(arn: string, args: { from: VersionStatus[]; units: number; maxUnits?: number; maxTotalUnits: number; statusMessage: string; job: NewJob }) {
    return tx(this.pool, async (c): Promise<StartHostingResult> => {
      await lockKey(c, 'inference-units');
      const details = (await c.query<{ detail: string }>('SELECT detail FROM versions WHERE status = ANY($1) AND arn != $2', [HOSTED, arn])).rows;
      const hosted = details.reduce((n, r) => n + ((JSON.parse(r.detail) as VersionRecord['detail']).minInferenceUnits ?? 1), 0);
      if (hosted + args.units > args.maxTotalUnits) return 'full';
      const ok = await this.apply(c, arn, args.from, 'STARTING', {
        statusMessage: args.statusMessage, detail: { minInferenceUnits: args.units, maxInferenceUnits: args.maxUnits },
      });
      if (!ok) return 'changed';
      await writeJob(c, args.job, Date.now());
      return 'started';
    });
  }

  async get(arn: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM versions WHERE arn = $1', [arn])).rows[0];
    return r && toRecord(r);
  }

  async list(projectArn: string, q: { names?: string[]; after?: CreatedPosition; limit: number }) {
    const args: unknown[] = [projectArn];
    const param = (v: unknown) => { args.push(v); return `$${args.length}`; };
    const where = ['project_arn = $1'];
    if (q.names) where.push(`name = ANY(${param(q.names)})`);
    if (q.after) {
      const ms = param(q.after.createdAt.getTime());
      where.push(`(created_ms < ${ms} OR (created_ms = ${ms} AND name COLLATE "C" > ${param(q.after.name)}))`);
    }
    const rows = (await this.pool.query<Row>(`SELECT * FROM versions WHERE ${where.join(' AND ')}
      ORDER BY created_ms DESC, name COLLATE "C" LIMIT ${param(q.limit)}`, args)).rows;
    return rows.map(toRecord);
  }

  /** The conditional change inside a transaction: locks the row, then writes only from `from`. */
  private async apply(c: Client, arn: string, from: string[], to: string, patch: VersionPatch = {}): Promise<boolean> {
    const row = (await c.query<Row>('SELECT * FROM versions WHERE arn = $1 AND status = ANY($2) FOR UPDATE', [arn, from])).rows[0];
    if (!row) return false;
    const detail = patch.detail ? JSON.stringify({ ...JSON.parse(row.detail), ...patch.detail }) : row.detail;
    const message = patch.statusMessage === undefined ? (to === row.status ? row.status_message : null) : patch.statusMessage;
    return (await c.query('UPDATE versions SET status = $1, status_message = $2, model_sha256 = $3, detail = $4 WHERE arn = $5',
      [to, message, patch.modelSha256 ?? row.model_sha256, detail, arn])).rowCount === 1;
  }

  async transition(arn: string, from: VersionStatus[], to: VersionStatus, patch?: VersionPatch) {
    return tx(this.pool, (c) => this.apply(c, arn, from, to, patch));
  }

  async update(arn: string, status: VersionStatus, patch: VersionPatch) {
    return tx(this.pool, (c) => this.apply(c, arn, [status], status, patch));
  }

  async delete(arn: string) {
    await tx(this.pool, async (c) => {
      await c.query('DELETE FROM tags WHERE resource_arn = $1', [arn]);
      await c.query('DELETE FROM versions WHERE arn = $1', [arn]);
    });
  }

  async modelReferences(sha256: string) {
    return (await this.pool.query('SELECT count(*) AS n FROM versions WHERE model_sha256 = $1', [sha256])).rows[0].n as number;
  }

  async withStatus(statuses: VersionStatus[]) {
    return (await this.pool.query<Row>('SELECT * FROM versions WHERE status = ANY($1)', [statuses])).rows.map(toRecord);
  }
}
