// Which S3 operation a REST request is: by method, bucket/key (path-style `/bucket/key`, or
// virtual-hosted `bucket.localhost:port/key`) and sub-resource query parameters. A sub-resource
// Osprey does not serve (acl, versioning, tagging …) is S3's NotImplemented.
import { S3 } from '../s3-errors.js';

export type S3Operation =
  | 'ListBuckets' | 'CreateBucket' | 'HeadBucket' | 'DeleteBucket' | 'GetBucketLocation'
  | 'PutBucketPolicy' | 'GetBucketPolicy' | 'DeleteBucketPolicy'
  | 'ListObjects' | 'ListObjectsV2' | 'DeleteObjects' | 'ListMultipartUploads'
  | 'PutObject' | 'CopyObject' | 'GetObject' | 'HeadObject' | 'DeleteObject'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts';

export interface S3Route {
  operation: S3Operation;
  bucket?: string;
  key?: string;
  /** The path as received (the canonical URI of the signature). */
  rawPath: string;
  query: [string, string][];
  params: Map<string, string>;
  /** CopyObject, UploadPartCopy: the source object x-amz-copy-source names (`bucket/key`, URL-encoded; `?versionId=null` at most). */
  copySource?: { bucket: string; key: string };
}

/** Query parameters that name a sub-resource of S3 (Amazon S3 API Reference) that Osprey does not serve. */
const UNSERVED = new Set([
  'accelerate', 'acl', 'analytics', 'attributes', 'cors', 'encryption', 'intelligent-tiering', 'inventory', 'legal-hold',
  'lifecycle', 'logging', 'metrics', 'notification', 'object-lock', 'ownershipControls', 'policyStatus', 'publicAccessBlock',
  'replication', 'requestPayment', 'restore', 'retention', 'select', 'tagging', 'torrent', 'versioning', 'versions', 'website',
  'session', 'renameObject',
]);

function decode(s: string): string {
  try { return decodeURIComponent(s); } catch { throw S3.InvalidURI(); }
}

/** Decoded query pairs of a raw query string (`+` is a plus sign, as S3 clients encode spaces as %20). */
export function parseQuery(raw: string): [string, string][] {
  if (!raw) return [];
  return raw.split('&').filter((p) => p.length > 0).map((p) => {
    const eq = p.indexOf('=');
    return eq < 0 ? [decode(p), ''] : [decode(p.slice(0, eq)), decode(p.slice(eq + 1))];
  });
}

/** The bucket a virtual-hosted-style Host names (`photos.localhost:4750` → photos), if any. */
export function virtualHostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name.endsWith('.localhost') && name.length > '.localhost'.length ? name.slice(0, -'.localhost'.length) : undefined;
}

/**
 * S3 on a bucket without versioning (Osprey's buckets never have it): the only version of an object is
 * "null", and any other versionId is InvalidArgument, never read as the current version.
 */
export function invalidVersionId(value: string) {
  return S3.InvalidArgument('Invalid version id specified', { ArgumentName: 'versionId', ArgumentValue: value });
}

/** The source object of x-amz-copy-source (`[/]bucket/key[?versionId=…]`, URL-encoded); InvalidArgument when it names none. */
export function parseCopySource(raw: string): { bucket: string; key: string } {
  const [path, query] = raw.split('?', 2);
  const version = new URLSearchParams(query ?? '').get('versionId');
  if (version !== null && version !== 'null') throw invalidVersionId(version);
  let source: string;
  try { source = decodeURIComponent(path!.replace(/^\//, '')); } catch { throw S3.InvalidArgument('Invalid copy source encoding.'); }
  const slash = source.indexOf('/');
  if (slash <= 0 || slash === source.length - 1) throw S3.InvalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
}

/** The operation of a request; `copySourceHeader` is x-amz-copy-source, when sent. */
export function routeS3(method: string, url: string, host: string | undefined, copySourceHeader?: string): S3Route {
  const copySource = copySourceHeader !== undefined;
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
  const params = new Map(query);
  let bucket = virtualHostBucket(host);
  let key: string | undefined;
  if (bucket !== undefined) {
    key = rawPath.length > 1 ? decode(rawPath.slice(1)) : undefined;
  } else {
    const slash = rawPath.indexOf('/', 1);
    const b = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    bucket = b === '' ? undefined : b;
    const k = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
    key = k === '' ? undefined : k;
  }
  for (const name of params.keys()) if (UNSERVED.has(name)) throw S3.NotImplemented(`Osprey does not implement the ${name} sub-resource.`);
  const has = (p: string) => params.has(p);
  const op = ((): S3Operation | undefined => {
    if (bucket === undefined) return method === 'GET' ? 'ListBuckets' : undefined;
    if (key === undefined) {
      switch (method) {
        case 'PUT': return has('policy') ? 'PutBucketPolicy' : 'CreateBucket';
        case 'HEAD': return 'HeadBucket';
        case 'DELETE': return has('policy') ? 'DeleteBucketPolicy' : 'DeleteBucket';
        case 'POST': return has('delete') ? 'DeleteObjects' : undefined;
        case 'GET':
          if (has('location')) return 'GetBucketLocation';
          if (has('policy')) return 'GetBucketPolicy';
          if (has('uploads')) return 'ListMultipartUploads';
          return params.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      }
      return undefined;
    }
    switch (method) {
      case 'PUT':
        if (has('uploadId') || has('partNumber')) return copySource ? 'UploadPartCopy' : 'UploadPart';
        return copySource ? 'CopyObject' : 'PutObject';
      case 'GET': return has('uploadId') ? 'ListParts' : 'GetObject';
      case 'HEAD': return 'HeadObject';
      case 'DELETE': return has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
      case 'POST':
        if (has('uploads')) return 'CreateMultipartUpload';
        if (has('uploadId')) return 'CompleteMultipartUpload';
        return undefined;
    }
    return undefined;
  })();
  if (!op) throw S3.MethodNotAllowed();
  const version = params.get('versionId');
  if (version !== undefined && version !== 'null' && (op === 'GetObject' || op === 'HeadObject' || op === 'DeleteObject')) throw invalidVersionId(version);
  return { operation: op, bucket, key, rawPath, query, params, ...(op === 'CopyObject' || op === 'UploadPartCopy' ? { copySource: parseCopySource(copySourceHeader!) } : {}) };
}
