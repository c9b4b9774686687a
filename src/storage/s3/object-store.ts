// The ObjectStore port on an S3 service (--s3-endpoint-url) through @aws-sdk/client-s3. Osprey keeps
// the bucket records (owner, policy, region: BucketStore in the metadata database) and decides who
// may do what; this adapter only moves bytes and per-object metadata, one S3 request per operation:
//   - bodies stream both ways: PutObject/UploadPart send the request's stream as it arrives (an
//     unknown length goes through @aws-sdk/lib-storage's Upload, in bounded 5 MiB parts), GetObject
//     returns the response stream, ranges as S3 `Range` requests;
//   - multipart uploads are the backend's own (ids, parts, ETags, completion);
//   - atomicity is S3's: a PUT, a copy, a completed upload appear whole or not at all, and a body
//     that fails its checks is aborted before its last byte is sent (body.ts).
// The SSE-KMS key of an object sealed by Osprey (domain/keys/sealed-objects.ts) is kept as the user
// metadata entry `osprey-sse-key-arn`, which clients can neither set nor see; so is a verified additional
// checksum sent as a header (`osprey-checksum`; a trailing checksum, known only after the body, is not kept).
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand,
  DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand,
  ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import {
  ObjectStoreError, type ByteRange, type ObjectChecksum, type ListQuery, type ObjectInfo, type ObjectListing, type ObjectMeta, type ObjectStore,
  type PartInfo, type PutOptions, type StoredHeaders, type WriteConditions, type UploadInfo,
} from '../ports.js';
import { guardBody } from './body.js';
import { isMissing } from './client.js';

const SSE_META = 'osprey-sse-key-arn';
/** A verified additional checksum known when the request starts, as `ALGORITHM:base64` (a trailing one is not kept on S3). */
const CHECKSUM_META = 'osprey-checksum';
const RESERVED = new Set([SSE_META, CHECKSUM_META]);
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const unquote = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

/** S3 error names the port reports as ObjectStoreError (the handler turns them into the same S3 errors). */
const PASSED_ON = new Set(['NoSuchBucket', 'NoSuchKey', 'NoSuchUpload', 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'EntityTooLarge', 'BadDigest', 'IncompleteBody', 'PreconditionFailed']);

/** S3's own If-Match / If-None-Match parameters of a conditional write. */
const conditionParams = (c: WriteConditions = {}) => ({ ...(c.ifMatch !== undefined ? { IfMatch: `"${c.ifMatch}"` } : {}), ...(c.ifNoneMatch ? { IfNoneMatch: '*' } : {}) });

function storeError(e: unknown): unknown {
  const name = (e as { name?: string })?.name;
  if (name && PASSED_ON.has(name)) return new ObjectStoreError(name as ObjectStoreError['code'], (e as Error).message);
  return e;
}

/** User metadata to send: the client's, without the reserved entry, plus the SSE key when sealed. */
function metadataOut(meta: ObjectMeta): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta.metadata ?? {})) if (!RESERVED.has(k.toLowerCase())) out[k] = v;
  if (meta.sseKeyArn) out[SSE_META] = meta.sseKeyArn;
  if (meta.checksum) out[CHECKSUM_META] = `${meta.checksum.algorithm}:${meta.checksum.value}`;
  return out;
}

/** The SDK's parameters for an object's stored headers (PutObject, CreateMultipartUpload, CopyObject with REPLACE). */
function headerParams(h: StoredHeaders = {}) {
  return {
    ...(h['cache-control'] !== undefined ? { CacheControl: h['cache-control'] } : {}),
    ...(h['content-disposition'] !== undefined ? { ContentDisposition: h['content-disposition'] } : {}),
    ...(h['content-encoding'] !== undefined ? { ContentEncoding: h['content-encoding'] } : {}),
    ...(h['content-language'] !== undefined ? { ContentLanguage: h['content-language'] } : {}),
    ...(h.expires !== undefined && !Number.isNaN(Date.parse(h.expires)) ? { Expires: new Date(h.expires) } : {}),
  };
}

type StoredHeaderFields = { CacheControl?: string; ContentDisposition?: string; ContentEncoding?: string; ContentLanguage?: string; Expires?: Date; ExpiresString?: string };

function headersOf(r: StoredHeaderFields): StoredHeaders | undefined {
  const h: StoredHeaders = {};
  if (r.CacheControl) h['cache-control'] = r.CacheControl;
  if (r.ContentDisposition) h['content-disposition'] = r.ContentDisposition;
  if (r.ContentEncoding) h['content-encoding'] = r.ContentEncoding;
  if (r.ContentLanguage) h['content-language'] = r.ContentLanguage;
  const expires = r.ExpiresString ?? r.Expires?.toUTCString();
  if (expires) h.expires = expires;
  return Object.keys(h).length ? h : undefined;
}

