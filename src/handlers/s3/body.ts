// Request bodies of S3 operations: small XML/JSON documents read whole (bounded), and object bytes
// streamed through the checks their headers ask for (aws-chunked decoding, payload SHA-256).
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { AwsChunkedDecoder } from '../../protocol/s3/chunked.js';
import { ChecksumCheck, checksumHeader, checkValue, requestedChecksum } from '../../protocol/s3/checksums.js';
import { streamingSignatures, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD } from '../../protocol/s3/sigv4.js';
import { S3 } from '../../protocol/s3-errors.js';
import type { ObjectChecksum, ObjectMeta } from '../../storage/ports.js';
import { header, type S3Context, type S3Request } from './types.js';

/**
 * Reads a small body whole, checked against its Content-MD5 when sent (BadDigest); `limit` bytes at most (EntityTooLarge beyond). `checksummed:
 * false` for CompleteMultipartUpload, whose x-amz-checksum-* headers are the whole object's, not the XML's.
 */
export async function readSmallBody(ctx: S3Context, req: S3Request, limit = 1024 * 1024, checksummed = true): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of objectBody(ctx, req, undefined, checksummed)) {
    size += (c as Buffer).length;
    if (size > limit) throw S3.EntityTooLarge(`The request body exceeds ${limit} bytes.`);
    chunks.push(c as Buffer);
  }
  const body = Buffer.concat(chunks);
  const md5 = contentMd5(req);
  if (md5 && !md5.equals(createHash('md5').update(body).digest())) throw S3.BadDigest();
  return body;
}

/** The payload's declared length: x-amz-decoded-content-length for aws-chunked, else Content-Length. */
export function declaredLength(req: S3Request): number | undefined {
  const raw = header(req, 'x-amz-decoded-content-length') ?? header(req, 'content-length');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw S3.InvalidArgument('Content-Length must be a non-negative integer.');
  return Number(raw);
}

/** The Content-MD5 header as 16 bytes; InvalidDigest when it is not one. */
export function contentMd5(req: S3Request): Buffer | undefined {
  const raw = header(req, 'content-md5');
  if (raw === undefined) return undefined;
  const md5 = Buffer.from(raw, 'base64');
  if (md5.length !== 16 || md5.toString('base64') !== raw.trim()) throw S3.InvalidDigest();
  return md5;
}

/**
 * The object bytes of a request as a stream, decoded and checked as its headers say: aws-chunked
 * decoding (strict mode: every chunk signature and the trailer signature), the payload SHA-256, and
 * the additional checksum of an `x-amz-checksum-*` header or trailer (BadDigest on a mismatch: the
 * stream fails, so nothing is stored). When `meta` is given, the verified checksum is written into
 * `meta.checksum` as the stream ends (before the store commits the object).
 */
export function objectBody(ctx: S3Context, req: S3Request, meta?: ObjectMeta, checksummed = true): NodeJS.ReadableStream {
  const declared = header(req, 'x-amz-content-sha256');
  const requested = checksummed ? requestedChecksum(req.headers) : undefined;
  const chunked = (header(req, 'content-encoding') ?? '').split(',').some((e) => e.trim() === 'aws-chunked')
    || declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER || declared === STREAMING_UNSIGNED_TRAILER;
  let stream: NodeJS.ReadableStream = chain(req.body, idleGuard());
  let decoder: AwsChunkedDecoder | undefined;
  if (chunked) {
    const signed = ctx.signing && (declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER) ? streamingSignatures(ctx.signing) : undefined;
    decoder = new AwsChunkedDecoder(signed?.chunk, declared === STREAMING_SIGNED_TRAILER ? signed?.trailers : undefined);
    stream = chain(stream, decoder);
  } else if (declared && declared !== UNSIGNED_PAYLOAD && /^[0-9a-f]{64}$/.test(declared)) {
    const hash = createHash('sha256');
    stream = chain(stream, new Transform({
      transform(c: Buffer, _e, done) { hash.update(c); done(null, c); },
      flush(done) { done(hash.digest('hex') === declared ? null : S3.XAmzContentSHA256Mismatch()); },
    }));
  }
  if (requested) {
    const { algorithm, value } = requested;
    const expected = () => {
      if (value !== undefined) return value;
      const trailed = decoder?.trailer(checksumHeader(algorithm));
      return trailed === undefined ? undefined : checkValue(algorithm, trailed);
    };
    const check = new ChecksumCheck(algorithm, expected);
    if (meta) check.on('end', () => { meta.checksum = check.result; });
    stream = chain(stream, check);
  }
  return stream;
}

/**
 * Seconds a request body may stall before it fails with S3's RequestTimeout (S3 closes idle sockets
 * after about 20 s); OSPREY_BODY_IDLE_SECONDS overrides it (docs/s3.md).
 */
export const BODY_IDLE_SECONDS = Number(process.env.OSPREY_BODY_IDLE_SECONDS) > 0 ? Number(process.env.OSPREY_BODY_IDLE_SECONDS) : 20;

/**
 * A pass-through that fails with RequestTimeout when no byte arrived for BODY_IDLE_SECONDS (checked
 * every BODY_IDLE_SECONDS, so a stall ends within twice that): a client that stops sending, or sends
 * fewer bytes than it declared, gets S3's answer instead of holding the request open. A body that keeps
 * arriving may take as long as it needs (the HTTP server sets no overall request time limit).
 */
function idleGuard(): Transform {
  let progressed = true;
  const guard: Transform = new Transform({
    transform(c: Buffer, _e, done) { progressed = true; done(null, c); },
    flush(done) { clearInterval(timer); done(); },
    destroy(err, done) { clearInterval(timer); done(err); },
  });
  const timer = setInterval(() => {
    if (!progressed) guard.destroy(S3.RequestTimeout());
    progressed = false;
  }, BODY_IDLE_SECONDS * 1000);
  timer.unref();
  return guard;
}

/** `from` piped into `to`; an error of either fails `to`, which its consumer sees. */
function chain(from: NodeJS.ReadableStream, to: Transform): Transform {
  to.on('error', () => undefined); // consumers see the error too
  from.on('error', (e: Error) => to.destroy(e));
  return from.pipe(to);
}

/** The response headers of a verified checksum (PutObject, UploadPart, GetObject with x-amz-checksum-mode: ENABLED). */
export function checksumHeaders(c: ObjectChecksum | undefined): Record<string, string> {
  return c ? { [checksumHeader(c.algorithm)]: c.value, 'x-amz-checksum-type': 'FULL_OBJECT' } : {};
}
