// Projects in PostgreSQL. The unique index (account, region, name) decides a name race; CreateProject
// counts the account's projects under a per-account advisory lock, so the quota holds across nodes.
import type { Scope } from '../../domain/shared/scope.js';
import type { CreateProjectResult, DatasetSummary, ProjectDescription, ProjectQuery, ProjectRecord, ProjectStore } from '../ports.js';
import { lockKey, tx, type Pool, type Queryable } from './database.js';
import { writeTags } from './tags.js';

interface Row { arn: string; account_id: string; region: string; name: string; created_ms: number; status: string; feature: string; auto_update: string | null }

const toRecord = (r: Row): ProjectRecord => ({
  arn: r.arn, accountId: r.account_id, region: r.region, name: r.name, createdAt: new Date(r.created_ms),
  status: r.status as ProjectRecord['status'], feature: r.feature as ProjectRecord['feature'],
  autoUpdate: (r.auto_update ?? undefined) as ProjectRecord['autoUpdate'],
});

async function insertRow(q: Queryable, p: ProjectRecord): Promise<boolean> {
  const r = await q.query(`INSERT INTO projects (arn, account_id, region, name, created_ms, status, feature, auto_update)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
  [p.arn, p.accountId, p.region, p.name, p.createdAt.getTime(), p.status, p.feature, p.autoUpdate ?? null]);
  return r.rowCount === 1;
}

export class PgProjectStore implements ProjectStore {
  constructor(private readonly pool: Pool) {}

  insert(p: ProjectRecord) { return insertRow(this.pool, p); }

  async create(p: ProjectRecord, opts: { tags: Record<string, string>; maxPerAccount: number }): Promise<CreateProjectResult> {
    return tx(this.pool, async (c): Promise<CreateProjectResult> => {
      await lockKey(c, `projects:${p.accountId}:${p.region}`);
      const n = (await c.query('SELECT count(*) AS n FROM projects WHERE account_id = $1 AND region = $2', [p.accountId, p.region])).rows[0].n as number;
      if (n >= opts.maxPerAccount) return 'full';
      if (!(await insertRow(c, p))) return 'name-taken';
      await writeTags(c, p.arn, opts.tags);
      return 'inserted';
    });
  }

  async get(arn: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM projects WHERE arn = $1', [arn])).rows[0];
    return r && toRecord(r);
  }

  async getByName(scope: Scope, name: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM projects WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name])).rows[0];
    return r && toRecord(r);
  }

  async list(scope: Scope, q: ProjectQuery): Promise<ProjectRecord[]> {
    const args: unknown[] = [scope.accountId, scope.region, q.features];
    const param = (v: unknown) => { args.push(v); return `$${args.length}`; };
    const where = ['account_id = $1', 'region = $2', 'feature = ANY($3)'];
    if (q.names) where.push(`name = ANY(${param(q.names)})`);
    if (q.after) {
      const ms = param(q.after.createdAt.getTime());
      where.push(`(created_ms < ${ms} OR (created_ms = ${ms} AND name COLLATE "C" > ${param(q.after.name)}))`);
    }
    const rows = (await this.pool.query<Row>(`SELECT * FROM projects WHERE ${where.join(' AND ')}
      ORDER BY created_ms DESC, name COLLATE "C" LIMIT ${param(q.limit)}`, args)).rows;
    return rows.map(toRecord);
  }

  async count(scope: Scope): Promise<number> {
    return (await this.pool.query('SELECT count(*) AS n FROM projects WHERE account_id = $1 AND region = $2', [scope.accountId, scope.region])).rows[0].n as number;
  }

  async delete(arn: string) {
    await tx(this.pool, async (c) => {
      await c.query('DELETE FROM project_policies WHERE project_arn = $1', [arn]);
      await c.query('DELETE FROM tags WHERE resource_arn = $1', [arn]);
      await c.query('DELETE FROM projects WHERE arn = $1', [arn]);
    });
  }

  async children(arn: string) {
    const r = (await this.pool.query(`SELECT (SELECT count(*) FROM versions WHERE project_arn = $1) AS versions,
      (SELECT count(*) FROM datasets WHERE project_arn = $1) AS datasets`, [arn])).rows[0];
    return { versions: r.versions as number, datasets: r.datasets as number };
  }

  async describe(scope: Scope, q: ProjectQuery): Promise<ProjectDescription[]> {
    const projects = await this.list(scope, q);
    if (projects.length === 0) return [];
    const rows = (await this.pool.query(`SELECT * FROM datasets WHERE project_arn = ANY($1) ORDER BY created_ms`, [projects.map((p) => p.arn)])).rows as
      { arn: string; project_arn: string; type: string; status: string; status_message: string | null; status_message_code: string | null; created_ms: number }[];
    const byProject = new Map<string, DatasetSummary[]>();
    for (const r of rows) {
      const list = byProject.get(r.project_arn) ?? [];
      list.push({ arn: r.arn, type: r.type as 'TRAIN' | 'TEST', createdAt: new Date(r.created_ms), status: r.status,
        statusMessage: r.status_message ?? undefined, statusMessageCode: r.status_message_code ?? undefined });
      byProject.set(r.project_arn, list);
    }
    return projects.map((p) => ({ ...p, datasets: byProject.get(p.arn) ?? [] }));
  }
}
