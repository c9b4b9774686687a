// The `aws-chunked` content encoding of streamed uploads (Amazon S3 API Reference, "Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"):
//
//   <hex size>[;chunk-signature=<sig>]\r\n <bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n [trailers\r\n] \r\n
//
// Trailers ("Signature calculations for trailing headers") are `name:value` lines, e.g.
// `x-amz-checksum-crc32:…`, and for a signed body `x-amz-trailer-signature:<sig>` last.
// Decoded as a stream (memory bounded by one chunk header or trailer line). Each chunk's signature is
// handed to `verify` (strict mode checks the chain of signatures), the trailers to `verifyTrailers`
// before the stream ends; a malformed body fails the stream with S3's IncompleteBody.
import { Transform, type TransformCallback } from 'node:stream';
import { S3 } from '../s3-errors.js';

export type ChunkVerifier = (signature: string | undefined, data: Buffer[]) => void;
/** Checks the trailer lines, in the order sent (the signature line included). */
export type TrailerVerifier = (trailers: [string, string][]) => void;

const MAX_LINE = 4096;

export class AwsChunkedDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private remaining = -1; // bytes of the current chunk still to pass; -1 = expecting a header line
  private signature: string | undefined;
  private pieces: Buffer[] = [];
  private done = false; // the final (0-size) chunk was read; trailer lines follow
  private ended = false; // the empty line after the trailers was read
  private needCrlf = false;
  /** The trailers, in order (lower-case names), complete when the stream ends. */
  readonly trailers: [string, string][] = [];

  constructor(private readonly verify?: ChunkVerifier, private readonly verifyTrailers?: TrailerVerifier) { super(); }

  /** A trailer's value (name in lower case). */
  trailer(name: string): string | undefined {
    return this.trailers.find(([n]) => n === name)?.[1];
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try { this.drain(); cb(); } catch (e) { cb(e as Error); }
  }

  override _flush(cb: TransformCallback): void {
    if (!this.done) return cb(S3.IncompleteBody('The aws-chunked body ended before its final chunk.'));
    // Some clients end the body right after the last trailer line, without the empty line.
    if (!this.ended && this.buf.length > 0) return cb(S3.IncompleteBody('Malformed aws-chunked trailer.'));
    try { if (!this.ended) this.finish(); cb(); } catch (e) { cb(e as Error); }
  }

  private finish(): void {
    this.ended = true;
    this.verifyTrailers?.(this.trailers);
  }

  private drain(): void {
    for (;;) {
      if (this.ended) {
        if (this.buf.length > 0) throw S3.IncompleteBody('Data after the end of the aws-chunked body.');
        return;
      }
      if (this.done) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.buf.length > MAX_LINE) throw S3.IncompleteBody('Malformed aws-chunked trailer.');
          return;
        }
        const line = this.buf.subarray(0, eol).toString('utf8');
        this.buf = this.buf.subarray(eol + 2);
        if (line === '') { this.finish(); continue; }
        const colon = line.indexOf(':');
        if (colon <= 0 || this.trailers.length >= 16) throw S3.IncompleteBody('Malformed aws-chunked trailer.');
        this.trailers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
        continue;
      }
      if (this.needCrlf) {
        if (this.buf.length < 2) return;
        if (this.buf[0] !== 13 || this.buf[1] !== 10) throw S3.IncompleteBody('Malformed aws-chunked body.');
        this.buf = this.buf.subarray(2);
        this.needCrlf = false;
        this.verify?.(this.signature, this.pieces);
        this.pieces = [];
      }
      if (this.remaining > 0) {
        if (this.buf.length === 0) return;
        const take = this.buf.subarray(0, this.remaining);
        this.buf = this.buf.subarray(take.length);
        this.remaining -= take.length;
        if (this.verify) this.pieces.push(take);
        this.push(take);
        if (this.remaining === 0) { this.needCrlf = true; this.remaining = -1; }
        continue;
      }
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) {
        if (this.buf.length > MAX_LINE) throw S3.IncompleteBody('Malformed aws-chunked body.');
        return;
      }
      const line = this.buf.subarray(0, eol).toString('latin1');
      this.buf = this.buf.subarray(eol + 2);
      const m = /^([0-9a-fA-F]+)(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
      if (!m) throw S3.IncompleteBody('Malformed aws-chunked body.');
      const size = parseInt(m[1]!, 16);
      this.signature = m[2];
      if (size === 0) {
        this.verify?.(this.signature, []);
        this.done = true;
        continue;
      }
      this.remaining = size;
    }
  }
}
