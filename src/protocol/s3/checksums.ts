// S3's additional checksums (Amazon S3 User Guide, "Checking object integrity"): CRC32, CRC32C,
// CRC64NVME, SHA1, SHA256 of the object bytes, base64 of the big-endian digest, sent either as a header
// (`x-amz-checksum-crc32: …`) or as a trailer of an aws-chunked body (`x-amz-trailer:
// x-amz-checksum-crc32`, the value after the last chunk), which AWS CLI v2 and current SDKs do by
// default. A request names at most one. The CRCs come from @aws-sdk/checksums (the SDK's own code);
// CRC32 uses node:zlib's native crc32 through it, the SHAs node:crypto.
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { S3 } from '../s3-errors.js';

import type { ObjectChecksum } from '../../storage/ports.js';

export type ChecksumAlgorithm = ObjectChecksum['algorithm'];
export const CHECKSUM_ALGORITHMS: ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** Digest sizes in bytes (a header value must decode to exactly this many). */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

/** `x-amz-checksum-crc32` and friends. */
export const checksumHeader = (a: ChecksumAlgorithm) => `x-amz-checksum-${a.toLowerCase()}`;

function algorithmOf(headerName: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(headerName.trim().toLowerCase());
  return m ? CHECKSUM_ALGORITHMS.find((a) => a.toLowerCase() === m[1]) : undefined;
}

interface Hasher { update(data: Uint8Array): void; digest(): Promise<Uint8Array> }

function hasher(a: ChecksumAlgorithm): Hasher {
  switch (a) {
    case 'CRC32': return new Crc32();
    case 'CRC32C': return new Crc32c();
    case 'CRC64NVME': return new Crc64Nvme();
    default: {
      const h = createHash(a === 'SHA1' ? 'sha1' : 'sha256');
      return { update: (d) => { h.update(d); }, digest: async () => h.digest() };
    }
  }
}

/** A header or trailer value: base64 of a digest of the algorithm's size; InvalidRequest otherwise. */
export function checkValue(a: ChecksumAlgorithm, value: string): string {
  const v = value.trim();
  const bytes = Buffer.from(v, 'base64');
  if (bytes.length !== DIGEST_BYTES[a] || bytes.toString('base64') !== v) {
    throw S3.InvalidRequest(`Value for ${checksumHeader(a)} header is invalid.`);
  }
  return v;
}

/** What a request says about its checksum: the algorithm, and the value when sent as a header. */
export interface RequestedChecksum { algorithm: ChecksumAlgorithm; value?: string; trailer: boolean }

/**
 * The checksum a request asks S3 to verify, from its headers: one `x-amz-checksum-<alg>` header, or
 * an `x-amz-trailer` naming one (its value comes after the body). InvalidRequest for two of them, an
 * unknown algorithm or a malformed value.
 */
export function requestedChecksum(headers: Record<string, string | string[] | undefined>): RequestedChecksum | undefined {
  const found: RequestedChecksum[] = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || !name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm' || name === 'x-amz-checksum-mode') continue;
    const a = algorithmOf(name);
    if (!a) throw S3.InvalidRequest(`The algorithm type you specified in ${name} header is invalid.`);
    found.push({ algorithm: a, value: checkValue(a, Array.isArray(raw) ? raw[0]! : raw), trailer: false });
  }
  const trailer = headers['x-amz-trailer'];
  const trailerName = Array.isArray(trailer) ? trailer[0] : trailer;
  if (trailerName !== undefined) {
    const a = algorithmOf(trailerName);
    if (!a) throw S3.InvalidRequest(`The value specified in the x-amz-trailer header is not supported`);
    found.push({ algorithm: a, trailer: true });
  }
  if (found.length > 1) throw S3.InvalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  return found[0];
}

/**
 * Passes the bytes through while computing `algorithm`; when they end, compares with `expected()`
 * (a header value, or the trailer the aws-chunked decoder read) and fails the stream with S3's
 * BadDigest on a mismatch, InvalidRequest when a promised trailer never came. `result` holds the
 * verified checksum afterwards.
 */
export class ChecksumCheck extends Transform {
  private readonly hash: Hasher;
  result?: ObjectChecksum;

  constructor(private readonly algorithm: ChecksumAlgorithm, private readonly expected: () => string | undefined) {
    super();
    this.hash = hasher(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this.hash.digest().then((d) => {
      const actual = Buffer.from(d).toString('base64');
      const want = this.expected();
      if (want === undefined) return cb(S3.InvalidRequest(`The ${checksumHeader(this.algorithm)} trailer named by x-amz-trailer was not sent.`));
      if (want !== actual) return cb(S3.BadDigest(`The ${this.algorithm} you specified did not match the calculated checksum.`));
      this.result = { algorithm: this.algorithm, value: actual };
      cb();
    }, (e: Error) => cb(e));
  }
}
