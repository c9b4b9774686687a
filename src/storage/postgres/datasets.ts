// Datasets and their entries in PostgreSQL. Labels of an entry are a JSONB object {label: boxCount}:
// label filters use `?|`, label statistics jsonb_each_text. Entry writes are set-based (unnest).
import type {
  DatasetEntryQuery, DatasetEntryRecord, DatasetRecord, DatasetStatus, DatasetStatusPatch, DatasetStore, NewJob,
} from '../ports.js';
import { tx, type Client, type Pool, type Queryable } from './database.js';
import { writeJob } from './jobs.js';
import { writeTags } from './tags.js';

interface Row {
  arn: string; project_arn: string; type: string; status: string; status_message: string | null;
  status_message_code: string | null; created_ms: number; updated_ms: number;
}
interface EntryRow { source_ref: string; seq: number; line: string; labeled: boolean; has_errors: boolean; labels: Record<string, number> }

const toRecord = (r: Row): DatasetRecord => ({
  arn: r.arn, projectArn: r.project_arn, type: r.type as DatasetRecord['type'], status: r.status as DatasetStatus,
  statusMessage: r.status_message ?? undefined, statusMessageCode: (r.status_message_code ?? undefined) as DatasetRecord['statusMessageCode'],
  createdAt: new Date(r.created_ms), updatedAt: new Date(r.updated_ms),
});

const toEntry = (r: EntryRow): DatasetEntryRecord & { position: number } => ({
  position: r.seq, sourceRef: r.source_ref, line: r.line, labeled: r.labeled, hasErrors: r.has_errors, labels: r.labels,
});

/** Rows per INSERT when entries are written (keeps each statement's parameters small). */
const CHUNK = 5000;

export class PgDatasetStore implements DatasetStore {
  constructor(private readonly pool: Pool) {}

