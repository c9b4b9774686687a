// The object store behind s3://bucket/key names: one folder per bucket, <root>/<bucket>/<key>,
// so users can drop images into a folder. No bucket or key can resolve outside <root>.
// Writes go to a temporary file and are renamed into place: readers never see half an object.
// Reads and writes get the same containment: a path that leaves the bucket's real folder through a
// symbolic link is refused (ObjectPathError), and no folder is created outside it.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

export class ObjectPathError extends Error {}

export interface ObjectStore {
  get(bucket: string, key: string): Promise<Buffer | undefined>;
  put(bucket: string, key: string, bytes: Buffer | string): Promise<void>;
  size(bucket: string, key: string): Promise<number | undefined>;
  /** Size and modification time of an object (undefined when missing). */
  stat(bucket: string, key: string): Promise<{ size: number; modified: Date } | undefined>;
  bucketExists(bucket: string): Promise<boolean>;
  createBucket(bucket: string): Promise<void>;
}

const BUCKET = /^[0-9A-Za-z._-]{1,255}$/;

export class FsObjectStore implements ObjectStore {
  private readonly root: string;
  constructor(root: string) { this.root = resolve(root); }

  /** Resolves a bucket/key to a path strictly inside the bucket folder, or throws ObjectPathError. */
  path(bucket: string, key?: string): string {
    if (!BUCKET.test(bucket) || bucket === '.' || bucket === '..' || bucket.startsWith('.tmp')) throw new ObjectPathError(`invalid bucket name: ${bucket}`);
    const bucketDir = join(this.root, bucket);
    if (key === undefined) return bucketDir;
    if (key.length === 0 || key.includes('\0') || key.includes('\\')) throw new ObjectPathError(`invalid object key: ${key}`);
    const segments = key.split('/');
    if (segments.some((s) => s === '..' || s === '.') || key.startsWith('/') || key.endsWith('/')) throw new ObjectPathError(`invalid object key: ${key}`);
    const full = resolve(bucketDir, ...segments.filter((s) => s.length > 0));
    if (!full.startsWith(bucketDir + sep)) throw new ObjectPathError(`invalid object key: ${key}`);
    return full;
  }

  /** The real path of an existing object, if it is a plain file inside the bucket folder (no symlink escapes). */
  private async contained(bucket: string, key: string): Promise<string | undefined> {
    const p = this.path(bucket, key);
    const st = await fs.lstat(p);
    if (!st.isFile()) return undefined;
    const [real, root] = await Promise.all([fs.realpath(p), fs.realpath(this.path(bucket))]);
    return real.startsWith(root + sep) ? real : undefined;
  }

  async get(bucket: string, key: string): Promise<Buffer | undefined> {
    try {
      const p = await this.contained(bucket, key);
      return p === undefined ? undefined : await fs.readFile(p);
    } catch (e) {
      if (e instanceof ObjectPathError) throw e;
      return undefined;
    }
  }

  async size(bucket: string, key: string): Promise<number | undefined> {
    return (await this.stat(bucket, key))?.size;
  }

  async stat(bucket: string, key: string): Promise<{ size: number; modified: Date } | undefined> {
    try {
      const p = await this.contained(bucket, key);
      if (p === undefined) return undefined;
      const st = await fs.stat(p);
      return { size: st.size, modified: st.mtime };
    } catch (e) {
      if (e instanceof ObjectPathError) throw e;
      return undefined;
    }
  }

  /**
   * Writes atomically. Throws ObjectPathError when the key's folder leads outside the bucket's real
   * folder (a symbolic link in the bucket); nothing is written or created then.
   */
  async put(bucket: string, key: string, bytes: Buffer | string): Promise<void> {
    const p = this.path(bucket, key);
    const dir = await this.containedDir(bucket, key, dirname(p));
    const tmp = join(dir, `.osprey-tmp-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(tmp, bytes, { flag: 'wx' });
    // rename replaces a link at the final name itself; it never writes through it.
    await fs.rename(tmp, join(dir, basename(p)));
  }

  /**
   * The real path of an object's folder, created folder by folder inside the bucket's real folder.
   * Each existing step is resolved first, so a link that leaves the bucket is refused before
   * anything is created through it.
   */
  private async containedDir(bucket: string, key: string, dir: string): Promise<string> {
    const bucketDir = this.path(bucket);
    await fs.mkdir(bucketDir, { recursive: true });
    const root = await fs.realpath(bucketDir);
    const outside = () => new ObjectPathError(`s3://${bucket}/${key} cannot be written: its folder leads outside the bucket through a symbolic link`);
    let real = root;
    for (const segment of relative(bucketDir, dir).split(sep).filter((s) => s.length > 0)) {
      const next = join(real, segment);
      try {
        await fs.mkdir(next);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      // A dangling link does not resolve: refused like one that leaves the bucket.
      real = await fs.realpath(next).catch(() => { throw outside(); });
      if (!real.startsWith(root + sep)) throw outside();
      if (!(await fs.stat(real)).isDirectory()) throw new ObjectPathError(`s3://${bucket}/${key} cannot be written: ${segment} is an object, not a folder`);
    }
    return real;
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try { return (await fs.stat(this.path(bucket))).isDirectory(); } catch (e) { if (e instanceof ObjectPathError) throw e; return false; }
  }

  async createBucket(bucket: string): Promise<void> { await fs.mkdir(this.path(bucket), { recursive: true }); }
}
