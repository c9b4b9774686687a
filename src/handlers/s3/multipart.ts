// S3 multipart upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
// AbortMultipartUpload, ListParts, ListMultipartUploads. Parts are 1–10,000; every part but the
// last is at least 5 MiB; each part at most 5 GiB (Amazon S3 multipart upload limits).
import type { S3Service } from '../../domain/s3/service.js';
import { S3 } from '../../protocol/s3-errors.js';
import { parseXml, xmlDocument } from '../../protocol/s3/xml.js';
import { checksumHeader } from '../../protocol/s3/checksums.js';
import type { ObjectMeta } from '../../storage/ports.js';
import { contentMd5, declaredLength, objectBody, readSmallBody } from './body.js';
import { copySourcePreconditions, MAX_PUT_BYTES, quoted, requestMeta, storeError, target, writeConditions } from './objects.js';
import { header, type S3Handler, type S3Request } from './types.js';

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const XML = { 'content-type': 'application/xml' };

function uploadIdOf(req: S3Request): string {
  const id = req.route.params.get('uploadId');
  if (!id) throw S3.InvalidArgument('This operation requires an uploadId.');
  return id;
}

function partNumber(raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10000) {
    throw S3.InvalidArgument('Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: String(raw) });
  }
  return Number(raw);
}

