// S3 object operations: PutObject, CopyObject, GetObject (ranges, conditional headers), HeadObject,
// DeleteObject. Objects Osprey sealed (training and copy output files, SSE-KMS) are opened for the
// caller through the key service, as S3 decrypts an SSE-KMS object for a caller allowed kms:Decrypt.
import { describeStored, type SealedObjects } from '../../domain/keys/sealed-objects.js';
import type { S3Service } from '../../domain/s3/service.js';
import { validKey } from '../../domain/s3/names.js';
import { ServiceError } from '../../protocol/errors.js';
import { S3 } from '../../protocol/s3-errors.js';
import { xmlDocument } from '../../protocol/s3/xml.js';
import { failedCondition, ObjectStoreError, STORED_HEADERS, type ObjectInfo, type ObjectMeta, type StoredHeaders, type WriteConditions } from '../../storage/ports.js';
import { checksumHeaders, contentMd5, declaredLength, objectBody } from './body.js';
import { header, type S3Context, type S3Handler, type S3Request, type S3Response } from './types.js';

export const MAX_PUT_BYTES = 5 * 1024 ** 3;

/** Store errors in S3's words. */
export function storeError(e: unknown): unknown {
  if (e instanceof ObjectStoreError) return S3[e.code]?.(e.message) ?? e;
  return e;
}

export function target(req: S3Request): { bucket: string; key: string } {
  const { bucket, key } = req.route;
  if (!bucket || key === undefined) throw S3.InvalidRequest();
  if (!validKey(key)) throw Buffer.byteLength(key) > 1024 ? S3.KeyTooLongError() : S3.InvalidArgument('The object key is not valid UTF-8.');
  return { bucket, key };
}

/** Bytes: S3's limit on user metadata (names and values, UTF-8) of an object. */
const MAX_USER_METADATA = 2048;

/** Content-Type, the stored headers (Cache-Control …) and x-amz-meta-* headers of a request; MetadataTooLarge past MAX_USER_METADATA. */
export function requestMeta(req: S3Request): ObjectMeta {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  const size = Object.entries(metadata).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > MAX_USER_METADATA) throw S3.MetadataTooLarge(undefined, { Size: String(size), MaxSizeAllowed: String(MAX_USER_METADATA) });
  const headers: StoredHeaders = {};
  for (const name of STORED_HEADERS) {
    let v = header(req, name);
    // aws-chunked is how the body was sent, not how the object is encoded: S3 does not store it.
    if (name === 'content-encoding' && v !== undefined) v = v.split(',').map((e) => e.trim()).filter((e) => e && e !== 'aws-chunked').join(',');
    if (v) headers[name] = v;
  }
  const contentType = header(req, 'content-type');
  return { ...(contentType ? { contentType } : {}), metadata, ...(Object.keys(headers).length ? { headers } : {}) };
}

export const quoted = (etag: string) => `"${etag}"`;

/**
 * The conditions of a conditional write (If-None-Match: *, If-Match: "etag"; Amazon S3 conditional
 * writes), checked by the store atomically with the write, and here beforehand so that a write bound to
 * fail does not upload its body first. Other If-None-Match values are NotImplemented, as on S3.
 */
