// Datasets and their entries. Labels of an entry are a JSON object {label: boxCount}, queried
// with json_each, so label filters and label statistics need no second table.
import type {
  DatasetEntryQuery, DatasetEntryRecord, DatasetRecord, DatasetStatus, DatasetStatusPatch, DatasetStore, NewJob,
} from '../ports.js';
import { inList, statement, type Db } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';

interface Row {
  arn: string; project_arn: string; type: string; status: string; status_message: string | null;
  status_message_code: string | null; created_ms: number; updated_ms: number;
}
interface EntryRow { source_ref: string; seq: number; line: string; labeled: number; has_errors: number; labels: string }

const toRecord = (r: Row): DatasetRecord => ({
  arn: r.arn, projectArn: r.project_arn, type: r.type as DatasetRecord['type'], status: r.status as DatasetStatus,
  statusMessage: r.status_message ?? undefined, statusMessageCode: (r.status_message_code ?? undefined) as DatasetRecord['statusMessageCode'],
  createdAt: new Date(r.created_ms), updatedAt: new Date(r.updated_ms),
});

const toEntry = (r: EntryRow): DatasetEntryRecord & { position: number } => ({
  position: r.seq, sourceRef: r.source_ref, line: r.line, labeled: r.labeled === 1, hasErrors: r.has_errors === 1, labels: JSON.parse(r.labels),
});

export class SqliteDatasetStore implements DatasetStore {
  constructor(private readonly db: Db) {}

  async insert(d: DatasetRecord) { return this.insertRow(d); }

