// The embedded object store: S3 semantics over files. Each object is one or more immutable chunk
// files named by random ids (<root>/<id[0..2]>/<id>), and its index row (key, size, ETag, metadata,
// chunk list) lives in SQLite. Keys never become paths, so any S3 key works (`a` beside `a/b`,
// `..`, `//`, trailing `/`, Unicode) and no name can reach outside <root>.
//
// Writes stream into <root>/.tmp, are checked (Content-MD5, length), fsynced, renamed to their chunk name,
// and become visible when one transaction swaps the index row; the chunks it replaced are removed
// afterwards. A multipart object keeps its parts' chunks as they are (no second copy of the bytes).
// After a crash, sweep() removes temporary files and chunks that no row references.
//
// Small objects (INLINE_MAX bytes at most) keep their bytes in the index instead, in s3_inline, written
// in the same transaction as their row: no file to create, fsync, rename and later open. MinIO inlines
// small objects into its metadata the same way, and SQLite reads small blobs faster than separate files
// (sqlite.org/fasterthanfs.html). They are as atomic as any row, and never garbage after a crash.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  failedCondition, ObjectStoreError, type ByteRange, type ObjectChecksum, type ListQuery, type ObjectInfo, type ObjectListing, type ObjectMeta, type ObjectStore,
  type PartInfo, type PutOptions, type StoredHeaders, type UploadInfo, type WriteConditions,
} from '../ports.js';
import { statement, type Db } from '../sqlite/database.js';
import { concatPieces, readSmall } from './bodies.js';

/** A piece of an object's bytes: a chunk file, or bytes kept in the index (s3_inline). */
type Chunk = FileChunk | { inline: number; size: number };
interface FileChunk { id: string; size: number }
interface ObjectRow { bucket: string; key: string; size: number; etag: string; content_type: string; metadata: string; headers: string | null; modified_ms: number; sse_key_arn: string | null; chunks: string; checksum: string | null }
interface PartRow { part_number: number; chunk: string; size: number; etag: string; modified_ms: number }

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const CHUNK_ID = /^[0-9a-f]{32}$/;
/** Bytes: objects up to this size are kept in the index (MinIO's inline threshold is 128 KiB too). */
export const INLINE_MAX = 128 * 1024;
/** Bytes a chunk write buffers while the previous write is under way. */
const WRITE_BUFFER = 1024 * 1024;

const fileIds = (chunks: string) => (JSON.parse(chunks) as Chunk[]).flatMap((c) => ('id' in c ? [c.id] : []));

const toInfo = (r: ObjectRow): ObjectInfo => ({
  key: r.key, size: r.size, etag: r.etag, lastModified: new Date(r.modified_ms), contentType: r.content_type, metadata: JSON.parse(r.metadata),
  ...(r.headers ? { headers: JSON.parse(r.headers) } : {}),
  ...(r.sse_key_arn ? { sseKeyArn: r.sse_key_arn } : {}),
  ...(r.checksum ? { checksum: parseChecksum(r.checksum) } : {}),
});

const storedHeaders = (h: StoredHeaders | undefined) => (h && Object.keys(h).length ? JSON.stringify(h) : null);
const formatChecksum = (c: ObjectChecksum | undefined) => (c ? `${c.algorithm}:${c.value}` : null);
function parseChecksum(text: string): ObjectChecksum {
  const colon = text.indexOf(':');
  return { algorithm: text.slice(0, colon) as ObjectChecksum['algorithm'], value: text.slice(colon + 1) };
}

