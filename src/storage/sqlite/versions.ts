import type { VersionStatus } from '../../domain/versions/lifecycle.js';
import type { CreatedPosition, CreateVersionResult, NewJob, StartHostingResult, VersionPatch, VersionRecord, VersionStore } from '../ports.js';
import { inList, statement, type Db } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';

/** Statuses in which a version holds (or is about to hold) inference units. */
const HOSTED = ['STARTING', 'RUNNING', 'STOPPING'];

interface Row { arn: string; project_arn: string; name: string; created_ms: number; status: string; status_message: string | null; model_sha256: string | null; detail: string }

const toRecord = (r: Row): VersionRecord => ({
  arn: r.arn, projectArn: r.project_arn, name: r.name, createdAt: new Date(r.created_ms), status: r.status as VersionStatus,
  statusMessage: r.status_message ?? undefined, modelSha256: r.model_sha256 ?? undefined, detail: JSON.parse(r.detail),
});

export class SqliteVersionStore implements VersionStore {
  constructor(private readonly db: Db) {}

  async insert(v: VersionRecord) { return this.insertRow(v); }

  private insertRow(v: VersionRecord): boolean {
    return statement(this.db, `INSERT INTO versions (arn, project_arn, name, created_ms, status, status_message, model_sha256, detail)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(v.arn, v.projectArn, v.name, v.createdAt.getTime(), v.status, v.statusMessage ?? null, v.modelSha256 ?? null, JSON.stringify(v.detail)).changes === 1;
  }

  async create(args: { version: VersionRecord; tags: Record<string, string>; job: NewJob; maxPerProject: number }) {
    const v = args.version;
    return this.db.transaction((): CreateVersionResult => {
      const project = statement(this.db, 'SELECT status FROM projects WHERE arn = ?').pluck().get(v.projectArn) as string | undefined;
      if (!project || project === 'DELETING') return 'project-gone';
      if (statement(this.db, 'SELECT 1 FROM versions WHERE project_arn = ? AND name = ?').get(v.projectArn, v.name)) return 'name-taken';
      const n = statement(this.db, 'SELECT count(*) FROM versions WHERE project_arn = ?').pluck().get(v.projectArn) as number;
      if (n >= args.maxPerProject) return 'full';
      if (!this.insertRow(v)) return 'name-taken';
      writeTags(this.db, v.arn, args.tags);
      writeJob(this.db, args.job, v.createdAt.getTime());
      return 'inserted';
    }).immediate();
  }

  async startHosting(arn: string, args: { from: VersionStatus[]; units: number; maxUnits?: number; maxTotalUnits: number; statusMessage: string; job: NewJob }) {
    return this.db.transaction((): StartHostingResult => {
      const hosted = (statement(this.db, `SELECT detail FROM versions WHERE status IN (${inList(HOSTED.length)}) AND arn != ?`)
        .pluck().all(...HOSTED, arn) as string[]).reduce((n, d) => n + ((JSON.parse(d) as VersionRecord['detail']).minInferenceUnits ?? 1), 0);
      if (hosted + args.units > args.maxTotalUnits) return 'full';
      const ok = this.apply(arn, 'status = ?', args.from, 'STARTING', {
        statusMessage: args.statusMessage, detail: { minInferenceUnits: args.units, maxInferenceUnits: args.maxUnits },
      });
      if (!ok) return 'changed';
      writeJob(this.db, args.job, Date.now());
      return 'started';
    }).immediate();
  }

  async get(arn: string) {
    const r = statement(this.db, 'SELECT * FROM versions WHERE arn = ?').get(arn) as Row | undefined;
    return r && toRecord(r);
  }

  async list(projectArn: string, q: { names?: string[]; after?: CreatedPosition; limit: number }) {
    const names = q.names ? `AND name IN (${inList(q.names.length)})` : '';
    const after = q.after ? 'AND (created_ms < ? OR (created_ms = ? AND name > ?))' : '';
    const afterArgs = q.after ? [q.after.createdAt.getTime(), q.after.createdAt.getTime(), q.after.name] : [];
    const rows = statement(this.db, `SELECT * FROM versions WHERE project_arn = ? ${names} ${after} ORDER BY created_ms DESC, name LIMIT ?`)
      .all(projectArn, ...(q.names ?? []), ...afterArgs, q.limit) as Row[];
    return rows.map(toRecord);
  }

  private apply(arn: string, statusClause: string, statusArgs: string[], newStatus: string, patch: VersionPatch = {}): boolean {
    return this.db.transaction(() => {
      const row = statement(this.db, `SELECT * FROM versions WHERE arn = ? AND status IN (${inList(statusArgs.length)})`).get(arn, ...statusArgs) as Row | undefined;
      if (!row) return false;
      const detail = patch.detail ? JSON.stringify({ ...JSON.parse(row.detail), ...patch.detail }) : row.detail;
      const message = patch.statusMessage === undefined ? (newStatus === row.status ? row.status_message : null) : patch.statusMessage;
      return statement(this.db, `UPDATE versions SET status = ?, status_message = ?, model_sha256 = ?, detail = ? WHERE arn = ? AND ${statusClause}`)
        .run(newStatus, message, patch.modelSha256 ?? row.model_sha256, detail, arn, row.status).changes === 1;
    }).immediate();
  }

  async transition(arn: string, from: VersionStatus[], to: VersionStatus, patch?: VersionPatch) {
    return this.apply(arn, 'status = ?', from, to, patch);
  }

  async update(arn: string, status: VersionStatus, patch: VersionPatch) {
    return this.apply(arn, 'status = ?', [status], status, patch);
  }

  async delete(arn: string) {
    this.db.transaction(() => {
      statement(this.db, 'DELETE FROM tags WHERE resource_arn = ?').run(arn);
      statement(this.db, 'DELETE FROM versions WHERE arn = ?').run(arn);
    })();
  }

  async modelReferences(sha256: string) {
    return statement(this.db, 'SELECT count(*) FROM versions WHERE model_sha256 = ?').pluck().get(sha256) as number;
  }

  async withStatus(statuses: VersionStatus[]) {
    return (statement(this.db, `SELECT * FROM versions WHERE status IN (${inList(statuses.length)})`).all(...statuses) as Row[]).map(toRecord);
  }
}
