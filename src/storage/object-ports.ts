// Storage ports of bytes: S3 buckets and objects (storage/fs, storage/s3) and content-addressed model
// blobs (storage/blobs.ts, storage/s3/blobs.ts). Imported through storage/ports.ts, with the metadata ports.
// ---- S3: buckets and objects -------------------------------------------------------------------

/** A bucket: a global name owned by one account (S3 bucket names are global). */
export interface BucketRecord {
  name: string;
  ownerAccountId: string;
  /** The region the bucket was created in (GetBucketLocation). */
  region: string;
  createdAt: Date;
  /** Bucket policy (IAM JSON text); absent = none. */
  policy?: string;
}

export interface BucketStore {
  /** Inserts; returns false when the name is taken (by any account). */
  insert(b: BucketRecord): Promise<boolean>;
  get(name: string): Promise<BucketRecord | undefined>;
  /** The account's buckets, by name. */
  list(ownerAccountId: string): Promise<BucketRecord[]>;
  setPolicy(name: string, policy: string | undefined): Promise<void>;
  delete(name: string): Promise<void>;
}

/** An S3 additional checksum of an object's bytes: the algorithm and the base64 of its digest. */
export interface ObjectChecksum { algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256'; value: string }

/** The HTTP headers S3 stores with an object as it was written and answers on every read (system metadata). */
export const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'content-language', 'expires'] as const;
export type StoredHeaders = Partial<Record<(typeof STORED_HEADERS)[number], string>>;

/** System and user metadata stored with an object (user metadata names are lower-case, without `x-amz-meta-`). */
export interface ObjectMeta {
  contentType?: string;
  /** Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires, as sent. */
  headers?: StoredHeaders;
  metadata?: Record<string, string>;
  /** SSE-KMS: the KMS key that sealed the stored bytes (domain/keys/sealed-objects.ts). */
  sseKeyArn?: string;
  /**
   * The checksum the client sent and the server verified. A trailing checksum is known only when the
   * body has ended: put() reads this field after it has consumed the body.
   */
  checksum?: ObjectChecksum;
}

export interface ObjectInfo {
  key: string;
  /** Bytes. */
  size: number;
  /** As S3 computes it, without quotes: MD5 hex, or MD5 of the part MD5s + `-N` for multipart. */
  etag: string;
  lastModified: Date;
  contentType: string;
  metadata: Record<string, string>;
  /** The stored headers the object was written with (ObjectMeta.headers). */
  headers?: StoredHeaders;
  sseKeyArn?: string;
  /** The verified checksum of a single-part upload (or its copy), when the client sent one. */
  checksum?: ObjectChecksum;
}

/** An inclusive byte range, as in `Range: bytes=start-end`. */
export interface ByteRange { start: number; end: number }

export interface ListQuery {
  prefix?: string;
  delimiter?: string;
  /** List keys after this one (V1 Marker, V2 StartAfter/continuation); a common prefix skips its keys. */
  after?: string;
  /** 0–1000. */
  maxKeys: number;
}

export interface ObjectListing {
  objects: ObjectInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned, to continue from when truncated. */
  last?: string;
}

export interface UploadInfo { uploadId: string; key: string; initiated: Date; meta: ObjectMeta }
export interface PartInfo { partNumber: number; etag: string; size: number; lastModified: Date }

/** The S3 error a store call ends with (S3's code names: NoSuchUpload, InvalidPart, BadDigest …). */
export class ObjectStoreError extends Error {
  constructor(readonly code: 'NoSuchBucket' | 'NoSuchKey' | 'NoSuchUpload' | 'InvalidPart' | 'InvalidPartOrder' | 'EntityTooSmall' | 'EntityTooLarge' | 'BadDigest' | 'IncompleteBody' | 'PreconditionFailed', message: string) { super(message); }
}

/**
 * S3's conditional writes (PutObject, CompleteMultipartUpload): checked atomically with the write.
 * `ifNoneMatch` (If-None-Match: *): PreconditionFailed when the key exists. `ifMatch` (If-Match: an ETag
 * without quotes): NoSuchKey when the key is missing, PreconditionFailed when its ETag differs.
 */
export interface WriteConditions {
  ifMatch?: string;
  ifNoneMatch?: boolean;
}

/** Why `c` does not hold for the object now at the key (`currentEtag`; undefined when there is none), or undefined when it holds. */
export function failedCondition(c: WriteConditions, currentEtag: string | undefined): ObjectStoreError | undefined {
  const failed = () => new ObjectStoreError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
  if (c.ifNoneMatch && currentEtag !== undefined) return failed();
  if (c.ifMatch === undefined) return undefined;
  if (currentEtag === undefined) return new ObjectStoreError('NoSuchKey', 'The specified key does not exist.');
  return currentEtag === c.ifMatch ? undefined : failed();
}

export interface PutOptions extends WriteConditions {
  /** Content-MD5 the client sent (16 bytes); a mismatch is BadDigest and nothing is stored. */
  md5?: Buffer;
  /** Content-Length the client declared; fewer bytes is IncompleteBody. */
  length?: number;
}

