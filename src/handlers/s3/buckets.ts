// S3 bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
// bucket policies, ListObjects (V1 and V2) and DeleteObjects.
import type { S3Service } from '../../domain/s3/service.js';
import { S3 } from '../../protocol/s3-errors.js';
import { parseXml, xmlDocument } from '../../protocol/s3/xml.js';
import { invalidVersionId } from '../../protocol/s3/route.js';
import type { ObjectInfo } from '../../storage/ports.js';
import { readSmallBody } from './body.js';
import { quoted } from './objects.js';
import type { S3Context, S3Handler, S3Request } from './types.js';

const XML = { 'content-type': 'application/xml' };
const OWNER = (accountId: string) => ({ ID: accountId, DisplayName: accountId });

function bucketOf(req: S3Request): string {
  if (!req.route.bucket) throw S3.InvalidRequest();
  return req.route.bucket;
}

function maxKeys(req: S3Request, name = 'max-keys'): number {
  const raw = req.route.params.get(name);
  if (raw === undefined || raw === '') return 1000;
  if (!/^\d+$/.test(raw)) throw S3.InvalidArgument(`Provided ${name} not an integer or within integer range`, { ArgumentName: name, ArgumentValue: raw });
  return Math.min(1000, Number(raw));
}

export function bucketHandlers(s3: S3Service): Record<string, S3Handler> {
  const { objects } = s3;

  const list = async (ctx: S3Context, req: S3Request, v2: boolean) => {
    const bucket = bucketOf(req);
    const p = req.route.params;
    const prefix = p.get('prefix') ?? '';
    const delimiter = p.get('delimiter') || undefined;
    const encoding = p.get('encoding-type');
    if (encoding !== undefined && encoding !== 'url') throw S3.InvalidArgument('Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: encoding });
    const enc = (s: string) => (encoding === 'url' ? encodeURIComponent(s) : s);
    const max = maxKeys(req);
    let after: string | undefined;
    const token = p.get('continuation-token');
    if (v2 && token !== undefined) {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!token || Buffer.from(after, 'utf8').toString('base64url') !== token) throw S3.InvalidArgument('The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
    } else after = v2 ? p.get('start-after') : p.get('marker');
    if (after === '') after = undefined;
    const r = await objects.list(bucket, { prefix, delimiter, after, maxKeys: max });
    // S3 lists each object's Owner in ListObjects (V1), and in V2 only with fetch-owner=true. Objects
    // belong to the bucket owner here (S3's default "bucket owner enforced" object ownership).
    const owner = !v2 || p.get('fetch-owner') === 'true' ? OWNER(ctx.access.bucket!.ownerAccountId) : undefined;
    const contents = r.objects.map((o: ObjectInfo) => ({
      Key: enc(o.key), LastModified: o.lastModified.toISOString(), ETag: quoted(o.etag), Size: o.size, StorageClass: 'STANDARD',
      ...(owner ? { Owner: owner } : {}),
    }));
    const common = r.commonPrefixes.map((cp) => ({ Prefix: enc(cp) }));
    const body: Record<string, unknown> = { Name: bucket, Prefix: enc(prefix) };
    if (v2) {
      if (token !== undefined) body.ContinuationToken = token;
      if (p.get('start-after')) body.StartAfter = enc(p.get('start-after')!);
      Object.assign(body, { KeyCount: contents.length + common.length, MaxKeys: max });
      if (delimiter) body.Delimiter = enc(delimiter);
      if (encoding) body.EncodingType = encoding;
      body.IsTruncated = r.isTruncated;
      if (r.isTruncated && r.last !== undefined) body.NextContinuationToken = Buffer.from(r.last, 'utf8').toString('base64url');
    } else {
      body.Marker = enc(p.get('marker') ?? '');
      if (r.isTruncated && delimiter && r.last !== undefined) body.NextMarker = enc(r.last);
      Object.assign(body, { MaxKeys: max });
      if (delimiter) body.Delimiter = enc(delimiter);
      if (encoding) body.EncodingType = encoding;
      body.IsTruncated = r.isTruncated;
    }
    if (contents.length) body.Contents = contents;
    if (common.length) body.CommonPrefixes = common;
    return { status: 200, headers: XML, body: xmlDocument('ListBucketResult', body) };
  };

  return {
    async ListBuckets(ctx) {
      const buckets = await s3.listBuckets(ctx.caller);
      return {
        status: 200, headers: XML,
        body: xmlDocument('ListAllMyBucketsResult', {
          Owner: OWNER(ctx.caller.accountId),
          Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.createdAt.toISOString() })) },
        }),
      };
    },

    async CreateBucket(ctx, req) {
      const bucket = bucketOf(req);
      const body = await readSmallBody(ctx, req);
      let region = 'us-east-1';
      if (body.length > 0) {
        const config = parseXml(body, 'CreateBucketConfiguration');
        if (typeof config.LocationConstraint === 'string' && config.LocationConstraint !== '') region = config.LocationConstraint;
      }
      await s3.createBucket(ctx.caller, bucket, region);
      return { status: 200, headers: { location: `/${bucket}` } };
    },

    async HeadBucket(ctx, req) {
      return { status: 200, headers: { 'x-amz-bucket-region': ctx.access.bucket!.region } };
    },

    async DeleteBucket(ctx, req) {
      await s3.deleteBucket(bucketOf(req));
      return { status: 204 };
    },

    async GetBucketLocation(ctx, req) {
      const b = ctx.access.bucket!;
      // S3 answers an empty LocationConstraint for us-east-1.
      return { status: 200, headers: XML, body: xmlDocument('LocationConstraint', b.region === 'us-east-1' ? {} : { '#text': b.region }) };
    },

    async PutBucketPolicy(ctx, req) {
      const text = (await readSmallBody(ctx, req, 20 * 1024)).toString('utf8');
      await s3.putBucketPolicy(bucketOf(req), text);
      return { status: 204 };
    },

    async GetBucketPolicy(ctx, req) {
      const { policy } = ctx.access.bucket!;
      if (policy === undefined) throw S3.NoSuchBucketPolicy(undefined, { BucketName: bucketOf(req) });
      return { status: 200, headers: { 'content-type': 'application/json' }, body: policy };
    },

    async DeleteBucketPolicy(ctx, req) {
      await s3.deleteBucketPolicy(bucketOf(req));
      return { status: 204 };
    },

    ListObjects: async (ctx, req) => list(ctx, req, false),
    ListObjectsV2: async (ctx, req) => list(ctx, req, true),

    async DeleteObjects(ctx, req) {
      const bucket = bucketOf(req);
      const doc = parseXml(await readSmallBody(ctx, req), 'Delete');
      const list: any[] = doc.Object ?? [];
      if (list.length === 0 || list.length > 1000) throw S3.MalformedXML();
      const quiet = String(doc.Quiet).toLowerCase() === 'true';
      const deleted: unknown[] = [];
      const errors: unknown[] = [];
      for (const o of list) {
        const key = typeof o?.Key === 'string' ? o.Key : undefined;
        if (!key) throw S3.MalformedXML();
        try {
          if (!ctx.access.allows('s3:DeleteObject', key)) throw S3.AccessDenied();
          if (o.VersionId !== undefined && o.VersionId !== 'null') throw invalidVersionId(String(o.VersionId));
          await s3.headObject(bucket, key);
          await objects.delete(bucket, key);
          if (!quiet) deleted.push({ Key: key });
        } catch (e) {
          const err = e as { code?: string; message?: string };
          errors.push({ Key: key, Code: err.code ?? 'InternalError', Message: err.message ?? 'error' });
        }
      }
      return { status: 200, headers: XML, body: xmlDocument('DeleteResult', { ...(deleted.length ? { Deleted: deleted } : {}), ...(errors.length ? { Error: errors } : {}) }) };
    },
  };
}
