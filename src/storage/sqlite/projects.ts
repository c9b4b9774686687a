import type { Scope } from '../../domain/shared/scope.js';
import type { CreateProjectResult, DatasetSummary, ProjectDescription, ProjectQuery, ProjectRecord, ProjectStore } from '../ports.js';
import { inList, ReadCache, statement, type Db } from './database.js';
import { writeTags } from './tags.js';

interface Row { arn: string; account_id: string; region: string; name: string; created_ms: number; status: string; feature: string; auto_update: string | null }

const toRecord = (r: Row): ProjectRecord => ({
  arn: r.arn, accountId: r.account_id, region: r.region, name: r.name, createdAt: new Date(r.created_ms),
  status: r.status as ProjectRecord['status'], feature: r.feature as ProjectRecord['feature'],
  autoUpdate: (r.auto_update ?? undefined) as ProjectRecord['autoUpdate'],
});

export class SqliteProjectStore implements ProjectStore {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byNameStmt;
  private readonly deleteStmt;
  // DescribeProjects pages are the hot read; they stay valid until the database changes.
  private readonly reads: ReadCache;

  constructor(private readonly db: Db) {
    this.reads = new ReadCache(db);
    this.insertStmt = db.prepare(`INSERT INTO projects (arn, account_id, region, name, created_ms, status, feature, auto_update)
      VALUES (@arn, @accountId, @region, @name, @createdMs, @status, @feature, @autoUpdate) ON CONFLICT DO NOTHING`);
    this.getStmt = db.prepare('SELECT * FROM projects WHERE arn = ?');
    this.byNameStmt = db.prepare('SELECT * FROM projects WHERE account_id = ? AND region = ? AND name = ?');
    this.deleteStmt = db.prepare('DELETE FROM projects WHERE arn = ?');
  }

  async insert(p: ProjectRecord): Promise<boolean> {
    const r = this.insertStmt.run({ ...p, createdMs: p.createdAt.getTime(), autoUpdate: p.autoUpdate ?? null });
    return r.changes === 1;
  }

  async create(p: ProjectRecord, opts: { tags: Record<string, string>; maxPerAccount: number }): Promise<CreateProjectResult> {
    // IMMEDIATE: the write lock is held from the count to the insert (writers run one at a time).
    return this.db.transaction((): CreateProjectResult => {
      const n = statement(this.db, 'SELECT count(*) FROM projects WHERE account_id = ? AND region = ?').pluck().get(p.accountId, p.region) as number;
      if (n >= opts.maxPerAccount) return 'full';
      if (this.insertStmt.run({ ...p, createdMs: p.createdAt.getTime(), autoUpdate: p.autoUpdate ?? null }).changes !== 1) return 'name-taken';
      writeTags(this.db, p.arn, opts.tags);
      return 'inserted';
    }).immediate();
  }

  async get(arn: string) {
    const r = this.getStmt.get(arn) as Row | undefined;
    return r && toRecord(r);
  }

  async getByName(scope: Scope, name: string) {
    const r = this.byNameStmt.get(scope.accountId, scope.region, name) as Row | undefined;
    return r && toRecord(r);
  }

  async list(scope: Scope, q: ProjectQuery): Promise<ProjectRecord[]> {
    return this.query(scope, q);
  }

  private query(scope: Scope, q: ProjectQuery): ProjectRecord[] {
    const where = ['account_id = ?', 'region = ?'];
    const args: unknown[] = [scope.accountId, scope.region];
    if (q.names) { where.push(`name IN (${inList(q.names.length)})`); args.push(...q.names); }
    where.push(`feature IN (${inList(q.features.length)})`); args.push(...q.features);
    if (q.after) {
      where.push('(created_ms < ? OR (created_ms = ? AND name > ?))');
      args.push(q.after.createdAt.getTime(), q.after.createdAt.getTime(), q.after.name);
    }
    const rows = statement(this.db, `SELECT * FROM projects WHERE ${where.join(' AND ')} ORDER BY created_ms DESC, name LIMIT ?`)
      .all(...args, q.limit) as Row[];
    return rows.map(toRecord);
  }

  async count(scope: Scope): Promise<number> {
    return statement(this.db, 'SELECT count(*) FROM projects WHERE account_id = ? AND region = ?').pluck().get(scope.accountId, scope.region) as number;
  }

  async delete(arn: string) {
    this.db.transaction(() => {
      statement(this.db, 'DELETE FROM project_policies WHERE project_arn = ?').run(arn);
      statement(this.db, 'DELETE FROM tags WHERE resource_arn = ?').run(arn);
      this.deleteStmt.run(arn);
    })();
  }

  async children(arn: string) {
    const versions = statement(this.db, 'SELECT count(*) FROM versions WHERE project_arn = ?').pluck().get(arn) as number;
    const datasets = statement(this.db, 'SELECT count(*) FROM datasets WHERE project_arn = ?').pluck().get(arn) as number;
    return { versions, datasets };
  }

  async describe(scope: Scope, q: ProjectQuery): Promise<ProjectDescription[]> {
    const key = JSON.stringify([scope.accountId, scope.region, q.names ?? null, q.features, q.after?.createdAt.getTime() ?? null, q.after?.name ?? null, q.limit]);
    return this.reads.get(key, () => {
      const rows = this.query(scope, q);
      const datasets = this.datasetSummaries(rows.map((p) => p.arn));
      return rows.map((p) => ({ ...p, datasets: datasets.get(p.arn) ?? [] }));
    });
  }

  private datasetSummaries(projectArns: string[]): Map<string, DatasetSummary[]> {
    const out = new Map<string, DatasetSummary[]>();
    if (projectArns.length === 0) return out;
    const rows = statement(this.db, `SELECT * FROM datasets WHERE project_arn IN (${inList(projectArns.length)}) ORDER BY created_ms`)
      .all(...projectArns) as { arn: string; project_arn: string; type: string; status: string; status_message: string | null; status_message_code: string | null; created_ms: number }[];
    for (const r of rows) {
      const list = out.get(r.project_arn) ?? [];
      list.push({ arn: r.arn, type: r.type as 'TRAIN' | 'TEST', createdAt: new Date(r.created_ms), status: r.status,
        statusMessage: r.status_message ?? undefined, statusMessageCode: r.status_message_code ?? undefined });
      out.set(r.project_arn, list);
    }
    return out;
  }
}