  private async insertRow(q: Queryable, d: DatasetRecord): Promise<boolean> {
    return (await q.query(`INSERT INTO datasets (arn, project_arn, type, status, status_message, status_message_code, created_ms, updated_ms)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [d.arn, d.projectArn, d.type, d.status, d.statusMessage ?? null, d.statusMessageCode ?? null, d.createdAt.getTime(), d.updatedAt.getTime()])).rowCount === 1;
  }

  insert(d: DatasetRecord) { return this.insertRow(this.pool, d); }

  async create(d: DatasetRecord, opts: { tags: Record<string, string>; job?: NewJob }) {
    return tx(this.pool, async (c) => {
      if (!(await this.insertRow(c, d))) return false;
      await writeTags(c, d.arn, opts.tags);
      if (opts.job) await writeJob(c, opts.job, d.createdAt.getTime());
      return true;
    });
  }

  async get(arn: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM datasets WHERE arn = $1', [arn])).rows[0];
    return r && toRecord(r);
  }

  async byProject(projectArn: string) {
    return (await this.pool.query<Row>('SELECT * FROM datasets WHERE project_arn = $1 ORDER BY created_ms', [projectArn])).rows.map(toRecord);
  }

  async withStatus(statuses: DatasetStatus[]) {
    return (await this.pool.query<Row>('SELECT * FROM datasets WHERE status = ANY($1)', [statuses])).rows.map(toRecord);
  }

  private async setStatus(c: Client, arn: string, from: DatasetStatus[], to: DatasetStatus, patch: DatasetStatusPatch): Promise<boolean> {
    const row = (await c.query<Row>('SELECT * FROM datasets WHERE arn = $1 AND status = ANY($2) FOR UPDATE', [arn, from])).rows[0];
    if (!row) return false;
    const message = patch.statusMessage === undefined ? row.status_message : patch.statusMessage;
    const code = patch.statusMessageCode === undefined ? row.status_message_code : patch.statusMessageCode;
    return (await c.query('UPDATE datasets SET status = $1, status_message = $2, status_message_code = $3, updated_ms = $4 WHERE arn = $5',
      [to, message, code, patch.updatedAt.getTime(), arn])).rowCount === 1;
  }

  async transition(arn: string, from: DatasetStatus[], to: DatasetStatus, patch: DatasetStatusPatch) {
    return tx(this.pool, (c) => this.setStatus(c, arn, from, to, patch));
  }

  /** Upserts by source-ref; a new source-ref goes last (seq after the current maximum). */
  private async upsert(c: Client, arn: string, entries: DatasetEntryRecord[]): Promise<void> {
    let seq = ((await c.query('SELECT coalesce(max(seq), 0) AS n FROM dataset_entries WHERE dataset_arn = $1', [arn])).rows[0].n as number) + 1;
    for (let i = 0; i < entries.length; i += CHUNK) {
      const part = entries.slice(i, i + CHUNK);
      await c.query(`INSERT INTO dataset_entries (dataset_arn, source_ref, seq, line, labeled, has_errors, labels)
        SELECT $1, r, s, l, lb, he, lj::jsonb FROM unnest($2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::boolean[], $7::text[]) AS t(r, s, l, lb, he, lj)
        ON CONFLICT (dataset_arn, source_ref) DO UPDATE SET
        line = excluded.line, labeled = excluded.labeled, has_errors = excluded.has_errors, labels = excluded.labels`,
      [arn, part.map((e) => e.sourceRef), part.map(() => seq++), part.map((e) => e.line), part.map((e) => e.labeled),
        part.map((e) => e.hasErrors), part.map((e) => JSON.stringify(e.labels))]);
    }
  }

  async commitEntries(arn: string, entries: DatasetEntryRecord[], opts: { replaceAll: boolean; from: DatasetStatus[]; to: DatasetStatus; patch: DatasetStatusPatch }) {
    return tx(this.pool, async (c) => {
      if (!(await this.setStatus(c, arn, opts.from, opts.to, opts.patch))) return false;
      if (opts.replaceAll) await c.query('DELETE FROM dataset_entries WHERE dataset_arn = $1', [arn]);
      await this.upsert(c, arn, entries);
      return true;
    });
  }

  async moveEntries(fromArn: string, toArn: string, sourceRefs: string[], to: DatasetStatus, patch: DatasetStatusPatch) {
    await tx(this.pool, async (c) => {
      // Moved in the order given (as the SQLite adapter does): ordinality keeps it.
      const rows = (await c.query<EntryRow>(`DELETE FROM dataset_entries e USING unnest($2::text[]) WITH ORDINALITY AS r(ref, ord)
        WHERE e.dataset_arn = $1 AND e.source_ref = r.ref RETURNING e.*, r.ord`, [fromArn, sourceRefs])).rows as (EntryRow & { ord: number })[];
      rows.sort((a, b) => a.ord - b.ord);
      await this.upsert(c, toArn, rows.map((r) => ({ ...toEntry(r), position: undefined })));
      for (const arn of [fromArn, toArn]) await this.setStatus(c, arn, ['UPDATE_IN_PROGRESS'], to, patch);
    });
  }

  async listEntries(arn: string, q: DatasetEntryQuery) {
    const args: unknown[] = [arn];
    const param = (v: unknown) => { args.push(v); return `$${args.length}`; };
    const where = ['dataset_arn = $1'];
    if (q.containsLabels?.length) where.push(`labels ?| ${param(q.containsLabels)}::text[]`);
    if (q.labeled !== undefined) where.push(`labeled = ${param(q.labeled)}`);
    if (q.hasErrors !== undefined) where.push(`has_errors = ${param(q.hasErrors)}`);
    if (q.sourceRefContains !== undefined) where.push(`strpos(source_ref, ${param(q.sourceRefContains)}) > 0`);
    if (q.after !== undefined) where.push(`seq > ${param(q.after)}`);
    const sql = `SELECT * FROM dataset_entries WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ${param(q.limit)}`;
    return (await this.pool.query<EntryRow>(sql, args)).rows.map(toEntry);
  }

  async allEntries(arn: string) {
    return (await this.pool.query<EntryRow>('SELECT * FROM dataset_entries WHERE dataset_arn = $1 ORDER BY seq', [arn])).rows.map(toEntry);
  }

  async labels(arn: string, q: { after?: string; limit: number }) {
    return (await this.pool.query(`SELECT j.key AS label, count(*)::int AS "entryCount", coalesce(sum(j.value::int), 0)::int AS "boxCount"
      FROM dataset_entries e, jsonb_each_text(e.labels) j WHERE e.dataset_arn = $1 AND j.key COLLATE "C" > $2
      GROUP BY j.key ORDER BY j.key COLLATE "C" LIMIT $3`,
    [arn, q.after ?? '', q.limit])).rows as { label: string; entryCount: number; boxCount: number }[];
  }

  async stats(arn: string) {
    const r = (await this.pool.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE labeled)::int AS labeled,
      count(*) FILTER (WHERE has_errors)::int AS errors,
      (SELECT count(DISTINCT j.key)::int FROM dataset_entries e, jsonb_object_keys(e.labels) j(key) WHERE e.dataset_arn = $1) AS labels
      FROM dataset_entries WHERE dataset_arn = $1`, [arn])).rows[0] as { total: number; labeled: number; errors: number; labels: number };
    return { totalEntries: r.total, labeledEntries: r.labeled, errorEntries: r.errors, totalLabels: r.labels };
  }

  async delete(arn: string) {
    await tx(this.pool, async (c) => {
      await c.query('DELETE FROM dataset_entries WHERE dataset_arn = $1', [arn]);
      await c.query('DELETE FROM tags WHERE resource_arn = $1', [arn]);
      await c.query('DELETE FROM datasets WHERE arn = $1', [arn]);
    });
  }
}