  private insertRow(d: DatasetRecord): boolean {
    return statement(this.db, `INSERT INTO datasets (arn, project_arn, type, status, status_message, status_message_code, created_ms, updated_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(d.arn, d.projectArn, d.type, d.status, d.statusMessage ?? null, d.statusMessageCode ?? null, d.createdAt.getTime(), d.updatedAt.getTime()).changes === 1;
  }

  async create(d: DatasetRecord, opts: { tags: Record<string, string>; job?: NewJob }) {
    return this.db.transaction(() => {
      if (!this.insertRow(d)) return false;
      writeTags(this.db, d.arn, opts.tags);
      if (opts.job) writeJob(this.db, opts.job, d.createdAt.getTime());
      return true;
    }).immediate();
  }

  async get(arn: string) {
    const r = statement(this.db, 'SELECT * FROM datasets WHERE arn = ?').get(arn) as Row | undefined;
    return r && toRecord(r);
  }

  async byProject(projectArn: string) {
    return (statement(this.db, 'SELECT * FROM datasets WHERE project_arn = ? ORDER BY created_ms').all(projectArn) as Row[]).map(toRecord);
  }

  async withStatus(statuses: DatasetStatus[]) {
    return (statement(this.db, `SELECT * FROM datasets WHERE status IN (${inList(statuses.length)})`).all(...statuses) as Row[]).map(toRecord);
  }

  private setStatus(arn: string, from: DatasetStatus[], to: DatasetStatus, patch: DatasetStatusPatch): boolean {
    const row = statement(this.db, `SELECT * FROM datasets WHERE arn = ? AND status IN (${inList(from.length)})`).get(arn, ...from) as Row | undefined;
    if (!row) return false;
    const message = patch.statusMessage === undefined ? row.status_message : patch.statusMessage;
    const code = patch.statusMessageCode === undefined ? row.status_message_code : patch.statusMessageCode;
    return statement(this.db, 'UPDATE datasets SET status = ?, status_message = ?, status_message_code = ?, updated_ms = ? WHERE arn = ? AND status = ?')
      .run(to, message, code, patch.updatedAt.getTime(), arn, row.status).changes === 1;
  }

  async transition(arn: string, from: DatasetStatus[], to: DatasetStatus, patch: DatasetStatusPatch) {
    return this.db.transaction(() => this.setStatus(arn, from, to, patch)).immediate();
  }

  private upsert(arn: string, entries: DatasetEntryRecord[]): void {
    let seq = (statement(this.db, 'SELECT coalesce(max(seq), 0) FROM dataset_entries WHERE dataset_arn = ?').pluck().get(arn) as number) + 1;
    const stmt = statement(this.db, `INSERT INTO dataset_entries (dataset_arn, source_ref, seq, line, labeled, has_errors, labels)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_arn, source_ref) DO UPDATE SET
      line = excluded.line, labeled = excluded.labeled, has_errors = excluded.has_errors, labels = excluded.labels`);
    for (const e of entries) {
      stmt.run(arn, e.sourceRef, seq++, e.line, e.labeled ? 1 : 0, e.hasErrors ? 1 : 0, JSON.stringify(e.labels));
    }
  }

  async commitEntries(arn: string, entries: DatasetEntryRecord[], opts: { replaceAll: boolean; from: DatasetStatus[]; to: DatasetStatus; patch: DatasetStatusPatch }) {
    return this.db.transaction(() => {
      if (!this.setStatus(arn, opts.from, opts.to, opts.patch)) return false;
      if (opts.replaceAll) statement(this.db, 'DELETE FROM dataset_entries WHERE dataset_arn = ?').run(arn);
      this.upsert(arn, entries);
      return true;
    }).immediate();
  }

  async moveEntries(fromArn: string, toArn: string, sourceRefs: string[], to: DatasetStatus, patch: DatasetStatusPatch) {
    this.db.transaction(() => {
      const get = statement(this.db, 'SELECT * FROM dataset_entries WHERE dataset_arn = ? AND source_ref = ?');
      const del = statement(this.db, 'DELETE FROM dataset_entries WHERE dataset_arn = ? AND source_ref = ?');
      const moved: DatasetEntryRecord[] = [];
      for (const ref of sourceRefs) {
        const row = get.get(fromArn, ref) as EntryRow | undefined;
        if (!row) continue;
        moved.push(toEntry(row));
        del.run(fromArn, ref);
      }
      this.upsert(toArn, moved);
      for (const arn of [fromArn, toArn]) this.setStatus(arn, ['UPDATE_IN_PROGRESS'], to, patch);
    }).immediate();
  }

  async listEntries(arn: string, q: DatasetEntryQuery) {
    const where = ['dataset_arn = ?'];
    const args: unknown[] = [arn];
    if (q.containsLabels?.length) {
      where.push(`EXISTS (SELECT 1 FROM json_each(labels) j WHERE j.key IN (${inList(q.containsLabels.length)}))`);
      args.push(...q.containsLabels);
    }
    if (q.labeled !== undefined) { where.push('labeled = ?'); args.push(q.labeled ? 1 : 0); }
    if (q.hasErrors !== undefined) { where.push('has_errors = ?'); args.push(q.hasErrors ? 1 : 0); }
    if (q.sourceRefContains !== undefined) { where.push('instr(source_ref, ?) > 0'); args.push(q.sourceRefContains); }
    if (q.after !== undefined) { where.push('seq > ?'); args.push(q.after); }
    const rows = statement(this.db, `SELECT * FROM dataset_entries WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...args, q.limit) as EntryRow[];
    return rows.map(toEntry);
  }

  async allEntries(arn: string) {
    return (statement(this.db, 'SELECT * FROM dataset_entries WHERE dataset_arn = ? ORDER BY seq').all(arn) as EntryRow[]).map(toEntry);
  }

  async labels(arn: string, q: { after?: string; limit: number }) {
    const after = q.after === undefined ? '' : 'AND j.key > ?';
    return statement(this.db, `SELECT j.key AS label, count(*) AS entryCount, coalesce(sum(j.value), 0) AS boxCount
      FROM dataset_entries e, json_each(e.labels) j WHERE e.dataset_arn = ? ${after} GROUP BY j.key ORDER BY j.key LIMIT ?`)
      .all(arn, ...(q.after === undefined ? [] : [q.after]), q.limit) as { label: string; entryCount: number; boxCount: number }[];
  }

  async stats(arn: string) {
    const r = statement(this.db, `SELECT count(*) AS total, coalesce(sum(labeled), 0) AS labeled, coalesce(sum(has_errors), 0) AS errors
      FROM dataset_entries WHERE dataset_arn = ?`).get(arn) as { total: number; labeled: number; errors: number };
    const labels = statement(this.db, 'SELECT count(DISTINCT j.key) FROM dataset_entries e, json_each(e.labels) j WHERE e.dataset_arn = ?').pluck().get(arn) as number;
    return { totalEntries: r.total, labeledEntries: r.labeled, errorEntries: r.errors, totalLabels: labels };
  }

  async delete(arn: string) {
    this.db.transaction(() => {
      statement(this.db, 'DELETE FROM dataset_entries WHERE dataset_arn = ?').run(arn);
      statement(this.db, 'DELETE FROM tags WHERE resource_arn = ?').run(arn);
      statement(this.db, 'DELETE FROM datasets WHERE arn = ?').run(arn);
    })();
  }
}
