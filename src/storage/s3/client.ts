// The S3 client of the S3 object storage (--s3-endpoint-url): AWS S3 itself or any S3-compatible
// server, addressed path-style (bucket names with dots and servers without wildcard DNS work).
// Credentials: the static keys when configured (OSPREY_S3_ACCESS_KEY_ID / _SECRET_ACCESS_KEY), else
// the AWS SDK's default chain (environment, shared profile, container and instance roles).
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  endpoint: string;
  /** Signing region; absent = AWS_REGION / AWS_DEFAULT_REGION, else `fallbackRegion`. */
  region?: string;
  fallbackRegion: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** Errors the SDK reports for a missing object, bucket or upload (names differ between HEAD and GET). */
export const isMissing = (e: unknown, ...names: string[]): boolean => {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return names.includes(err?.name ?? '') || names.includes(err?.Code ?? '') || (names.includes('404') && err?.$metadata?.httpStatusCode === 404);
};

export function s3Client(s: S3Settings): S3Client {
  return new S3Client({
    endpoint: s.endpoint,
    forcePathStyle: true,
    region: s.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? s.fallbackRegion,
    ...(s.accessKeyId && s.secretAccessKey ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } } : {}),
    // Integrity is Content-MD5 (as S3 clients sent it for years) plus Osprey's own hashes: the SDK's
    // default CRC trailers need aws-chunked uploads, which not every S3-compatible server accepts.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    // Failures reach the caller as errors (the request's own log line reports them); the SDK would
    // otherwise print some of them to the console.
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
}
