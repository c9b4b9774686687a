// A read-only S3 endpoint on the same port, so users read their output files the way they would on
// AWS (`aws s3 cp s3://bucket/key - --endpoint-url …`, boto3 get_object / head_object):
// path-style GET and HEAD /<bucket>/<key>, SigV4 with service `s3` (verified in strict mode like
// every request; dev mode maps the access key to an account as for the JSON API).
//
// Plain objects are served as they are. Sealed objects (output files, src/domain/keys/sealed-
// objects.ts) are opened only for a caller whose key policy allows kms:Decrypt; HEAD answers their
// size without opening them, as S3 answers HeadObject of an SSE-KMS object. The bucket folders have
// no access control of their own (no bucket policies): the key policy is what protects outputs.
// Nothing else of S3 is here (no listing, no writes): other requests get an S3-shaped error.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ServiceError } from '../protocol/errors.js';
import { parseAuthorization } from '../protocol/sigv4.js';
import { describeStored, storedEtag, type SealedObjects } from '../domain/keys/sealed-objects.js';
import { ObjectPathError, type ObjectStore } from '../storage/objects.js';
import type { Authenticator } from './auth.js';
import type { Logger } from './logger.js';

export interface ObjectsRouteDeps {
  authenticator: Authenticator;
  objects: ObjectStore;
  sealed: SealedObjects;
  log: Logger;
}

class S3Error extends Error {
  constructor(readonly code: string, message: string, readonly status: number, readonly extra: Record<string, string> = {}) { super(message); }
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json', manifest: 'application/json', jsonl: 'application/json',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', txt: 'text/plain',
};

function contentType(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';
}

/** Auth failures in S3's words. */
function fromAuthError(e: ServiceError): S3Error {
  switch (e.code) {
    case 'UnrecognizedClientException': return new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
    case 'InvalidSignatureException':
      return e.message.startsWith('Signature expired')
        ? new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403)
        : new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', 403);
    case 'MissingAuthenticationTokenException': return new S3Error('AccessDenied', 'Access Denied', 403);
    default: return new S3Error('AuthorizationHeaderMalformed', e.message, 400);
  }
}

/** A single `bytes=` range as [start, end] inclusive; undefined = the whole object; 'invalid' = 416. */
function parseRange(header: string | undefined, size: number): [number, number] | undefined | 'invalid' {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // absent, multi-range or malformed: whole object, as S3 does
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 ? 'invalid' : [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return 'invalid';
  return [start, end];
}

/** Bucket and key from a path-style URL path (each decoded once). */
function target(rawPath: string): { bucket: string; key: string } {
  const slash = rawPath.indexOf('/', 1);
  let bucket: string, key: string;
  try {
    bucket = decodeURIComponent(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
    key = slash < 0 ? '' : decodeURIComponent(rawPath.slice(slash + 1));
  } catch {
    throw new S3Error('InvalidURI', 'Couldn\'t parse the specified URI.', 400);
  }
  if (!bucket || !key) throw new S3Error('InvalidRequest', 'Osprey serves GetObject and HeadObject (GET and HEAD /<bucket>/<key>) only.', 400);
  return { bucket, key };
}

export function objectsRoute(deps: ObjectsRouteDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { authenticator, objects, sealed, log } = deps;

  const serve = async (req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> => {
    const head = req.method === 'HEAD';
    if (!head && req.method !== 'GET') throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? {} : Object.fromEntries(new URLSearchParams(url.slice(q + 1)));
    const { bucket, key } = target(rawPath);

    // S3 names a scope for another service AuthorizationHeaderMalformed (400), before the signature.
    const authorization = req.headers.authorization;
    let service: string | undefined;
    try { service = authorization ? parseAuthorization(Array.isArray(authorization) ? authorization[0] : authorization).service : undefined; } catch { /* authenticate says why */ }
    if (service !== undefined && service !== 's3') throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; incorrect service "${service}". This endpoint belongs to "s3".`, 400);

    let caller;
    try {
      // The decoded path: the verifier encodes each segment once, as S3 clients do for the canonical URI.
      caller = await authenticator.authenticate({ method: req.method!, path: `/${bucket}/${key}`, headers: req.headers, body: Buffer.alloc(0), query }, 's3');
    } catch (e) {
      if (e instanceof ServiceError) throw fromAuthError(e);
      throw e;
    }

    const where = { BucketName: bucket, Key: key };
    let stat: Awaited<ReturnType<ObjectStore['stat']>>;
    let bytes: Buffer | undefined;
    let exists: boolean;
    try { exists = await objects.bucketExists(bucket); } catch (e) {
      if (e instanceof ObjectPathError) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: bucket });
      throw e;
    }
    if (!exists) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist.', 404, { BucketName: bucket });
    try {
      stat = await objects.stat(bucket, key);
      bytes = stat && (await objects.get(bucket, key));
    } catch (e) {
      // A name that would leave the bucket folder (.., ., \, NUL) names no object there.
      if (e instanceof ObjectPathError) throw new S3Error('InvalidArgument', 'The object key is not valid: . and .. segments, backslashes and NUL are not allowed.', 400, where);
      throw e;
    }
    if (!stat || !bytes) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404, where);

    const stored = describeStored(bytes);
    const headers: Record<string, string | number> = {
      'content-type': contentType(key), 'last-modified': stat.modified.toUTCString(), etag: storedEtag(bytes),
      'accept-ranges': 'bytes', 'x-amz-request-id': requestId,
    };
    if (stored.sealed) {
      headers['x-amz-server-side-encryption'] = 'aws:kms';
      headers['x-amz-server-side-encryption-aws-kms-key-id'] = stored.sealed.keyArn;
    }
    const size = stored.sealed ? stored.sealed.plaintextLength : bytes.length;
    if (head) {
      res.writeHead(200, { ...headers, 'content-length': size }).end();
      return;
    }
    let body: Buffer;
    try {
      body = await sealed.openFor(caller, stored);
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'AccessDeniedException') throw new S3Error('AccessDenied', e.message, 403);
      if (e instanceof ServiceError && e.status < 500) throw new S3Error(e.code, e.message, e.status);
      throw e;
    }
    const range = parseRange(Array.isArray(req.headers.range) ? req.headers.range[0] : req.headers.range, body.length);
    if (range === 'invalid') throw new S3Error('InvalidRange', 'The requested range is not satisfiable', 416, { RangeRequested: String(req.headers.range), ActualObjectSize: String(body.length) });
    if (range) {
      const [start, end] = range;
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1 }).end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': body.length }).end(body);
  };

  return async (req, res) => {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    try {
      await serve(req, res, requestId);
    } catch (e) {
      let err: S3Error;
      if (e instanceof S3Error) err = e;
      else {
        log.error('internal error', { id: requestId, op: `s3:${req.method}`, error: e instanceof Error ? e.stack : String(e) });
        err = new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
      }
      const extra = Object.entries(err.extra).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('');
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>${extra}<RequestId>${requestId}</RequestId></Error>`;
      const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId };
      // HEAD answers carry no body; clients read the status (botocore names the error by it).
      if (req.method === 'HEAD') res.writeHead(err.status, { ...headers, 'content-length': 0 }).end();
      else res.writeHead(err.status, { ...headers, 'content-length': Buffer.byteLength(xml) }).end(xml);
    }
  };
}
