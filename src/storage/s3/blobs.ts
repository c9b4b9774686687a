// Model blobs in the model bucket of the S3 service (--model-bucket): key `sha256/<hex>`, the SHA-256
// of the bytes. A PutObject is atomic in S3 (the key appears whole or not at all), so no temporary
// key is needed; the upload carries Content-MD5 (S3 refuses bytes altered on the way) and every read
// re-hashes. Blobs never change: copies of a model version share one blob (no object copy).
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../ports.js';
import { isMissing } from './client.js';

const HEX64 = /^[0-9a-f]{64}$/;

export class S3BlobStore implements BlobStore {
  constructor(private readonly s3: S3Client, readonly bucket: string) {}

  private key(sha: string): string {
    if (!HEX64.test(sha)) throw new Error(`not a sha256: ${sha}`);
    return `sha256/${sha}`;
  }

  /** Creates the model bucket when the service has none of that name (idempotent; every node calls it at start). */
  async ensureBucket(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (!isMissing(e, 'NotFound', 'NoSuchBucket', '404')) throw e;
      try { await this.s3.send(new CreateBucketCommand({ Bucket: this.bucket })); } catch (e2) {
        if (!isMissing(e2, 'BucketAlreadyOwnedByYou')) throw e2;
      }
    }
  }

  async put(bytes: Buffer): Promise<string> {
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (await this.has(sha)) return sha;
    const md5 = createHash('md5').update(bytes).digest();
    await this.s3.send(new PutObjectCommand({
      Bucket: this.bucket, Key: this.key(sha), Body: bytes, ContentLength: bytes.length, ContentMD5: md5.toString('base64'),
      ContentType: 'application/octet-stream',
    }));
    return sha;
  }

  async get(sha: string): Promise<Buffer> {
    const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(sha) }));
    const bytes = Buffer.from(await r.Body!.transformToByteArray());
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== sha) throw new Error(`blob ${sha} is corrupt (content hashes to ${got})`);
    return bytes;
  }

  async has(sha: string): Promise<boolean> {
    return (await this.head(sha)) !== undefined;
  }

  async size(sha: string): Promise<number> {
    const n = await this.head(sha);
    if (n === undefined) throw new Error(`blob ${sha} is missing`);
    return n;
  }

  private async head(sha: string): Promise<number | undefined> {
    try {
      return (await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha) }))).ContentLength ?? 0;
    } catch (e) {
      if (isMissing(e, 'NotFound', 'NoSuchKey', '404')) return undefined;
      throw e;
    }
  }

  async delete(sha: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha) }));
  }
}
