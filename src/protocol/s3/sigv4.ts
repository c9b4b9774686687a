// SigV4 as S3 speaks it (Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)"):
// the Authorization header with a payload hash, UNSIGNED-PAYLOAD or a streaming (aws-chunked)
// payload, or presigned query parameters (X-Amz-Algorithm … X-Amz-Signature). The canonical
// request is built from the request exactly as received: S3 neither normalises the path (keys may
// hold `..` and `//`) nor re-encodes it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { S3 } from '../s3-errors.js';
import type { ChunkVerifier, TrailerVerifier } from './chunked.js';

export interface S3SignedRequest {
  method: string;
  /** The path as received, still percent-encoded. */
  rawPath: string;
  /** Decoded query parameters, in order. */
  query: [string, string][];
  headers: Record<string, string | string[] | undefined>;
}

export interface S3Auth {
  /** 'v2': a presigned URL of Signature Version 2 (what `aws s3 presign` of CLI v1 makes). */
  version?: 'v2';
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  presigned?: { expiresSeconds: number };
}

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';
const EMPTY_SHA256 = createHash('sha256').digest('hex');
const MAX_SKEW_MS = 15 * 60 * 1000;

const header = (h: S3SignedRequest['headers'], name: string) => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

function parseCredential(credential: string): Pick<S3Auth, 'accessKeyId' | 'date' | 'region' | 'service'> {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]!) || !scope[0]) {
    throw S3.AuthorizationHeaderMalformed(`The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request". ${credential}`);
  }
  return { accessKeyId: scope[0], date: scope[1]!, region: scope[2]!, service: scope[3]! };
}

/** The request's SigV4 parameters, or undefined for an anonymous request. */
export function parseS3Auth(req: S3SignedRequest): S3Auth | undefined {
  const q = new Map(req.query);
  if (q.has('AWSAccessKeyId') && q.has('Signature') && q.has('Expires')) {
    const expires = Number(q.get('Expires'));
    if (!Number.isInteger(expires)) throw S3.AuthorizationHeaderMalformed('Expires must be a number of seconds since the epoch.');
    return { version: 'v2', accessKeyId: q.get('AWSAccessKeyId')!, date: '', region: '', service: 's3', signedHeaders: [], signature: q.get('Signature')!, amzDate: String(expires) };
  }
  if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature')) {
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw S3.AuthorizationHeaderMalformed('Only AWS4-HMAC-SHA256 presigned URLs are supported.');
    const need = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Expires'];
    const missing = need.filter((k) => !q.get(k));
    if (missing.length) throw S3.AuthorizationHeaderMalformed(`Query-string authentication requires ${missing.join(', ')}.`);
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > 604800) throw S3.AuthorizationHeaderMalformed('X-Amz-Expires must be between 1 and 604800 seconds.');
    return {
      ...parseCredential(q.get('X-Amz-Credential')!), signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
      signature: q.get('X-Amz-Signature')!, amzDate: q.get('X-Amz-Date')!, presigned: { expiresSeconds: expires },
    };
  }
  const value = header(req.headers, 'authorization');
  if (!value) return undefined;
  if (!value.startsWith('AWS4-HMAC-SHA256 ')) throw S3.InvalidArgument('Only AWS Signature Version 4 (AWS4-HMAC-SHA256) is supported.');
  const parts: Record<string, string> = {};
  for (const piece of value.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  if (!parts.Credential || !parts.SignedHeaders || !parts.Signature) throw S3.AuthorizationHeaderMalformed();
  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate) throw S3.AccessDenied('AWS authentication requires a valid Date or x-amz-date header');
  return { ...parseCredential(parts.Credential), signedHeaders: parts.SignedHeaders.split(';'), signature: parts.Signature, amzDate };
}

const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}

/**
 * The SigV4 signing key of a secret for a day, region and service (four HMACs), kept for the next
 * requests of the same scope as the SDKs keep it: it changes once a day per credential.
 */
const signingKeys = new Map<string, Buffer>();
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const id = `${secret}\0${date}\0${region}\0${service}`;
  let key = signingKeys.get(id);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= 256) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

/** What a verified request's streamed body is checked with. */
export interface SigningContext { key: Buffer; scope: string; amzDate: string; seed: string }

/** Sub-resources that are part of a Signature Version 2 string to sign. */
const V2_SUBRESOURCES = new Set(['acl', 'delete', 'location', 'logging', 'partNumber', 'policy', 'uploadId', 'uploads', 'versionId', 'versioning', 'versions',
  'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding']);

