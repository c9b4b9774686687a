// The embedded object store's byte streams in and out (fs/object-store.ts): a small request body read whole,
// and a read of byte ranges across an object's chunk files.
import type { promises as fs } from 'node:fs';
import { Readable } from 'node:stream';
import { ObjectStoreError } from '../ports.js';

/** The whole body in memory, for a body declared small; IncompleteBody when it is longer than declared. */
export async function readSmall(body: NodeJS.ReadableStream, declared: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of body) {
    size += (c as Buffer).length;
    if (size > declared) throw new ObjectStoreError('IncompleteBody', 'The request body is longer than its declared length.');
    parts.push(c as Buffer);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
}

/** One stream over byte ranges of opened chunk files, in order; the files close when it ends or is destroyed. */
export function concatPieces(pieces: { handle: fs.FileHandle; start: number; end: number }[]): NodeJS.ReadableStream {
  async function* bytes() {
    try {
      for (const p of pieces) {
        // Reads of at most 1 MiB into buffers of their own size (a small object costs one read).
        for (let at = p.start; at <= p.end;) {
          const n = Math.min(1 << 20, p.end - at + 1);
          const { bytesRead, buffer } = await p.handle.read(Buffer.allocUnsafe(n), 0, n, at);
          if (bytesRead === 0) throw new Error('object chunk shorter than its index says');
          at += bytesRead;
          yield bytesRead === n ? buffer : buffer.subarray(0, bytesRead);
        }
      }
    } finally {
      await Promise.all(pieces.map((p) => p.handle.close().catch(() => undefined)));
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}