/** The least string greater than every string that starts with `s` (UTF-8 / code point order). */
export function successor(s: string): string {
  const cps = [...s];
  const last = cps.pop()!;
  return cps.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

export class FsObjectStore implements ObjectStore {
  private readonly tmp: string;
  private readonly folders = new Set<string>();
  constructor(private readonly db: Db, private readonly root: string, private readonly now: () => Date = () => new Date()) {
    this.tmp = join(root, '.tmp');
  }

  private chunkPath(id: string): string {
    if (!CHUNK_ID.test(id)) throw new Error(`not a chunk id: ${id}`);
    return join(this.root, id.slice(0, 2), id);
  }

  /** Creates a folder once per process (they are never removed while running). */
  private async folder(dir: string): Promise<void> {
    if (this.folders.has(dir)) return;
    await fs.mkdir(dir, { recursive: true });
    this.folders.add(dir);
  }

  /** Streams `body` into a new chunk; returns it with the MD5 of its bytes. Nothing is left behind on failure. */
  private async writeChunk(body: NodeJS.ReadableStream | Buffer, opts: PutOptions = {}): Promise<{ chunk: FileChunk; md5: Buffer }> {
    await this.folder(this.tmp);
    const id = randomBytes(16).toString('hex');
    const tmp = join(this.tmp, id);
    const hash = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(c: Buffer, _e, done) {
        hash.update(c);
        size += c.length;
        if (opts.length !== undefined && size > opts.length) return done(new ObjectStoreError('IncompleteBody', 'The request body is longer than its declared length.'));
        done(null, c);
      },
    });
    try {
      // flush: the bytes reach the disk (fsync) before the chunk gets its name and an index row points at it.
      // A 1 MiB buffer lets the body keep arriving while a write is under way, and writes go out in large pieces.
      if (Buffer.isBuffer(body)) {
        hash.update(body);
        size = body.length;
        await fs.writeFile(tmp, body, { flush: true });
      } else await pipeline(body, meter, createWriteStream(tmp, { flush: true, highWaterMark: WRITE_BUFFER }));
      if (opts.length !== undefined && size < opts.length) throw new ObjectStoreError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      const md5 = hash.digest();
      if (opts.md5 && !opts.md5.equals(md5)) throw new ObjectStoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
      await this.folder(join(this.root, id.slice(0, 2)));
      await fs.rename(tmp, this.chunkPath(id));
      return { chunk: { id, size }, md5 };
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  private async removeChunks(ids: string[]): Promise<void> {
    await Promise.all(ids.map((id) => fs.rm(this.chunkPath(id), { force: true })));
  }

  private row(bucket: string, key: string): ObjectRow | undefined {
    return statement(this.db, 'SELECT * FROM s3_objects WHERE bucket = ? AND key = ?').get(bucket, key) as ObjectRow | undefined;
  }

  /** In a transaction: drops the inline bytes of a row's chunks; returns its chunk files, to remove after the commit. */
  private release(chunks: string): string[] {
    for (const c of JSON.parse(chunks) as Chunk[]) {
      if ('inline' in c) statement(this.db, 'DELETE FROM s3_inline WHERE id = ?').run(c.inline);
    }
    return fileIds(chunks);
  }

  /**
   * Makes a row visible in one transaction, with `inline` as its bytes when given (r.chunks is set
   * then), if `conditions` hold (ObjectStoreError otherwise); returns the chunk files of the object it replaced.
   */
  private commit(r: ObjectRow, inline?: Buffer, conditions: WriteConditions = {}): string[] {
    return this.db.transaction(() => {
      const old = this.row(r.bucket, r.key);
      const failed = failedCondition(conditions, old?.etag);
      if (failed) throw failed;
      if (inline) {
        const id = Number(statement(this.db, 'INSERT INTO s3_inline (bytes) VALUES (?)').run(inline).lastInsertRowid);
        r.chunks = JSON.stringify([{ inline: id, size: inline.length }]);
      }
      statement(this.db, `INSERT INTO s3_objects (bucket, key, size, etag, content_type, metadata, headers, modified_ms, sse_key_arn, chunks, checksum)
        VALUES (@bucket, @key, @size, @etag, @content_type, @metadata, @headers, @modified_ms, @sse_key_arn, @chunks, @checksum)
        ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag, content_type = excluded.content_type,
          metadata = excluded.metadata, headers = excluded.headers, modified_ms = excluded.modified_ms, sse_key_arn = excluded.sse_key_arn,
          chunks = excluded.chunks, checksum = excluded.checksum`).run(r);
      return old ? this.release(old.chunks) : [];
    }).immediate();
  }

  /** Buckets need no storage of their own here: objects are rows and chunk files. */
  async createBucket(): Promise<'created'> { return 'created'; }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const r = this.row(bucket, key);
    return r && toInfo(r);
  }

  async get(bucket: string, key: string, range?: ByteRange) {
    // A concurrent overwrite may remove the chunks between the read of the row and the opens: read again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = this.row(bucket, key);
      if (!r) return undefined;
      const chunks = JSON.parse(r.chunks) as Chunk[];
      const start = range?.start ?? 0;
      const end = range?.end ?? r.size - 1;
      const only = chunks[0];
      if (chunks.length === 1 && only && 'inline' in only) {
        // Read in the same turn as the row (better-sqlite3 is synchronous): no write can come between.
        const bytes = statement(this.db, 'SELECT bytes FROM s3_inline WHERE id = ?').pluck().get(only.inline) as Buffer | undefined;
        if (!bytes) throw new Error(`s3://${bucket}/${key}: its inline bytes are missing`);
        return { info: toInfo(r), body: start === 0 && end === bytes.length - 1 ? bytes : bytes.subarray(start, end + 1) };
      }
      const pieces: { handle: fs.FileHandle; start: number; end: number }[] = [];
      try {
        let offset = 0;
        for (const c of chunks) {
          if (!('id' in c)) throw new Error(`s3://${bucket}/${key}: inline bytes in a chunk list`);
          const from = Math.max(start, offset);
          const to = Math.min(end, offset + c.size - 1);
          if (from <= to) pieces.push({ handle: await fs.open(this.chunkPath(c.id), 'r'), start: from - offset, end: to - offset });
          offset += c.size;
        }
      } catch (e) {
        await Promise.all(pieces.map((p) => p.handle.close()));
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      return { info: toInfo(r), body: concatPieces(pieces) };
    }
    throw new Error(`s3://${bucket}/${key} changed too often while being read`);
  }

  async part(bucket: string, key: string, partNumber: number) {
    const r = this.row(bucket, key);
    if (!r) return undefined;
    // A multipart object's chunks are its parts (a copy of one is a single chunk, and one part, again).
    const chunks = JSON.parse(r.chunks) as Chunk[];
    const multipart = Number(/-(\d+)$/.exec(r.etag)?.[1]) === chunks.length;
    const sizes = multipart ? chunks.map((c) => c.size) : [r.size];
    if (partNumber > sizes.length || r.size === 0) return 'no-such-part' as const;
    const start = sizes.slice(0, partNumber - 1).reduce((n, x) => n + x, 0);
    return { range: { start, end: start + sizes[partNumber - 1]! - 1 }, ...(multipart ? { partsCount: sizes.length } : {}) };
  }

  async put(bucket: string, key: string, body: NodeJS.ReadableStream | Buffer, meta: ObjectMeta, opts: PutOptions = {}): Promise<ObjectInfo> {
    const small = Buffer.isBuffer(body) ? (body.length <= INLINE_MAX ? body : undefined)
      : opts.length !== undefined && opts.length <= INLINE_MAX ? await readSmall(body, opts.length) : undefined;
    let chunk: FileChunk | undefined;
    let md5: Buffer;
    if (small) {
      if (opts.length !== undefined && small.length < opts.length) throw new ObjectStoreError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      md5 = createHash('md5').update(small).digest();
      if (opts.md5 && !opts.md5.equals(md5)) throw new ObjectStoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    } else ({ chunk, md5 } = await this.writeChunk(body, opts));
    const r: ObjectRow = {
      bucket, key, size: small ? small.length : chunk!.size, etag: md5.toString('hex'), content_type: meta.contentType ?? DEFAULT_CONTENT_TYPE,
      metadata: JSON.stringify(meta.metadata ?? {}), headers: storedHeaders(meta.headers), modified_ms: this.now().getTime(), sse_key_arn: meta.sseKeyArn ?? null, chunks: JSON.stringify(chunk ? [chunk] : []),
      checksum: formatChecksum(meta.checksum), // read after the body ended: a trailing checksum is known only then
    };
    let replaced: string[];
    try { replaced = this.commit(r, small, opts); } catch (e) { if (chunk) await this.removeChunks([chunk.id]); throw e; }
    await this.removeChunks(replaced);
    return toInfo(r);
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }, meta?: ObjectMeta): Promise<ObjectInfo | undefined> {
    const src = await this.get(from.bucket, from.key);
    if (!src) return undefined;
    // The bytes are copied (new inline bytes or one new chunk), so the source may change or go while the copy stands.
    const small = Buffer.isBuffer(src.body) ? src.body : undefined;
    const chunk = small ? undefined : (await this.writeChunk(src.body)).chunk;
    const r: ObjectRow = {
      bucket: to.bucket, key: to.key, size: src.info.size, etag: src.info.etag,
      content_type: meta ? (meta.contentType ?? DEFAULT_CONTENT_TYPE) : src.info.contentType,
      metadata: JSON.stringify(meta ? (meta.metadata ?? {}) : src.info.metadata), headers: storedHeaders(meta ? meta.headers : src.info.headers), modified_ms: this.now().getTime(),
      sse_key_arn: src.info.sseKeyArn ?? null, chunks: JSON.stringify(chunk ? [chunk] : []), checksum: formatChecksum(src.info.checksum),
    };
    await this.removeChunks(this.commit(r, small));
    return toInfo(r);
  }

  async delete(bucket: string, key: string): Promise<void> {
    const old = this.db.transaction(() => {
      const r = this.row(bucket, key);
      if (r) statement(this.db, 'DELETE FROM s3_objects WHERE bucket = ? AND key = ?').run(bucket, key);
      return r ? this.release(r.chunks) : [];
    }).immediate();
    await this.removeChunks(old);
  }

  async list(bucket: string, q: ListQuery): Promise<ObjectListing> {
    const prefix = q.prefix ?? '';
    const delimiter = q.delimiter || undefined;
    const out: ObjectListing = { objects: [], commonPrefixes: [], isTruncated: false };
    // Where to start: after `after` (and past every key of it when it is a common prefix), never before the prefix.
    let cursor: { op: '>' | '>='; value: string } = { op: '>=', value: prefix };
    if (q.after !== undefined && q.after >= prefix) {
      const rest = q.after.slice(prefix.length);
      const isPrefix = delimiter && q.after.startsWith(prefix) && rest.endsWith(delimiter) && rest.indexOf(delimiter) === rest.length - delimiter.length;
      cursor = isPrefix ? { op: '>=', value: successor(q.after) } : { op: '>', value: q.after };
    }
    const count = () => out.objects.length + out.commonPrefixes.length;
    for (;;) {
      const rows = statement(this.db, `SELECT * FROM s3_objects WHERE bucket = ? AND key ${cursor.op} ? ORDER BY key LIMIT 1000`).all(bucket, cursor.value) as ObjectRow[];
      if (rows.length === 0) return out;
      let jumped = false;
      for (const r of rows) {
        if (!r.key.startsWith(prefix)) return out;
        const cut = delimiter ? r.key.indexOf(delimiter, prefix.length) : -1;
        if (count() >= q.maxKeys) { out.isTruncated = true; return out; }
        if (cut >= 0) {
          const cp = r.key.slice(0, cut + delimiter!.length);
          out.commonPrefixes.push(cp);
          out.last = cp;
          cursor = { op: '>=', value: successor(cp) };
          jumped = true;
          break;
        }
        out.objects.push(toInfo(r));
        out.last = r.key;
        cursor = { op: '>', value: r.key };
      }
      if (!jumped && rows.length < 1000) return out;
    }
  }

  async isEmpty(bucket: string): Promise<boolean> {
    return !statement(this.db, 'SELECT 1 FROM s3_objects WHERE bucket = ? LIMIT 1').get(bucket);
  }

  async dropBucket(bucket: string): Promise<void> {
    const ids = this.db.transaction(() => {
      const chunks = statement(this.db, 'SELECT p.chunk FROM s3_parts p JOIN s3_uploads u USING (upload_id) WHERE u.bucket = ?').pluck().all(bucket) as string[];
      statement(this.db, 'DELETE FROM s3_uploads WHERE bucket = ?').run(bucket);
      const objects = statement(this.db, 'SELECT chunks FROM s3_objects WHERE bucket = ?').pluck().all(bucket) as string[];
      statement(this.db, 'DELETE FROM s3_objects WHERE bucket = ?').run(bucket);
      return [...chunks, ...objects.flatMap((c) => this.release(c))];
    }).immediate();
    await this.removeChunks(ids);
  }

  async createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string> {
    const uploadId = randomBytes(24).toString('base64url');
    statement(this.db, 'INSERT INTO s3_uploads (upload_id, bucket, key, meta, created_ms) VALUES (?, ?, ?, ?, ?)')
      .run(uploadId, bucket, key, JSON.stringify(meta), this.now().getTime());
    return uploadId;
  }

  async upload(bucket: string, key: string, uploadId: string): Promise<UploadInfo | undefined> {
    const r = statement(this.db, 'SELECT * FROM s3_uploads WHERE upload_id = ? AND bucket = ? AND key = ?').get(uploadId, bucket, key) as
      { upload_id: string; key: string; meta: string; created_ms: number } | undefined;
    return r && { uploadId: r.upload_id, key: r.key, initiated: new Date(r.created_ms), meta: JSON.parse(r.meta) };
  }

  private noSuchUpload(): ObjectStoreError {
    return new ObjectStoreError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: NodeJS.ReadableStream | Buffer, opts?: PutOptions): Promise<PartInfo> {
    if (!(await this.upload(bucket, key, uploadId))) throw this.noSuchUpload();
    const { chunk, md5 } = await this.writeChunk(body, opts);
    const part: PartRow = { part_number: partNumber, chunk: chunk.id, size: chunk.size, etag: md5.toString('hex'), modified_ms: this.now().getTime() };
    const replaced = this.db.transaction(() => {
      if (!statement(this.db, 'SELECT 1 FROM s3_uploads WHERE upload_id = ?').get(uploadId)) return undefined;
      const old = statement(this.db, 'SELECT chunk FROM s3_parts WHERE upload_id = ? AND part_number = ?').pluck().get(uploadId, partNumber) as string | undefined;
      statement(this.db, `INSERT INTO s3_parts (upload_id, part_number, chunk, size, etag, modified_ms) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (upload_id, part_number) DO UPDATE SET chunk = excluded.chunk, size = excluded.size, etag = excluded.etag, modified_ms = excluded.modified_ms`)
        .run(uploadId, partNumber, part.chunk, part.size, part.etag, part.modified_ms);
      return old ? [old] : [];
    }).immediate();
    if (replaced === undefined) { await this.removeChunks([chunk.id]); throw this.noSuchUpload(); }
    await this.removeChunks(replaced);
    return { partNumber, etag: part.etag, size: part.size, lastModified: new Date(part.modified_ms) };
  }

  async listParts(bucket: string, key: string, uploadId: string, after: number, max: number) {
    if (!(await this.upload(bucket, key, uploadId))) throw this.noSuchUpload();
    const rows = statement(this.db, 'SELECT * FROM s3_parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number LIMIT ?').all(uploadId, after, max + 1) as PartRow[];
    const parts = rows.slice(0, max).map((r) => ({ partNumber: r.part_number, etag: r.etag, size: r.size, lastModified: new Date(r.modified_ms) }));
    return { parts, isTruncated: rows.length > max };
  }

  async completeUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[], minPartSize: number, conditions?: WriteConditions): Promise<ObjectInfo> {
    const result = this.db.transaction(() => {
      const up = statement(this.db, 'SELECT * FROM s3_uploads WHERE upload_id = ? AND bucket = ? AND key = ?').get(uploadId, bucket, key) as { meta: string } | undefined;
      if (!up) throw this.noSuchUpload();
      const stored = new Map((statement(this.db, 'SELECT * FROM s3_parts WHERE upload_id = ?').all(uploadId) as PartRow[]).map((p) => [p.part_number, p]));
      const chosen: PartRow[] = [];
      for (const [i, p] of parts.entries()) {
        if (i > 0 && p.partNumber <= parts[i - 1]!.partNumber) throw new ObjectStoreError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.');
        const s = stored.get(p.partNumber);
        if (!s || s.etag !== p.etag.replace(/"/g, '').toLowerCase()) {
          throw new ObjectStoreError('InvalidPart', 'One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part\'s entity tag.');
        }
        chosen.push(s);
      }
      for (const p of chosen.slice(0, -1)) {
        if (p.size < minPartSize) throw new ObjectStoreError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
      }
      const meta = JSON.parse(up.meta) as ObjectMeta;
      const etag = `${createHash('md5').update(Buffer.concat(chosen.map((p) => Buffer.from(p.etag, 'hex')))).digest('hex')}-${chosen.length}`;
      const r: ObjectRow = {
        bucket, key, size: chosen.reduce((n, p) => n + p.size, 0), etag, content_type: meta.contentType ?? DEFAULT_CONTENT_TYPE,
        metadata: JSON.stringify(meta.metadata ?? {}), headers: storedHeaders(meta.headers), modified_ms: this.now().getTime(), sse_key_arn: null, chunks: JSON.stringify(chosen.map((p) => ({ id: p.chunk, size: p.size }))),
        checksum: null,
      };
      const used = new Set(chosen.map((p) => p.chunk));
      const unused = [...stored.values()].filter((p) => !used.has(p.chunk)).map((p) => p.chunk);
      const replaced = this.commit(r, undefined, conditions); // first: a failed condition leaves the upload as it was
      statement(this.db, 'DELETE FROM s3_uploads WHERE upload_id = ?').run(uploadId);
      return { r, garbage: [...unused, ...replaced] };
    }).immediate();
    await this.removeChunks(result.garbage);
    return toInfo(result.r);
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> {
    const chunks = this.db.transaction(() => {
      if (!statement(this.db, 'SELECT 1 FROM s3_uploads WHERE upload_id = ? AND bucket = ? AND key = ?').get(uploadId, bucket, key)) return undefined;
      const ids = statement(this.db, 'SELECT chunk FROM s3_parts WHERE upload_id = ?').pluck().all(uploadId) as string[];
      statement(this.db, 'DELETE FROM s3_uploads WHERE upload_id = ?').run(uploadId);
      return ids;
    }).immediate();
    if (!chunks) return false;
    await this.removeChunks(chunks);
    return true;
  }

  async listUploads(bucket: string, q: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; max: number }) {
    const prefix = q.prefix ?? '';
    const rows = statement(this.db, `SELECT * FROM s3_uploads WHERE bucket = ? AND key >= ? AND substr(key, 1, length(?)) = ?
      ORDER BY key, created_ms, upload_id`).all(bucket, prefix, prefix, prefix) as { upload_id: string; key: string; meta: string; created_ms: number }[];
    let list = rows;
    if (q.keyMarker !== undefined) {
      const idx = q.uploadIdMarker ? rows.findIndex((r) => r.key === q.keyMarker && r.upload_id === q.uploadIdMarker) : -1;
      list = idx >= 0 ? rows.slice(idx + 1) : rows.filter((r) => r.key > q.keyMarker!);
    }
    const uploads = list.slice(0, q.max).map((r) => ({ uploadId: r.upload_id, key: r.key, initiated: new Date(r.created_ms), meta: JSON.parse(r.meta) as ObjectMeta }));
    return { uploads, isTruncated: list.length > q.max };
  }

  /** Start-up clean-up: temporary files, and chunks no object or part references (a crash between write and commit). */
  async sweep(): Promise<void> {
    await fs.rm(this.tmp, { recursive: true, force: true });
    this.folders.clear();
    let dirs: string[];
    try { dirs = await fs.readdir(this.root); } catch { return; }
    const referenced = new Set<string>(statement(this.db, 'SELECT chunk FROM s3_parts').pluck().all() as string[]);
    for (const c of statement(this.db, 'SELECT chunks FROM s3_objects').pluck().iterate() as Iterable<string>) {
      for (const id of fileIds(c)) referenced.add(id);
    }
    for (const d of dirs.filter((n) => /^[0-9a-f]{2}$/.test(n))) {
      for (const f of await fs.readdir(join(this.root, d))) {
        if (!referenced.has(f)) await fs.rm(join(this.root, d, f), { force: true });
      }
    }
  }
}