/** A Signature Version 2 presigned URL (HMAC-SHA1 of method, Content-MD5, Content-Type, Expires, x-amz headers, resource). */
function verifyV2(req: S3SignedRequest, auth: S3Auth, secret: string, now: Date): void {
  if (now.getTime() > Number(auth.amzDate) * 1000) throw S3.ExpiredToken();
  const amz = Object.keys(req.headers).filter((h) => h.startsWith('x-amz-')).sort().map((h) => `${h}:${header(req.headers, h)!.trim()}\n`).join('');
  const sub = req.query.filter(([k]) => V2_SUBRESOURCES.has(k)).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  const toSign = [req.method, header(req.headers, 'content-md5') ?? '', header(req.headers, 'content-type') ?? '', auth.amzDate, `${amz}${req.rawPath}${sub ? `?${sub}` : ''}`].join('\n');
  const expected = createHmac('sha1', secret).update(toSign).digest('base64');
  if (expected.length !== auth.signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature))) throw S3.SignatureDoesNotMatch();
}

/** Verifies the signature with the caller's secret; throws S3's errors. */
export function verifyS3Signature(req: S3SignedRequest, auth: S3Auth, secret: string, now: Date): SigningContext | undefined {
  if (auth.version === 'v2') { verifyV2(req, auth, secret, now); return undefined; }
  const signedAt = parseAmzDate(auth.amzDate);
  if (!signedAt) throw S3.AccessDenied('AWS authentication requires a valid Date or x-amz-date header');
  if (auth.presigned) {
    if (now.getTime() > signedAt.getTime() + auth.presigned.expiresSeconds * 1000) throw S3.ExpiredToken();
    if (signedAt.getTime() - now.getTime() > MAX_SKEW_MS) throw S3.RequestTimeTooSkewed();
  } else if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) throw S3.RequestTimeTooSkewed();
  if (!auth.signedHeaders.includes('host')) throw S3.AuthorizationHeaderMalformed('The host header must be signed.');
  const query = req.query.filter(([k]) => !(auth.presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
  const headers = auth.signedHeaders.map((name) => {
    const v = header(req.headers, name);
    if (v === undefined) throw S3.SignatureDoesNotMatch();
    return `${name}:${v.trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const payload = auth.presigned ? UNSIGNED_PAYLOAD : (header(req.headers, 'x-amz-content-sha256') ?? EMPTY_SHA256);
  const canonical = [req.method, req.rawPath, query, headers, auth.signedHeaders.join(';'), payload].join('\n');
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', auth.amzDate, scope, sha256(canonical)].join('\n');
  const key = signingKey(secret, auth.date, auth.region, auth.service);
  const expected = hmac(key, toSign).toString('hex');
  if (expected.length !== auth.signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature))) throw S3.SignatureDoesNotMatch();
  return { key, scope, amzDate: auth.amzDate, seed: expected };
}

/**
 * Checks each aws-chunked chunk's signature against the chain that starts at the request's signature
 * (string to sign: AWS4-HMAC-SHA256-PAYLOAD, date, scope, previous signature, hash of "", hash of the
 * chunk), and the trailer signature after the final chunk (AWS4-HMAC-SHA256-TRAILER, date, scope,
 * final chunk's signature, hash of the trailer lines as `name:value\n`), as S3 does for
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]. Throws SignatureDoesNotMatch.
 */
export function streamingSignatures(ctx: SigningContext): { chunk: ChunkVerifier; trailers: TrailerVerifier } {
  let previous = ctx.seed;
  const check = (signature: string | undefined, toSign: string, what: string) => {
    const expected = hmac(ctx.key, toSign).toString('hex');
    if (signature === undefined || signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
      throw S3.SignatureDoesNotMatch(`The ${what} signature we calculated does not match the signature you provided.`);
    }
    previous = expected;
  };
  return {
    chunk(signature, data) {
      const hash = createHash('sha256');
      for (const d of data) hash.update(d);
      check(signature, ['AWS4-HMAC-SHA256-PAYLOAD', ctx.amzDate, ctx.scope, previous, EMPTY_SHA256, hash.digest('hex')].join('\n'), 'chunk');
    },
    trailers(lines) {
      const signature = lines.find(([n]) => n === 'x-amz-trailer-signature')?.[1];
      const canonical = lines.filter(([n]) => n !== 'x-amz-trailer-signature').map(([n, v]) => `${n}:${v}\n`).join('');
      check(signature, ['AWS4-HMAC-SHA256-TRAILER', ctx.amzDate, ctx.scope, previous, sha256(canonical)].join('\n'), 'trailer');
    },
  };
}
