// A request body on its way to S3: measured (bytes, MD5) while it streams, and released to the
// backend only once it has proved complete. The last chunk is held back until the source has ended
// cleanly with the declared length and Content-MD5, so a short, corrupt or failed body never
// reaches the backend whole: its request is aborted instead and S3 stores nothing (a PUT is atomic).
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { ObjectStoreError, type PutOptions } from '../ports.js';

export interface GuardedBody {
  /** What to send: the source's bytes, last chunk released only after the checks passed. */
  stream: Readable;
  /** Aborted when the source fails or a check fails (pass it to the SDK call). */
  signal: AbortSignal;
  /** The first failure (the source's own error, IncompleteBody, BadDigest), to report instead of the abort. */
  failure(): unknown;
  /** MD5 of every byte seen (valid once the stream has ended). */
  md5(): Buffer;
  size(): number;
}

export function guardBody(body: NodeJS.ReadableStream | Buffer, opts: PutOptions = {}): GuardedBody {
  const abort = new AbortController();
  const hash = createHash('md5');
  let size = 0;
  let held: Buffer | undefined;
  let failed: unknown;
  let digest: Buffer | undefined;
  const fail = (e: unknown) => { failed ??= e; abort.abort(); };
  const guard = new Transform({
    transform(c: Buffer, _e, done) {
      hash.update(c);
      size += c.length;
      const out = held;
      held = c;
      if (opts.length !== undefined && size > opts.length) return done(new ObjectStoreError('IncompleteBody', 'The request body is longer than its declared length.'));
      done(null, out);
    },
    flush(done) {
      digest = hash.digest();
      if (opts.length !== undefined && size < opts.length) return done(new ObjectStoreError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.'));
      if (opts.md5 && !opts.md5.equals(digest)) return done(new ObjectStoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.'));
      done(null, held);
    },
  });
  guard.on('error', fail);
  const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  source.on('error', (e) => { fail(e); guard.destroy(e as Error); });
  source.pipe(guard);
  return { stream: guard, signal: abort.signal, failure: () => failed, md5: () => digest ?? Buffer.alloc(0), size: () => size };
}