function intParam(req: S3Request, name: string, fallback: number, max: number): number {
  const raw = req.route.params.get(name);
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw S3.InvalidArgument(`Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: raw });
  return Math.min(max, Number(raw));
}

export function multipartHandlers(s3: S3Service): Record<string, S3Handler> {
  const { objects } = s3;
  return {
    async CreateMultipartUpload(ctx, req) {
      const { bucket, key } = target(req);
      const uploadId = await objects.createUpload(bucket, key, requestMeta(req));
      return { status: 200, headers: XML, body: xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }) };
    },

    async UploadPart(ctx, req) {
      const { bucket, key } = target(req);
      const n = partNumber(req.route.params.get('partNumber'));
      const uploadId = uploadIdOf(req);
      const length = declaredLength(req);
      if (length === undefined && header(req, 'transfer-encoding') === undefined) throw S3.MissingContentLength();
      if (length !== undefined && length > MAX_PUT_BYTES) throw S3.EntityTooLarge();
      const md5 = contentMd5(req);
      try {
        const verified: ObjectMeta = {};
        const part = await objects.uploadPart(bucket, key, uploadId, n, objectBody(ctx, req, verified), { md5, length });
        const c = verified.checksum;
        return { status: 200, headers: { etag: quoted(part.etag), ...(c ? { [checksumHeader(c.algorithm)]: c.value } : {}) } };
      } catch (e) { throw storeError(e); }
    },

    /**
     * UploadPartCopy: a part made of the bytes of another object (all of them, or x-amz-copy-source-range:
     * bytes=first-last, inclusive), under the copy source's x-amz-copy-source-if-* conditions. The stored
     * bytes are copied as they are (as CopyObject copies them).
     */
    async UploadPartCopy(ctx, req) {
      const { bucket, key } = target(req);
      const n = partNumber(req.route.params.get('partNumber'));
      const uploadId = uploadIdOf(req);
      const from = req.route.copySource!;
      const source = await s3.headObject(from.bucket, from.key);
      if (!source) throw S3.NoSuchKey(undefined, { Key: from.key });
      copySourcePreconditions(req, source);
      const rawRange = header(req, 'x-amz-copy-source-range');
      let range: { start: number; end: number } | undefined;
      if (rawRange !== undefined) {
        const m = /^bytes=(\d+)-(\d+)$/.exec(rawRange.trim());
        if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= source.size) {
          throw S3.InvalidArgument('The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rawRange });
        }
        range = { start: Number(m[1]), end: Number(m[2]) };
      }
      const length = range ? range.end - range.start + 1 : source.size;
      if (length > MAX_PUT_BYTES) throw S3.InvalidRequest('The specified copy source is larger than the maximum allowable size for a copy source: 5368709120');
      if (!(await objects.upload(bucket, key, uploadId))) throw S3.NoSuchUpload(undefined, { UploadId: uploadId });
      const bytes = length === 0 ? undefined : await objects.get(from.bucket, from.key, range);
      if (length > 0 && !bytes) throw S3.NoSuchKey(undefined, { Key: from.key });
      try {
        const part = await objects.uploadPart(bucket, key, uploadId, n, bytes ? bytes.body : Buffer.alloc(0), { length });
        return { status: 200, headers: XML, body: xmlDocument('CopyPartResult', { LastModified: part.lastModified.toISOString(), ETag: quoted(part.etag) }) };
      } catch (e) { throw storeError(e); }
    },

    async CompleteMultipartUpload(ctx, req) {
      const { bucket, key } = target(req);
      const uploadId = uploadIdOf(req);
      // Its x-amz-checksum-* headers name the whole object's checksum (not kept: multipart objects store none).
      const doc = parseXml(await readSmallBody(ctx, req, undefined, false), 'CompleteMultipartUpload');
      const raw: any[] = doc.Part ?? [];
      if (raw.length === 0) throw S3.MalformedXML('You must specify at least one part');
      const parts = raw.map((p) => {
        if (typeof p?.ETag !== 'string') throw S3.MalformedXML();
        return { partNumber: partNumber(typeof p.PartNumber === 'string' ? p.PartNumber : undefined), etag: p.ETag };
      });
      const conditions = await writeConditions(s3, req, bucket, key);
      try {
        const info = await objects.completeUpload(bucket, key, uploadId, parts, MIN_PART_BYTES, conditions);
        return { status: 200, headers: XML, body: xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: quoted(info.etag) }) };
      } catch (e) { throw storeError(e); }
    },

    async AbortMultipartUpload(ctx, req) {
      const { bucket, key } = target(req);
      if (!(await objects.abortUpload(bucket, key, uploadIdOf(req)))) throw S3.NoSuchUpload(undefined, { UploadId: uploadIdOf(req) });
      return { status: 204 };
    },

    async ListParts(ctx, req) {
      const { bucket, key } = target(req);
      const uploadId = uploadIdOf(req);
      const after = intParam(req, 'part-number-marker', 0, 10000);
      const max = intParam(req, 'max-parts', 1000, 1000);
      let r;
      try { r = await objects.listParts(bucket, key, uploadId, after, max); } catch (e) { throw storeError(e); }
      const last = r.parts.at(-1)?.partNumber;
      return {
        status: 200, headers: XML,
        body: xmlDocument('ListPartsResult', {
          Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: after, ...(r.isTruncated && last ? { NextPartNumberMarker: last } : {}),
          MaxParts: max, IsTruncated: r.isTruncated,
          ...(r.parts.length ? { Part: r.parts.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified.toISOString(), ETag: quoted(p.etag), Size: p.size })) } : {}),
        }),
      };
    },

    async ListMultipartUploads(ctx, req) {
      const bucket = req.route.bucket!;
      const p = req.route.params;
      const max = intParam(req, 'max-uploads', 1000, 1000);
      const r = await objects.listUploads(bucket, { prefix: p.get('prefix'), keyMarker: p.get('key-marker') || undefined, uploadIdMarker: p.get('upload-id-marker') || undefined, max });
      const last = r.uploads.at(-1);
      return {
        status: 200, headers: XML,
        body: xmlDocument('ListMultipartUploadsResult', {
          Bucket: bucket, KeyMarker: p.get('key-marker') ?? '', UploadIdMarker: p.get('upload-id-marker') ?? '',
          ...(r.isTruncated && last ? { NextKeyMarker: last.key, NextUploadIdMarker: last.uploadId } : {}),
          Prefix: p.get('prefix') ?? '', MaxUploads: max, IsTruncated: r.isTruncated,
          ...(r.uploads.length ? { Upload: r.uploads.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: u.initiated.toISOString(), StorageClass: 'STANDARD' })) } : {}),
        }),
      };
    },
  };
}