/**
 * The object store, shaped like S3 (keyed by bucket and key, any valid S3 key). Bucket records
 * (owner, policy) live in BucketStore; this port keeps bytes and per-object metadata. Bodies are
 * streams, so objects of any size pass in bounded memory. Implementations: storage/fs (SQLite index
 * + files) and storage/s3 (an S3 service through @aws-sdk/client-s3). Every write is atomic: a reader sees the old object or
 * the new one, never part of one; a failed or aborted write leaves nothing visible.
 */
export interface ObjectStore {
  /**
   * Makes the bucket's storage exist (S3: CreateBucket in the backend). 'exists' when the backend
   * already had a bucket of that name before this call (storage the caller did not create); the
   * embedded store has no storage per bucket and always answers 'created'.
   */
  createBucket(bucket: string): Promise<'created' | 'exists'>;
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /**
   * The object's bytes (or `range` of them): a stream, or a Buffer when the store holds them in memory
   * already (the embedded store's small objects); undefined when missing.
   */
  get(bucket: string, key: string, range?: ByteRange): Promise<{ info: ObjectInfo; body: NodeJS.ReadableStream | Buffer } | undefined>;
  /**
   * Where part `partNumber` (1-based) of an object lies (GetObject / HeadObject `partNumber`): a multipart
   * object's parts as they were uploaded (`partsCount` their number); any other object is one part
   * (`partsCount` undefined). 'no-such-part' past the last part; undefined when the object is missing.
   */
  part(bucket: string, key: string, partNumber: number): Promise<{ range: ByteRange; partsCount?: number } | 'no-such-part' | undefined>;
  put(bucket: string, key: string, body: NodeJS.ReadableStream | Buffer, meta: ObjectMeta, opts?: PutOptions): Promise<ObjectInfo>;
  /** Server-side copy; `meta` replaces the source's metadata when given. Undefined when the source is missing. */
  copy(from: { bucket: string; key: string }, to: { bucket: string; key: string }, meta?: ObjectMeta): Promise<ObjectInfo | undefined>;
  /** Deleting a missing key is not an error (as S3). */
  delete(bucket: string, key: string): Promise<void>;
  list(bucket: string, q: ListQuery): Promise<ObjectListing>;
  /** Whether the bucket holds no object (uploads in progress aside). */
  isEmpty(bucket: string): Promise<boolean>;
  /** Drops what is left of a deleted bucket (its unfinished uploads; on S3, the backend bucket). */
  dropBucket(bucket: string): Promise<void>;
  createUpload(bucket: string, key: string, meta: ObjectMeta): Promise<string>;
  upload(bucket: string, key: string, uploadId: string): Promise<UploadInfo | undefined>;
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: NodeJS.ReadableStream | Buffer, opts?: PutOptions): Promise<PartInfo>;
  /** Parts in order, after `after` (part number), at most `max`. */
  listParts(bucket: string, key: string, uploadId: string, after: number, max: number): Promise<{ parts: PartInfo[]; isTruncated: boolean }>;
  /** Parts must be ascending and name uploaded parts with their ETags; all but the last ≥ `minPartSize`. */
  completeUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[], minPartSize: number, conditions?: WriteConditions): Promise<ObjectInfo>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<boolean>;
  /** Uploads by key then initiation time, after (keyMarker, uploadIdMarker). */
  listUploads(bucket: string, q: { prefix?: string; keyMarker?: string; uploadIdMarker?: string; max: number }): Promise<{ uploads: UploadInfo[]; isTruncated: boolean }>;
}

/**
 * The bucket folders of data dirs from before S3 buckets (<data-dir>/buckets/<bucket>/<key>):
 * imported into the object store at start-up, and a file found there later on first use.
 */
export interface LegacyFolder {
  /** Imports the bucket folder's record if there is one; false when there is none. */
  importBucket(name: string): Promise<boolean>;
  /** Imports one file if it exists and changed since its last import; false when nothing was imported. */
  importObject(bucket: string, key: string): Promise<boolean>;
  importAll(): Promise<void>;
}

// ---- Model blobs --------------------------------------------------------------------------------

/**
 * Content-addressed, immutable blobs (model artifacts): a blob's name is the SHA-256 of its bytes, it
 * is visible whole or not at all, and it never changes, so copies of a model version share one blob
 * (CopyProjectVersion is O(1) in model size). Implementations: storage/blobs.ts (a folder) and
 * storage/s3/blobs.ts (the model bucket of an S3 service).
 */
export interface BlobStore {
  /** Stores the bytes; returns their SHA-256 (hex). Idempotent. */
  put(bytes: Buffer): Promise<string>;
  /** Reads and re-checks the hash; throws if missing or corrupt. */
  get(sha256: string): Promise<Buffer>;
  has(sha256: string): Promise<boolean>;
  /** Bytes. */
  size(sha256: string): Promise<number>;
  /** Deleting a missing blob is not an error. */
  delete(sha256: string): Promise<void>;
}
