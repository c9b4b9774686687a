// Data dirs from before S3 buckets kept objects as files, <data-dir>/buckets/<bucket>/<key>. They
// keep working: every such folder is imported into the object store at start-up, and a file placed
// there later is imported when it is first asked for (a changed file again). The folder is left as
// it is; the import is recorded (bucket, key, mtime, size), so an object deleted through S3 does not
// come back from its old file. Imported buckets belong to `owner` and get a bucket policy that lets
// every principal do everything, which is how those folders behaved before (docs/s3.md).
// Nothing outside the folder is read: `.`/`..` segments, backslashes and NUL are refused, and a
// file is imported only if it is a regular file whose real path lies inside its bucket folder.
import { createReadStream, promises as fs } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { BucketStore, LegacyFolder, ObjectMeta, ObjectStore } from '../ports.js';
import { statement, type Db } from '../sqlite/database.js';

const LEGACY_BUCKET = /^[0-9A-Za-z._-]{1,255}$/;

export function openPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'OspreyLegacyBucketFolder', Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }],
  });
}

export class FsLegacyFolder implements LegacyFolder {
  private readonly root: string;
  constructor(private readonly deps: {
    db: Db; root: string; buckets: BucketStore; objects: ObjectStore; owner: string; region: string; now: () => Date;
    /** Content type and encryption of a file from its name and first bytes. */
    classify: (key: string, head: Buffer) => ObjectMeta;
  }) { this.root = resolve(deps.root); }

  private bucketDir(name: string): string | undefined {
    if (!LEGACY_BUCKET.test(name) || name === '.' || name === '..' || name.startsWith('.tmp')) return undefined;
    return join(this.root, name);
  }

  async importBucket(name: string): Promise<boolean> {
    const dir = this.bucketDir(name);
    if (!dir) return false;
    try { if (!(await fs.lstat(dir)).isDirectory()) return false; } catch { return false; }
    await this.deps.buckets.insert({ name, ownerAccountId: this.deps.owner, region: this.deps.region, createdAt: this.deps.now(), policy: openPolicy(name) });
    return true;
  }

  async importObject(bucket: string, key: string): Promise<boolean> {
    const dir = this.bucketDir(bucket);
    if (!dir || key.length === 0 || /[\\\0]/.test(key) || key.startsWith('/') || key.endsWith('/')) return false;
    const segments = key.split('/');
    if (segments.some((s) => s === '.' || s === '..' || s === '')) return false;
    const file = join(dir, ...segments);
    let st;
    try {
      st = await fs.lstat(file);
      if (!st.isFile()) return false;
      const [real, base] = await Promise.all([fs.realpath(file), fs.realpath(dir)]);
      if (!real.startsWith(base + sep)) return false;
    } catch { return false; }
    const seen = statement(this.deps.db, 'SELECT mtime_ms, size FROM s3_legacy_imports WHERE bucket = ? AND key = ?').get(bucket, key) as { mtime_ms: number; size: number } | undefined;
    if (seen && seen.mtime_ms === Math.floor(st.mtimeMs) && seen.size === st.size) return false;
    if (!(await this.importBucket(bucket))) return false;
    const head = Buffer.alloc(Math.min(st.size, 4096));
    const fh = await fs.open(file, 'r');
    try { await fh.read(head, 0, head.length, 0); } finally { await fh.close(); }
    await this.deps.objects.put(bucket, key, createReadStream(file), this.deps.classify(key, head));
    statement(this.deps.db, `INSERT INTO s3_legacy_imports (bucket, key, mtime_ms, size) VALUES (?, ?, ?, ?)
      ON CONFLICT (bucket, key) DO UPDATE SET mtime_ms = excluded.mtime_ms, size = excluded.size`).run(bucket, key, Math.floor(st.mtimeMs), st.size);
    return true;
  }

  async importAll(): Promise<void> {
    let names: string[];
    try { names = await fs.readdir(this.root); } catch { return; }
    for (const name of names) {
      if (!(await this.importBucket(name))) continue;
      const dir = join(this.root, name);
      for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || entry.name.startsWith('.osprey-tmp-')) continue;
        const key = relative(dir, join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)).split(sep).join('/');
        await this.importObject(name, key);
      }
    }
  }
}
