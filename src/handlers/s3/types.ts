// What an S3 handler sees and answers: the routed request (body still a stream) and a response
// whose body is text, bytes or a stream. The pipeline (server/pipeline.ts) does the rest.
import type { Readable } from 'node:stream';
import type { S3Route } from '../../protocol/s3/route.js';
import type { SigningContext } from '../../protocol/s3/sigv4.js';
import type { Authenticated } from '../../server/auth.js';
import type { S3Access } from '../../domain/s3/service.js';

export interface S3Context {
  requestId: string;
  caller: Authenticated;
  /** Strict mode: what streamed chunk signatures are checked with. */
  signing?: SigningContext;
  /** What the pipeline's authorize stage found: the request's bucket, and per-key checks. */
  access: S3Access;
}

export interface S3Request {
  route: S3Route;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface S3Response {
  status: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer | NodeJS.ReadableStream;
}

export type S3Handler = (ctx: S3Context, req: S3Request) => Promise<S3Response>;

export function header(req: S3Request, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
