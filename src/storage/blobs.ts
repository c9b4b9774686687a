// Content-addressed, immutable blobs (models and other artifacts) in a folder. A blob is written to a
// temporary file, fsynced, hash-checked and only then renamed to its SHA-256 name, so a crash
// never leaves a half-written blob visible. Blobs never change; copies share them.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { BlobStore } from './ports.js';

const HEX64 = /^[0-9a-f]{64}$/;

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  private path(sha: string): string {
    if (!HEX64.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return join(this.root, sha.slice(0, 2), sha);
  }

  async put(bytes: Buffer): Promise<string> {
    const sha = createHash('sha256').update(bytes).digest('hex');
    const final = this.path(sha);
    if (await this.has(sha)) return sha;
    await fs.mkdir(join(this.root, sha.slice(0, 2)), { recursive: true });
    const tmp = join(this.root, `.tmp-${randomBytes(8).toString('hex')}`);
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally { await fh.close(); }
    const written = createHash('sha256').update(await fs.readFile(tmp)).digest('hex');
    if (written !== sha) { await fs.rm(tmp, { force: true }); throw new Error(`blob ${sha} failed its hash check after writing`); }
    await fs.rename(tmp, final);
    return sha;
  }

  async get(sha: string): Promise<Buffer> {
    const bytes = await fs.readFile(this.path(sha));
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha) throw new Error(`blob ${sha} is corrupt (content hashes to ${got})`);
    return bytes;
  }

  async has(sha: string): Promise<boolean> {
    try { await fs.access(this.path(sha)); return true; } catch { return false; }
  }

  async size(sha: string): Promise<number> { return (await fs.stat(this.path(sha))).size; }

  async delete(sha: string): Promise<void> { await fs.rm(this.path(sha), { force: true }); }

  /** Removes temporary files a crash left behind. */
  async sweep(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    for (const name of await fs.readdir(this.root)) if (name.startsWith('.tmp-')) await fs.rm(join(this.root, name), { force: true });
  }
}
