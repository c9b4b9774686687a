// Request bodies of S3 operations: small XML/JSON documents read whole (bounded), and object bytes
// streamed through the checks their headers ask for (aws-chunked decoding, payload SHA-256).
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { AwsChunkedDecoder } from '../../protocol/s3/chunked.js';
import { chunkSignatures, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, STREAMING_UNSIGNED_TRAILER, UNSIGNED_PAYLOAD } from '../../protocol/s3/sigv4.js';
import { S3 } from '../../protocol/s3-errors.js';
import { header, type S3Context, type S3Request } from './types.js';

/** Reads a small body whole; `limit` bytes at most (MalformedXML / EntityTooLarge beyond). */
export async function readSmallBody(ctx: S3Context, req: S3Request, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of objectBody(ctx, req)) {
    size += (c as Buffer).length;
    if (size > limit) throw S3.EntityTooLarge(`The request body exceeds ${limit} bytes.`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
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

/** The object bytes of a request as a stream, decoded and checked as its headers say. */
export function objectBody(ctx: S3Context, req: S3Request): NodeJS.ReadableStream {
  const declared = header(req, 'x-amz-content-sha256');
  const chunked = (header(req, 'content-encoding') ?? '').split(',').some((e) => e.trim() === 'aws-chunked')
    || declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER || declared === STREAMING_UNSIGNED_TRAILER;
  if (chunked) {
    const verify = ctx.signing && (declared === STREAMING_SIGNED || declared === STREAMING_SIGNED_TRAILER) ? chunkSignatures(ctx.signing) : undefined;
    const decoder = new AwsChunkedDecoder(verify).on('error', () => undefined); // consumers see the error too
    req.body.on('error', (e) => decoder.destroy(e));
    return req.body.pipe(decoder);
  }
  if (declared && declared !== UNSIGNED_PAYLOAD && /^[0-9a-f]{64}$/.test(declared)) {
    const hash = createHash('sha256');
    const check = new Transform({
      transform(c: Buffer, _e, done) { hash.update(c); done(null, c); },
      flush(done) { done(hash.digest('hex') === declared ? null : S3.XAmzContentSHA256Mismatch()); },
    });
    check.on('error', () => undefined);
    req.body.on('error', (e) => check.destroy(e));
    return req.body.pipe(check);
  }
  return req.body;
}
