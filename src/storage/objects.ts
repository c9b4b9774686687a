// Picks the object storage: an S3 service when --s3-endpoint-url is configured (users' buckets and
// objects there, model blobs in --model-bucket, bucket records in the metadata database so that
// every node agrees), otherwise the embedded store in the data dir (objects and blobs in folders,
// bucket records beside the object index, plus the bucket folders of older data dirs).
import { join } from 'node:path';
import { FsBlobStore } from './blobs.js';
import { openObjectIndex } from './fs/index-db.js';
import { FsLegacyFolder } from './fs/legacy-folder.js';
import { FsObjectStore } from './fs/object-store.js';
import type { BlobStore, BucketStore, LegacyFolder, MetadataStores, ObjectMeta, ObjectStore } from './ports.js';
import { SqliteBucketStore } from './sqlite/buckets.js';

export interface ObjectStorageConfig {
  dataDir: string;
  region: string;
  s3EndpointUrl?: string;
  s3Region?: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  modelBucket: string;
}

export interface ObjectStorage {
  kind: 'embedded' | 's3';
  objects: ObjectStore;
  buckets: BucketStore;
  blobs: BlobStore;
  /** Bucket folders of older data dirs (embedded only). */
  legacy?: LegacyFolder;
  /**
   * After a crash, in the one process that owns the storage: removes temporary files (`sweep`, only
   * where no other node writes to the same folder) and imports legacy bucket folders. Nothing to do on
   * S3, where every write is atomic in the service itself.
   */
  recover(opts: { sweep: boolean }): Promise<void>;
  close(): void;
}

export async function openObjectStorage(config: ObjectStorageConfig, stores: MetadataStores, opts: {
  now: () => Date;
  /** Owner of legacy bucket folders. */
  legacyOwner: string;
  /** Content type and encryption of a legacy file from its name and first bytes. */
  classify: (key: string, head: Buffer) => ObjectMeta;
}): Promise<ObjectStorage> {
  // Bucket records: the shared database when it has them (PostgreSQL), else the embedded index.
  const objectIndex = !config.s3EndpointUrl || !stores.buckets ? openObjectIndex(config.dataDir) : undefined;
  const buckets = stores.buckets ?? new SqliteBucketStore(objectIndex!);
  if (config.s3EndpointUrl) {
    const { s3Client } = await import('./s3/client.js');
    const { S3ObjectStore } = await import('./s3/object-store.js');
    const { S3BlobStore } = await import('./s3/blobs.js');
    const client = s3Client({
      endpoint: config.s3EndpointUrl, region: config.s3Region, fallbackRegion: config.region,
      accessKeyId: config.s3AccessKeyId, secretAccessKey: config.s3SecretAccessKey,
    });
    const blobs = new S3BlobStore(client, config.modelBucket);
    await blobs.ensureBucket();
    return {
      kind: 's3', objects: new S3ObjectStore(client), buckets, blobs,
      async recover() { /* nothing half-written can be visible on S3 */ },
      close() { client.destroy(); objectIndex?.close(); },
    };
  }
  const db = objectIndex!;
  const blobs = new FsBlobStore(join(config.dataDir, 'blobs'));
  const objects = new FsObjectStore(db, join(config.dataDir, 'objects'), opts.now);
  const legacy = new FsLegacyFolder({
    db, root: join(config.dataDir, 'buckets'), buckets, objects, owner: opts.legacyOwner, region: config.region, now: opts.now, classify: opts.classify,
  });
  return {
    kind: 'embedded', objects, buckets, blobs, legacy,
    async recover({ sweep }) {
      if (sweep) { await blobs.sweep(); await objects.sweep(); }
      await legacy.importAll();
    },
    close() { db.close(); },
  };
}