export async function writeConditions(s3: S3Service, req: S3Request, bucket: string, key: string): Promise<WriteConditions> {
  const ifNoneMatch = header(req, 'if-none-match');
  const ifMatch = header(req, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return {};
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw S3.NotImplemented('A header you provided implies functionality that is not implemented', { Header: 'If-None-Match' });
  const c: WriteConditions = { ...(ifMatch !== undefined ? { ifMatch: ifMatch.trim().replace(/"/g, '') } : {}), ...(ifNoneMatch !== undefined ? { ifNoneMatch: true } : {}) };
  const failed = failedCondition(c, (await s3.headObject(bucket, key))?.etag);
  if (failed) throw storeError(failed);
  return c;
}

function objectHeaders(info: ObjectInfo, size: number): Record<string, string | number> {
  const h: Record<string, string | number> = {
    'content-type': info.contentType, 'content-length': size, etag: quoted(info.etag),
    'last-modified': info.lastModified.toUTCString(), 'accept-ranges': 'bytes',
  };
  Object.assign(h, info.headers);
  for (const [k, v] of Object.entries(info.metadata)) h[`x-amz-meta-${k}`] = v;
  if (info.sseKeyArn) {
    h['x-amz-server-side-encryption'] = 'aws:kms';
    h['x-amz-server-side-encryption-aws-kms-key-id'] = info.sseKeyArn;
  }
  return h;
}

/** A single `bytes=` range, inclusive; undefined = the whole object (absent, multi-range or malformed: as S3). */
function parseRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = value ? /^bytes=(\d*)-(\d*)$/.exec(value.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  const invalid = () => S3.InvalidRange(undefined, { RangeRequested: value!, ActualObjectSize: String(size) });
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) throw invalid();
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== '' && Number(m[2]) < start)) throw invalid();
  return { start, end };
}

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since (RFC 7232 as S3 applies it). */
function preconditions(req: S3Request, info: ObjectInfo): S3Response | undefined {
  const etagIn = (list: string) => list.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/"/g, '')).some((t) => t === '*' || t === info.etag);
  const seconds = Math.floor(info.lastModified.getTime() / 1000);
  const date = (name: string) => { const v = header(req, name); const t = v ? Date.parse(v) : NaN; return Number.isNaN(t) ? undefined : Math.floor(t / 1000); };
  const ifMatch = header(req, 'if-match');
  const ifNoneMatch = header(req, 'if-none-match');
  if (ifMatch !== undefined && !etagIn(ifMatch)) throw S3.PreconditionFailed(undefined, { Condition: 'If-Match' });
  const unmodified = date('if-unmodified-since');
  if (ifMatch === undefined && unmodified !== undefined && seconds > unmodified) throw S3.PreconditionFailed(undefined, { Condition: 'If-Unmodified-Since' });
  const notModified: S3Response = { status: 304, headers: { etag: quoted(info.etag), 'last-modified': info.lastModified.toUTCString() } };
  if (ifNoneMatch !== undefined && etagIn(ifNoneMatch)) return notModified;
  const modified = date('if-modified-since');
  if (ifNoneMatch === undefined && modified !== undefined && seconds <= modified) return notModified;
  return undefined;
}

/**
 * CopyObject's conditions on its source (x-amz-copy-source-if-match, -if-none-match, -if-unmodified-since,
 * -if-modified-since): PreconditionFailed when they do not hold. As S3: a true if-match makes a false
 * if-unmodified-since irrelevant, and a true if-none-match a false if-modified-since.
 */
export function copySourcePreconditions(req: S3Request, info: ObjectInfo): void {
  const etagIn = (list: string) => list.split(',').map((s) => s.trim().replace(/"/g, '')).some((t) => t === '*' || t === info.etag);
  const seconds = Math.floor(info.lastModified.getTime() / 1000);
  const date = (name: string) => { const v = header(req, name); const t = v ? Date.parse(v) : NaN; return Number.isNaN(t) ? undefined : Math.floor(t / 1000); };
  const ifMatch = header(req, 'x-amz-copy-source-if-match');
  const ifNoneMatch = header(req, 'x-amz-copy-source-if-none-match');
  const unmodified = date('x-amz-copy-source-if-unmodified-since');
  const modified = date('x-amz-copy-source-if-modified-since');
  const failed = (condition: string) => S3.PreconditionFailed(undefined, { Condition: condition });
  if (ifMatch !== undefined && !etagIn(ifMatch)) throw failed('x-amz-copy-source-If-Match');
  if (ifMatch === undefined && unmodified !== undefined && seconds > unmodified) throw failed('x-amz-copy-source-If-Unmodified-Since');
  if (ifNoneMatch !== undefined && etagIn(ifNoneMatch)) throw failed('x-amz-copy-source-If-None-Match');
  if (ifNoneMatch === undefined && modified !== undefined && seconds <= modified) throw failed('x-amz-copy-source-If-Modified-Since');
}

/** Response header overrides of a (presigned) GET: response-content-type and friends. */
function overrides(req: S3Request, h: Record<string, string | number>): void {
  const map: Record<string, string> = {
    'response-content-type': 'content-type', 'response-content-disposition': 'content-disposition', 'response-content-encoding': 'content-encoding',
    'response-content-language': 'content-language', 'response-cache-control': 'cache-control', 'response-expires': 'expires',
  };
  for (const [param, name] of Object.entries(map)) {
    const v = req.route.params.get(param);
    if (v === undefined) continue;
    // What HTTP allows in a header value (node:http refuses the rest; a CR/LF would end the header).
    if (/[^\t\u0020-\u007e\u0080-\u00ff]/.test(v)) throw S3.InvalidArgument(`${param} holds a character a header value cannot hold.`, { ArgumentName: param, ArgumentValue: v });
    h[name] = v;
  }
}

export function objectHandlers(s3: S3Service, sealed: SealedObjects): Record<string, S3Handler> {
  const { objects } = s3;

  const read = async (ctx: S3Context, req: S3Request, head: boolean): Promise<S3Response> => {
    const { bucket, key } = target(req);
    const info = await s3.headObject(bucket, key);
    if (!info) throw S3.NoSuchKey(undefined, { Key: key });
    const early = preconditions(req, info);
    if (early) return early;
    let plaintext: Buffer | undefined;
    let size = info.size;
    if (info.sseKeyArn) {
      // Sealed output files are small: opened whole, for this caller (kms:Decrypt on their key);
      // HEAD answers the plaintext size without opening, as S3 does for SSE-KMS objects.
      const bytes = await s3.get(bucket, key);
      if (!bytes) throw S3.NoSuchKey(undefined, { Key: key });
      const stored = describeStored(bytes);
      size = stored.sealed?.plaintextLength ?? bytes.length;
      if (!head) {
        try { plaintext = await sealed.openFor(ctx.caller, stored); } catch (e) {
          if (e instanceof ServiceError && e.status < 500) throw S3.AccessDenied(e.message);
          throw e;
        }
      }
    }
    const part = await partOf(req, bucket, key, size, info.sseKeyArn !== undefined);
    const range = part ? part.range : parseRange(header(req, 'range'), size);
    const h = objectHeaders(info, range ? range.end - range.start + 1 : size);
    if (part?.partsCount !== undefined) h['x-amz-mp-parts-count'] = part.partsCount;
    if (range) h['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    // S3 returns the stored checksum of a whole-object read when asked to (x-amz-checksum-mode: ENABLED).
    else if (header(req, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') Object.assign(h, checksumHeaders(info.checksum));
    overrides(req, h);
    const status = range ? 206 : 200;
    if (head) return { status, headers: h };
    if (plaintext) return { status, headers: h, body: range ? plaintext.subarray(range.start, range.end + 1) : plaintext };
    if (size === 0) return { status, headers: h, body: Buffer.alloc(0) };
    const o = await objects.get(bucket, key, range);
    if (!o) throw S3.NoSuchKey(undefined, { Key: key });
    return { status, headers: h, body: o.body };
  };

  /**
   * GetObject / HeadObject with `partNumber`: that part's range (a ranged read, 206) and the object's
   * parts count. With a Range header too it is InvalidRequest, past the last part InvalidPartNumber (416),
   * as S3. A sealed object (small, stored whole) is one part.
   */
  const partOf = async (req: S3Request, bucket: string, key: string, size: number, sealedWhole: boolean) => {
    const raw = req.route.params.get('partNumber');
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10000) {
      throw S3.InvalidArgument('Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: raw });
    }
    if (header(req, 'range') !== undefined) throw S3.InvalidRequest('Cannot specify both Range header and partNumber query parameter');
    const n = Number(raw);
    if (sealedWhole || size === 0) {
      if (n > 1 || size === 0) throw S3.InvalidPartNumber(undefined, { PartNumberRequested: raw, ActualPartCount: String(size === 0 ? 0 : 1) });
      return { range: { start: 0, end: size - 1 }, partsCount: undefined };
    }
    const p = await objects.part(bucket, key, n);
    if (!p) throw S3.NoSuchKey(undefined, { Key: key });
    if (p === 'no-such-part') throw S3.InvalidPartNumber(undefined, { PartNumberRequested: raw });
    return p;
  };

  return {
    async PutObject(ctx, req) {
      const { bucket, key } = target(req);
      const length = declaredLength(req);
      if (length === undefined && header(req, 'transfer-encoding') === undefined) throw S3.MissingContentLength();
      if (length !== undefined && length > MAX_PUT_BYTES) throw S3.EntityTooLarge(undefined, { ProposedSize: String(length), MaxSizeAllowed: String(MAX_PUT_BYTES) });
      const md5 = contentMd5(req);
      const meta = requestMeta(req);
      const conditions = await writeConditions(s3, req, bucket, key);
      let info: ObjectInfo;
      try { info = await objects.put(bucket, key, objectBody(ctx, req, meta), meta, { md5, length, ...conditions }); } catch (e) { throw storeError(e); }
      return { status: 200, headers: { etag: quoted(info.etag), ...checksumHeaders(meta.checksum) } };
    },

    async CopyObject(ctx, req) {
      const { bucket, key } = target(req);
      const from = req.route.copySource!;
      const replace = (header(req, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE';
      const source = await s3.headObject(from.bucket, from.key);
      if (!source) throw S3.NoSuchKey(undefined, { Key: from.key });
      copySourcePreconditions(req, source);
      if (!replace && from.bucket === bucket && from.key === key) {
        throw S3.InvalidRequest('This copy request is illegal because it is trying to copy an object to itself without changing the object\'s metadata, storage class, website redirect location or encryption attributes.');
      }
      const info = await objects.copy(from, { bucket, key }, replace ? requestMeta(req) : undefined);
      if (!info) throw S3.NoSuchKey(undefined, { Key: from.key });
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: xmlDocument('CopyObjectResult', { LastModified: info.lastModified.toISOString(), ETag: quoted(info.etag) }) };
    },

    GetObject: (ctx, req) => read(ctx, req, false),
    HeadObject: (ctx, req) => read(ctx, req, true),

    async DeleteObject(ctx, req) {
      const { bucket, key } = target(req);
      await s3.headObject(bucket, key); // a legacy folder's file is imported first, so that it stays deleted
      await objects.delete(bucket, key);
      return { status: 204 };
    },
  };
}