function infoOf(key: string, r: { ContentLength?: number; ETag?: string; LastModified?: Date; ContentType?: string; Metadata?: Record<string, string> } & StoredHeaderFields, size = r.ContentLength ?? 0): ObjectInfo {
  const metadata: Record<string, string> = {};
  let sseKeyArn: string | undefined;
  let checksum: ObjectChecksum | undefined;
  for (const [k, v] of Object.entries(r.Metadata ?? {})) {
    const name = k.toLowerCase();
    if (name === SSE_META) sseKeyArn = v;
    else if (name === CHECKSUM_META) {
      const cut = v.indexOf(':');
      checksum = { algorithm: v.slice(0, cut) as ObjectChecksum['algorithm'], value: v.slice(cut + 1) };
    } else metadata[name] = v;
  }
  const headers = headersOf(r);
  return {
    key, size, etag: unquote(r.ETag), lastModified: r.LastModified ?? new Date(), contentType: r.ContentType ?? DEFAULT_CONTENT_TYPE, metadata,
    ...(headers ? { headers } : {}), ...(sseKeyArn ? { sseKeyArn } : {}), ...(checksum ? { checksum } : {}),
  };
}

/** `bucket/key` for x-amz-copy-source, each path segment URL-encoded. */
const copySource = (bucket: string, key: string) => `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async createBucket(bucket: string): Promise<'created' | 'exists'> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return 'exists';
    } catch (e) {
      // 403: the name is someone else's bucket in this service.
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) return 'exists';
      if (!isMissing(e, 'NotFound', 'NoSuchBucket', '404')) throw e;
    }
    try {
      await this.s3.send(new CreateBucketCommand({ Bucket: bucket }));
      return 'created';
    } catch (e) {
      if (isMissing(e, 'BucketAlreadyOwnedByYou', 'BucketAlreadyExists')) return 'exists';
      throw e;
    }
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      return infoOf(key, await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    } catch (e) {
      if (isMissing(e, 'NotFound', 'NoSuchKey', 'NoSuchBucket', '404')) return undefined;
      throw e;
    }
  }

  /** The backend's own answer to HeadObject with a part number (its Content-Range and parts count). */
  async part(bucket: string, key: string, partNumber: number) {
    try {
      const r = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, PartNumber: partNumber }));
      const m = /^bytes (\d+)-(\d+)\/\d+$/.exec(r.ContentRange ?? '');
      const range = m ? { start: Number(m[1]), end: Number(m[2]) } : { start: 0, end: (r.ContentLength ?? 0) - 1 };
      return { range, ...(r.PartsCount !== undefined ? { partsCount: r.PartsCount } : {}) };
    } catch (e) {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) return 'no-such-part' as const;
      if (isMissing(e, 'NotFound', 'NoSuchKey', 'NoSuchBucket', '404')) return undefined;
      throw e;
    }
  }

  async get(bucket: string, key: string, range?: ByteRange) {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      // A ranged answer's Content-Length is the range's; the object's size is after the slash of Content-Range.
      const total = r.ContentRange ? Number(r.ContentRange.split('/')[1]) : r.ContentLength;
      return { info: infoOf(key, r, total), body: r.Body as NodeJS.ReadableStream };
    } catch (e) {
      if (isMissing(e, 'NoSuchKey', 'NoSuchBucket', '404')) return undefined;
      throw e;
    }
  }

  async put(bucket: string, key: string, body: NodeJS.ReadableStream | Buffer, meta: ObjectMeta, opts: PutOptions = {}): Promise<ObjectInfo> {
    const common = { Bucket: bucket, Key: key, ContentType: meta.contentType ?? DEFAULT_CONTENT_TYPE, Metadata: metadataOut(meta), ...headerParams(meta.headers), ...conditionParams(opts) };
    const done = (etag: string | undefined, size: number): ObjectInfo => ({
      // PutObject answers no Last-Modified: the time of the answer stands in (S3's own is the request's start).
      key, size, etag: unquote(etag), lastModified: new Date(), contentType: common.ContentType, metadata: meta.metadata ?? {}, ...(meta.headers ? { headers: meta.headers } : {}),
      ...(meta.sseKeyArn ? { sseKeyArn: meta.sseKeyArn } : {}), ...(meta.checksum ? { checksum: meta.checksum } : {}),
    });
    if (Buffer.isBuffer(body)) {
      const md5 = createHash('md5').update(body).digest();
      if (opts.length !== undefined && body.length < opts.length) throw new ObjectStoreError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
      if (opts.md5 && !opts.md5.equals(md5)) throw new ObjectStoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
      try {
        const r = await this.s3.send(new PutObjectCommand({ ...common, Body: body, ContentLength: body.length, ContentMD5: md5.toString('base64') }));
        return done(r.ETag, body.length);
      } catch (e) { throw storeError(e); }
    }
    const guarded = guardBody(body, opts);
    try {
      if (opts.length !== undefined) {
        const r = await this.s3.send(new PutObjectCommand({
          ...common, Body: guarded.stream, ContentLength: opts.length, ...(opts.md5 ? { ContentMD5: opts.md5.toString('base64') } : {}),
        }), { abortSignal: guarded.signal });
        return done(r.ETag, opts.length);
      }
      // Unknown length (chunked transfer without a declared size): bounded parts through lib-storage.
      const upload = new Upload({ client: this.s3, params: { ...common, Body: guarded.stream }, queueSize: 1, leavePartsOnError: false });
      guarded.signal.addEventListener('abort', () => { void upload.abort().catch(() => undefined); });
      const r = await upload.done();
      return done(r.ETag, guarded.size());
    } catch (e) {
      throw storeError(guarded.failure() ?? e);
    }
  }

  async copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }, meta?: ObjectMeta): Promise<ObjectInfo | undefined> {
    try {
      const r = await this.s3.send(new CopyObjectCommand({
        Bucket: to.bucket, Key: to.key, CopySource: copySource(from.bucket, from.key),
        ...(meta ? { MetadataDirective: 'REPLACE', ContentType: meta.contentType ?? DEFAULT_CONTENT_TYPE, Metadata: metadataOut(meta), ...headerParams(meta.headers) } : {}),
      }));
      const info = await this.head(to.bucket, to.key);
      if (!info) return undefined;
      return { ...info, etag: unquote(r.CopyObjectResult?.ETag) || info.etag, lastModified: r.CopyObjectResult?.LastModified ?? info.lastModified };
    } catch (e) {
      if (isMissing(e, 'NoSuchKey')) return undefined;
      throw storeError(e);
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async list(bucket: string, q: ListQuery): Promise<ObjectListing> {
    // The port's `after` may be a common prefix returned earlier: start after every key under it.
    let startAfter = q.after;
    if (startAfter !== undefined && q.delimiter) {
      const rest = startAfter.slice((q.prefix ?? '').length);
      const cut = startAfter.startsWith(q.prefix ?? '') ? rest.indexOf(q.delimiter) : -1;
      if (cut >= 0 && cut + q.delimiter.length === rest.length) startAfter += String.fromCodePoint(0x10ffff);
    }
    const r = await this.s3.send(new ListObjectsV2Command({
      Bucket: bucket, MaxKeys: q.maxKeys, ...(q.prefix ? { Prefix: q.prefix } : {}), ...(q.delimiter ? { Delimiter: q.delimiter } : {}),
      ...(startAfter !== undefined ? { StartAfter: startAfter } : {}),
    }));
    const objects = (r.Contents ?? []).map((o) => ({
      key: o.Key!, size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: o.LastModified ?? new Date(), contentType: '', metadata: {},
    }));
    const commonPrefixes = (r.CommonPrefixes ?? []).map((p) => p.Prefix!);
    const lastKey = objects.at(-1)?.key;
    const lastPrefix = commonPrefixes.at(-1);
    const last = lastKey === undefined ? lastPrefix : lastPrefix === undefined ? lastKey : (lastKey > lastPrefix ? lastKey : lastPrefix);
    return { objects, commonPrefixes, isTruncated: !!r.IsTruncated, ...(last !== undefined ? { last } : {}) };
  }

  async isEmpty(bucket: string): Promise<boolean> {
    try {
      const r = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1 }));
      return (r.KeyCount ?? r.Contents?.length ?? 0) === 0;
    } catch (e) {
      if (isMissing(e, 'NoSuchBucket')) return true;
      throw e;
    }
  }

  async dropBucket(bucket: string): Promise<void> {
    try {
      for (;;) {
        const { uploads, isTruncated } = await this.listUploads(bucket, { max: 1000 });
        await Promise.all(uploads.map((u) => this.abortUpload(bucket, u.key, u.uploadId)));
        if (!isTruncated || uploads.length === 0) break;
      }
      await this.s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch (e) {
      if (isMissing(e, 'NoSuchBucket')) return;
      throw e;
    }
  }

  async createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string> {
    try {
      const r = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: meta.contentType ?? DEFAULT_CONTENT_TYPE, Metadata: metadataOut(meta), ...headerParams(meta.headers) }));
      return r.UploadId!;
    } catch (e) { throw storeError(e); }
  }

  /** The upload, found through ListMultipartUploads (S3 has no GetUpload); its metadata is the backend's and not returned. */
  async upload(bucket: string, key: string, uploadId: string): Promise<UploadInfo | undefined> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const r = await this.listUploads(bucket, { prefix: key, keyMarker, uploadIdMarker, max: 1000 });
      const hit = r.uploads.find((u) => u.key === key && u.uploadId === uploadId);
      if (hit) return hit;
      const last = r.uploads.at(-1);
      if (!r.isTruncated || !last || last.key !== key) return undefined;
      keyMarker = last.key;
      uploadIdMarker = last.uploadId;
    }
  }

  async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: NodeJS.ReadableStream | Buffer, opts: PutOptions = {}): Promise<PartInfo> {
    const guarded = guardBody(body, opts);
    const length = opts.length ?? (Buffer.isBuffer(body) ? body.length : undefined);
    if (length === undefined) throw new ObjectStoreError('IncompleteBody', 'UploadPart needs the part\'s length (Content-Length or x-amz-decoded-content-length).');
    try {
      const r = await this.s3.send(new UploadPartCommand({
        Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: guarded.stream, ContentLength: length,
        ...(opts.md5 ? { ContentMD5: opts.md5.toString('base64') } : {}),
      }), { abortSignal: guarded.signal });
      return { partNumber, etag: unquote(r.ETag), size: length, lastModified: new Date() };
    } catch (e) {
      if (guarded.failure()) throw storeError(guarded.failure());
      throw await this.uploadError(bucket, key, uploadId, e);
    }
  }

  /**
   * The error to report for a failed call on an upload. Some S3-compatible servers (moto_server)
   * answer a part or a completion of an unknown upload with a 500 page, not NoSuchUpload: ListParts says which.
   */
  private async uploadError(bucket: string, key: string, uploadId: string, e: unknown): Promise<unknown> {
    if (!isMissing(e, 'NoSuchUpload') && (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 400) {
      try { await this.listParts(bucket, key, uploadId, 0, 1); } catch (gone) { if (gone instanceof ObjectStoreError) return gone; }
    }
    return storeError(e);
  }

  async listParts(bucket: string, key: string, uploadId: string, after: number, max: number): Promise<{ parts: PartInfo[]; isTruncated: boolean }> {
    try {
      const r = await this.s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: String(after), MaxParts: max }));
      const parts = (r.Parts ?? []).map((p) => ({ partNumber: p.PartNumber!, etag: unquote(p.ETag), size: p.Size ?? 0, lastModified: p.LastModified ?? new Date() }));
      return { parts, isTruncated: !!r.IsTruncated };
    } catch (e) { throw storeError(e); }
  }

  /** The backend checks the parts (order, ETags, each but the last at least its own minimum, 5 MiB on S3). */
  async completeUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[], _min?: number, conditions?: WriteConditions): Promise<ObjectInfo> {
    if (parts.some((p, i) => i > 0 && p.partNumber <= parts[i - 1]!.partNumber)) {
      throw new ObjectStoreError('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    try {
      await this.s3.send(new CompleteMultipartUploadCommand({
        Bucket: bucket, Key: key, UploadId: uploadId, ...conditionParams(conditions),
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${unquote(p.etag)}"` })) },
      }));
    } catch (e) { throw await this.uploadError(bucket, key, uploadId, e); }
    const info = await this.head(bucket, key);
    if (!info) throw new ObjectStoreError('NoSuchUpload', 'The upload completed but its object is gone (deleted or replaced meanwhile).');
    return info;
  }

  async abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean> {
    try {
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      return true;
    } catch (e) {
      if (isMissing(e, 'NoSuchUpload', '404')) return false;
      throw e;
    }
  }

  async listUploads(bucket: string, q: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; max: number }): Promise<{ uploads: UploadInfo[]; isTruncated: boolean }> {
    const r = await this.s3.send(new ListMultipartUploadsCommand({
      Bucket: bucket, MaxUploads: q.max, ...(q.prefix ? { Prefix: q.prefix } : {}),
      ...(q.keyMarker ? { KeyMarker: q.keyMarker } : {}), ...(q.uploadIdMarker ? { UploadIdMarker: q.uploadIdMarker } : {}),
    }));
    const uploads = (r.Uploads ?? []).map((u) => ({ uploadId: u.UploadId!, key: u.Key!, initiated: u.Initiated ?? new Date(), meta: {} }));
    return { uploads, isTruncated: !!r.IsTruncated };
  }
}
