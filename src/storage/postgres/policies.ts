// Project policies in PostgreSQL. The primary key (project_arn, name) keeps names unique, the
// per-project count runs under an advisory lock (with the project row locked FOR SHARE, so a
// concurrent DeleteProject waits), and UPDATE … WHERE revision_id = $n is the compare-and-swap.
import type { InsertPolicyResult, ProjectPolicyRecord, ProjectPolicyStore } from '../ports.js';
import { lockKey, tx, type Pool } from './database.js';

interface Row { project_arn: string; name: string; revision_id: string; document: string; created_ms: number; updated_ms: number }

const toRecord = (r: Row): ProjectPolicyRecord => ({
  projectArn: r.project_arn, name: r.name, revisionId: r.revision_id, document: r.document,
  createdAt: new Date(r.created_ms), updatedAt: new Date(r.updated_ms),
});

export class PgPolicyStore implements ProjectPolicyStore {
  constructor(private readonly pool: Pool) {}

  async insert(p: ProjectPolicyRecord, max: number): Promise<InsertPolicyResult> {
    return tx(this.pool, async (c): Promise<InsertPolicyResult> => {
      await lockKey(c, `policies:${p.projectArn}`);
      if (!(await c.query('SELECT 1 FROM projects WHERE arn = $1 FOR SHARE', [p.projectArn])).rowCount) return 'no-project';
      if ((await c.query('SELECT 1 FROM project_policies WHERE project_arn = $1 AND name = $2', [p.projectArn, p.name])).rowCount) return 'exists';
      const n = (await c.query('SELECT count(*) AS n FROM project_policies WHERE project_arn = $1', [p.projectArn])).rows[0].n as number;
      if (n >= max) return 'full';
      const r = await c.query(`INSERT INTO project_policies (project_arn, name, revision_id, document, created_ms, updated_ms)
        VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`, [p.projectArn, p.name, p.revisionId, p.document, p.createdAt.getTime()]);
      return r.rowCount === 1 ? 'inserted' : 'exists';
    });
  }

  async update(projectArn: string, name: string, expectedRevision: string, next: { revisionId: string; document: string; updatedAt: Date }) {
    return (await this.pool.query(`UPDATE project_policies SET revision_id = $1, document = $2, updated_ms = $3
      WHERE project_arn = $4 AND name = $5 AND revision_id = $6`,
    [next.revisionId, next.document, next.updatedAt.getTime(), projectArn, name, expectedRevision])).rowCount === 1;
  }

  async delete(projectArn: string, name: string, expectedRevision?: string) {
    const r = expectedRevision === undefined
      ? await this.pool.query('DELETE FROM project_policies WHERE project_arn = $1 AND name = $2', [projectArn, name])
      : await this.pool.query('DELETE FROM project_policies WHERE project_arn = $1 AND name = $2 AND revision_id = $3', [projectArn, name, expectedRevision]);
    return r.rowCount === 1;
  }

  async get(projectArn: string, name: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM project_policies WHERE project_arn = $1 AND name = $2', [projectArn, name])).rows[0];
    return r && toRecord(r);
  }

  async list(projectArn: string, q?: { after?: string; limit: number }) {
    const rows = q
      ? (await this.pool.query<Row>('SELECT * FROM project_policies WHERE project_arn = $1 AND name COLLATE "C" > $2 ORDER BY name COLLATE "C" LIMIT $3',
        [projectArn, q.after ?? '', q.limit])).rows
      : (await this.pool.query<Row>('SELECT * FROM project_policies WHERE project_arn = $1 ORDER BY name COLLATE "C"', [projectArn])).rows;
    return rows.map(toRecord);
  }
}
