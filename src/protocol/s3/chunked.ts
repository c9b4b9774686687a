// The `aws-chunked` content encoding of streamed uploads (Amazon S3 API Reference, "Signature
// Calculations for the Authorization Header: Transferring Payload in Multiple Chunks"):
//
//   <hex size>[;chunk-signature=<sig>]\r\n <bytes>\r\n ... 0[;chunk-signature=<sig>]\r\n [trailers\r\n] \r\n
//
// Decoded as a stream (memory bounded by one chunk header). Each chunk's signature is handed to
// `verify` (strict mode checks the chain of signatures); a malformed body fails the stream with
// S3's IncompleteBody.
import { Transform, type TransformCallback } from 'node:stream';
import { S3 } from '../s3-errors.js';

export type ChunkVerifier = (signature: string | undefined, data: Buffer[]) => void;

const MAX_LINE = 4096;

export class AwsChunkedDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private remaining = -1; // bytes of the current chunk still to pass; -1 = expecting a header line
  private signature: string | undefined;
  private pieces: Buffer[] = [];
  private done = false;
  private needCrlf = false;

  constructor(private readonly verify?: ChunkVerifier) { super(); }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try { this.drain(); cb(); } catch (e) { cb(e as Error); }
  }

  override _flush(cb: TransformCallback): void {
    if (!this.done) return cb(S3.IncompleteBody('The aws-chunked body ended before its final chunk.'));
    cb();
  }

  private drain(): void {
    for (;;) {
      if (this.done) { this.buf = Buffer.alloc(0); return; } // trailers (checksums) are not needed
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
