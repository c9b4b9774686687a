// Project policies in SQLite. The primary key (project_arn, name) keeps names unique, the
// count-guarded INSERT … SELECT keeps at most `max` per project in one statement (SQLite runs
// writers one at a time), and UPDATE … WHERE revision_id = ? is the compare-and-swap.
import type { InsertPolicyResult, ProjectPolicyRecord, ProjectPolicyStore } from '../ports.js';
import { statement, type Db } from './database.js';

interface Row { project_arn: string; name: string; revision_id: string; document: string; created_ms: number; updated_ms: number }

const toRecord = (r: Row): ProjectPolicyRecord => ({
  projectArn: r.project_arn, name: r.name, revisionId: r.revision_id, document: r.document,
  createdAt: new Date(r.created_ms), updatedAt: new Date(r.updated_ms),
});

export class SqlitePolicyStore implements ProjectPolicyStore {
  constructor(private readonly db: Db) {}

  async insert(p: ProjectPolicyRecord, max: number): Promise<InsertPolicyResult> {
    return this.db.transaction((): InsertPolicyResult => {
      if (!statement(this.db, 'SELECT 1 FROM projects WHERE arn = ?').get(p.projectArn)) return 'no-project';
      const changes = statement(this.db, `INSERT INTO project_policies (project_arn, name, revision_id, document, created_ms, updated_ms)
        SELECT @arn, @name, @rev, @doc, @ms, @ms WHERE (SELECT count(*) FROM project_policies WHERE project_arn = @arn) < @max
        ON CONFLICT DO NOTHING`).run({ arn: p.projectArn, name: p.name, rev: p.revisionId, doc: p.document, ms: p.createdAt.getTime(), max }).changes;
      if (changes === 1) return 'inserted';
      return statement(this.db, 'SELECT 1 FROM project_policies WHERE project_arn = ? AND name = ?').get(p.projectArn, p.name) ? 'exists' : 'full';
    }).immediate();
  }

  async update(projectArn: string, name: string, expectedRevision: string, next: { revisionId: string; document: string; updatedAt: Date }) {
    return statement(this.db, `UPDATE project_policies SET revision_id = ?, document = ?, updated_ms = ?
      WHERE project_arn = ? AND name = ? AND revision_id = ?`)
      .run(next.revisionId, next.document, next.updatedAt.getTime(), projectArn, name, expectedRevision).changes === 1;
  }

  async delete(projectArn: string, name: string, expectedRevision?: string) {
    const sql = expectedRevision === undefined
      ? statement(this.db, 'DELETE FROM project_policies WHERE project_arn = ? AND name = ?').run(projectArn, name)
      : statement(this.db, 'DELETE FROM project_policies WHERE project_arn = ? AND name = ? AND revision_id = ?').run(projectArn, name, expectedRevision);
    return sql.changes === 1;
  }

  async get(projectArn: string, name: string) {
    const r = statement(this.db, 'SELECT * FROM project_policies WHERE project_arn = ? AND name = ?').get(projectArn, name) as Row | undefined;
    return r && toRecord(r);
  }

  async list(projectArn: string, q?: { after?: string; limit: number }) {
    const rows = q
      ? statement(this.db, 'SELECT * FROM project_policies WHERE project_arn = ? AND name > ? ORDER BY name LIMIT ?').all(projectArn, q.after ?? '', q.limit)
      : statement(this.db, 'SELECT * FROM project_policies WHERE project_arn = ? ORDER BY name').all(projectArn);
    return (rows as Row[]).map(toRecord);
  }
}
