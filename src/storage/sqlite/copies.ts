// The one write that starts a copy, in a single SQLite transaction: the new version row (the
// unique index on (project, name) decides a race between copies with the same VersionName),
// its tags, and its queued job. The row is inserted only while the source version is still in a
// copyable status with the same model and the destination project exists and is not being
// deleted, so a concurrent DeleteProjectVersion either sees the copy's reference to the model
// blob (and keeps the blob) or wins, and then the copy is refused. No orphan row without a job.
import type { CopyStore, InsertCopyResult, NewJob, VersionRecord } from '../ports.js';
import { inList, statement, type Db } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';

export class SqliteCopyStore implements CopyStore {
  constructor(private readonly db: Db) {}

  async insertCopy(args: {
    version: VersionRecord; tags: Record<string, string>;
    source: { arn: string; modelSha256: string; statuses: string[] };
    job: NewJob;
    maxVersionsPerProject: number;
  }): Promise<InsertCopyResult> {
    const { version: v, source, job } = args;
    const marks = inList(source.statuses.length);
    return this.db.transaction((): InsertCopyResult => {
      if (statement(this.db, 'SELECT 1 FROM versions WHERE project_arn = ? AND name = ?').get(v.projectArn, v.name)) return 'name-taken';
      const project = statement(this.db, 'SELECT status FROM projects WHERE arn = ?').pluck().get(v.projectArn) as string | undefined;
      if (!project || project === 'DELETING') return 'destination-gone';
      const count = statement(this.db, 'SELECT count(*) FROM versions WHERE project_arn = ?').pluck().get(v.projectArn) as number;
      if (count >= args.maxVersionsPerProject) return 'full';
      const sourceOk = statement(this.db, `SELECT 1 FROM versions WHERE arn = ? AND model_sha256 = ? AND status IN (${marks})`)
        .get(source.arn, source.modelSha256, ...source.statuses);
      if (!sourceOk) return 'source-changed';
      const inserted = statement(this.db, `INSERT INTO versions (arn, project_arn, name, created_ms, status, status_message, model_sha256, detail)
        VALUES (?, ?, ?, ?, ?, NULL, ?, ?) ON CONFLICT DO NOTHING`)
        .run(v.arn, v.projectArn, v.name, v.createdAt.getTime(), v.status, v.modelSha256 ?? null, JSON.stringify(v.detail)).changes;
      if (inserted !== 1) return 'name-taken';
      writeTags(this.db, v.arn, args.tags);
      writeJob(this.db, job, v.createdAt.getTime());
      return 'inserted';
    }).immediate();
  }
}
