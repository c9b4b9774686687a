// The one write that starts a copy, in a single PostgreSQL transaction (see sqlite/copies.ts for the
// reasoning): the destination's versions count runs under the same per-project advisory lock as
// CreateProjectVersion, the source row is locked FOR SHARE so a concurrent DeleteProjectVersion or
// status change waits for (or beats) the copy, and the unique index decides a name race.
import type { CopyStore, InsertCopyResult, NewJob, VersionRecord } from '../ports.js';
import { lockKey, tx, type Pool } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';
import { insertVersionRow, projectVersionsLock } from './versions.js';

export class PgCopyStore implements CopyStore {
  constructor(private readonly pool: Pool) {}

  async insertCopy(args: {
    version: VersionRecord; tags: Record<string, string>;
    source: { arn: string; modelSha256: string; statuses: string[] };
    job: NewJob;
    maxVersionsPerProject: number;
  }): Promise<InsertCopyResult> {
    const { version: v, source, job } = args;
    return tx(this.pool, async (c): Promise<InsertCopyResult> => {
      await lockKey(c, projectVersionsLock(v.projectArn));
      if ((await c.query('SELECT 1 FROM versions WHERE project_arn = $1 AND name = $2', [v.projectArn, v.name])).rowCount) return 'name-taken';
      const project = (await c.query('SELECT status FROM projects WHERE arn = $1 FOR SHARE', [v.projectArn])).rows[0] as { status: string } | undefined;
      if (!project || project.status === 'DELETING') return 'destination-gone';
      const n = (await c.query('SELECT count(*) AS n FROM versions WHERE project_arn = $1', [v.projectArn])).rows[0].n as number;
      if (n >= args.maxVersionsPerProject) return 'full';
      const sourceOk = await c.query('SELECT 1 FROM versions WHERE arn = $1 AND model_sha256 = $2 AND status = ANY($3) FOR SHARE',
        [source.arn, source.modelSha256, source.statuses]);
      if (!sourceOk.rowCount) return 'source-changed';
      if (!(await insertVersionRow(c, { ...v, statusMessage: undefined }))) return 'name-taken';
      await writeTags(c, v.arn, args.tags);
      await writeJob(c, job, v.createdAt.getTime());
      return 'inserted';
    });
  }
}
