// The console's AWS client: every request is signed with SigV4 (@smithy/signature-v4) in the
// browser and sent to the same public APIs any SDK uses, on this page's origin:
// - Rekognition: AWS JSON 1.1, POST / with X-Amz-Target: RekognitionService.<Operation>;
// - S3: path-style REST, GET/PUT /<bucket>/<key>, service "s3".
// Failures become ApiError with the AWS error code and message (JSON `__type`/`message`, S3 XML
// <Code>/<Message>), or code "NetworkError" when no answer came.
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import type { Session } from './session';

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly status: number) { super(message); }
}

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

async function sha256Hex(body: Uint8Array | string): Promise<string> {
  const h = new Sha256();
  h.update(body);
  return toHex(await h.digest());
}

function signer(s: Session, service: 'rekognition' | 's3') {
  return new SignatureV4({
    service, region: s.region, sha256: Sha256, applyChecksum: false, uriEscapePath: true,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
  });
}

async function signedFetch(s: Session, service: 'rekognition' | 's3', method: string, path: string, headers: Record<string, string>, body?: Uint8Array | string, encodedPath?: string): Promise<Response> {
  const req = {
    method, protocol: location.protocol, hostname: location.hostname, port: location.port ? Number(location.port) : undefined,
    path, query: {}, headers: { host: location.host, ...headers }, body,
  };
  const signed = await signer(s, service).sign(req);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') out[k] = String(v);
  try {
    return await fetch(encodedPath ?? path, { method, headers: out, body: body as BodyInit | undefined, cache: 'no-store' });
  } catch (e) {
    throw new ApiError('NetworkError', `The request did not reach the server: ${e instanceof Error ? e.message : String(e)}`, 0);
  }
}

/** Calls a Rekognition operation; resolves to its JSON output or rejects with ApiError. */
export async function rekognition<T = any>(s: Session, operation: string, input: object = {}): Promise<T> {
  const body = JSON.stringify(input);
  const res = await signedFetch(s, 'rekognition', 'POST', '/', {
    'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${operation}`,
  }, body);
  const text = await res.text();
  let json: any;
  try { json = text ? JSON.parse(text) : {}; } catch { json = undefined; }
  if (res.ok && json !== undefined) return json as T;
  const type = String(json?.__type ?? res.headers.get('x-amzn-errortype') ?? `HTTP${res.status}`);
  throw new ApiError(type.slice(type.lastIndexOf('#') + 1).split(':')[0], String(json?.message ?? json?.Message ?? (text || res.statusText)), res.status);
}

/** `s3://bucket/key` → {bucket, key}; undefined when it is not an S3 URI. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

const objectPath = (bucket: string, key: string) => `/${bucket}/${key}`;
const encodedObjectPath = (bucket: string, key: string) => `/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;

async function s3Error(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code) return new ApiError(code, message ?? '', res.status);
  const json = (() => { try { return JSON.parse(text); } catch { return undefined; } })();
  if (json?.__type) return new ApiError(String(json.__type).split('#').pop()!, String(json.message ?? ''), res.status);
  return new ApiError(res.status === 404 ? 'NoSuchKey' : `HTTP${res.status}`, res.statusText || 'The request failed.', res.status);
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** S3 GetObject (path-style); resolves to the object's bytes as a Blob. */
export async function getObject(s: Session, bucket: string, key: string): Promise<Blob> {
  const res = await signedFetch(s, 's3', 'GET', objectPath(bucket, key), { 'x-amz-content-sha256': EMPTY_SHA256 }, undefined, encodedObjectPath(bucket, key));
  if (!res.ok) throw await s3Error(res);
  return res.blob();
}

/** S3 GetObject of a text object (manifests, evaluation files). */
export async function getText(s: Session, bucket: string, key: string): Promise<string> {
  return (await getObject(s, bucket, key)).text();
}

/** S3 PutObject (path-style), the body signed by its SHA-256. */
export async function putObject(s: Session, bucket: string, key: string, body: Uint8Array, contentType: string): Promise<void> {
  const res = await signedFetch(s, 's3', 'PUT', objectPath(bucket, key), {
    'x-amz-content-sha256': await sha256Hex(body), 'content-type': contentType,
  }, body, encodedObjectPath(bucket, key));
  if (!res.ok) throw await s3Error(res);
}

/**
 * S3 CreateBucket (path-style PUT /<bucket>); outside us-east-1 the body names the region, as S3
 * requires. An existing bucket of the caller's is not an error here (BucketAlreadyOwnedByYou).
 */
export async function createBucket(s: Session, bucket: string): Promise<void> {
  const body = s.region === 'us-east-1' ? '' : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${s.region}</LocationConstraint></CreateBucketConfiguration>`;
  const res = await signedFetch(s, 's3', 'PUT', `/${bucket}`, { 'x-amz-content-sha256': await sha256Hex(body) }, body || undefined, `/${encodeURIComponent(bucket)}`);
  if (res.ok) return;
  const err = await s3Error(res);
  if (err.code !== 'BucketAlreadyOwnedByYou') throw err;
}
