// Buckets and who may do what with them and their objects, as S3 decides it:
//   - a bucket belongs to the account that created it; names are global;
//   - the owner's principals need their identity policy (strict mode; none = administrator);
//   - another account's principals need both their identity policy and a bucket policy that names
//     them; an explicit Deny in either wins.
// The Rekognition domain reads and writes objects through files(): as a caller (their rights) or as
// the service itself (its own files, e.g. a copy reading the source version's outputs).
import { S3 } from '../../protocol/s3-errors.js';
import type { BucketRecord, BucketStore, LegacyFolder, ObjectInfo, ObjectStore } from '../../storage/ports.js';
import type { IdentityPolicies } from '../iam/identity.js';
import { parsePolicy, PolicySyntaxError, type PolicyDocument } from '../policies/document.js';
import { evaluate } from '../policies/evaluate.js';
import type { Clock } from '../shared/clock.js';
import type { Caller } from '../shared/scope.js';
import { validBucketName, validKey } from './names.js';
import { OWNER_ONLY, requestedS3Permissions } from './permissions.js';

export type S3Action =
  | 's3:ListAllMyBuckets' | 's3:ListBucket' | 's3:CreateBucket' | 's3:DeleteBucket' | 's3:GetBucketLocation' | 's3:ListBucketMultipartUploads'
  | 's3:PutBucketPolicy' | 's3:GetBucketPolicy' | 's3:DeleteBucketPolicy'
  | 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject' | 's3:AbortMultipartUpload' | 's3:ListMultipartUploadParts';

/** Reads and writes of whole (small) objects for the Rekognition domain: images, manifests, output files. */
export interface ObjectFiles {
  /** The bytes, or undefined when the object is missing or `as` may not read it. */
  get(bucket: string, key: string, as?: Caller): Promise<Buffer | undefined>;
  /** The object's metadata, or undefined when missing or not readable by `as`. */
  head(bucket: string, key: string, as?: Caller): Promise<ObjectInfo | undefined>;
  /** Writes atomically; as a caller, throws NoSuchBucket / AccessDenied (S3 errors). */
  put(bucket: string, key: string, body: Buffer | string, meta?: { contentType?: string; sseKeyArn?: string }, as?: Caller): Promise<void>;
  bucketExists(bucket: string): Promise<boolean>;
  /** Whether `as` may write `key` in the bucket (checked before a job writes there). */
  writable(bucket: string, key: string, as: Caller): Promise<'ok' | 'no-bucket' | 'denied'>;
}

/** What the authorize stage found for a request: the bucket it acts on, and per-key checks for later. */
export interface S3Access {
  /** The record of the bucket the request names (absent for ListBuckets and CreateBucket). */
  bucket?: BucketRecord;
  /** Whether the caller may `action` on `key` of that bucket (DeleteObjects checks each of its keys). */
  allows(action: S3Action, key?: string): boolean;
}

export const arnOf = (bucket: string, key?: string) => (key === undefined ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/${key}`);

export class S3Service implements ObjectFiles {
  private readonly policies = new Map<string, PolicyDocument>();

  constructor(readonly deps: { buckets: BucketStore; objects: ObjectStore; iam: IdentityPolicies; clock: Clock; legacy?: LegacyFolder }) {}

  get objects(): ObjectStore { return this.deps.objects; }

  /** The bucket's record (a legacy bucket folder is imported on first use). */
  async bucket(name: string): Promise<BucketRecord | undefined> {
    const b = await this.deps.buckets.get(name);
    if (b || !this.deps.legacy) return b;
    return (await this.deps.legacy.importBucket(name)) ? this.deps.buckets.get(name) : undefined;
  }

  private policy(text: string): PolicyDocument | undefined {
    let doc = this.policies.get(text);
    if (!doc) {
      try { doc = parsePolicy(text, 'bucket'); } catch { return undefined; }
      if (this.policies.size > 1000) this.policies.clear();
      this.policies.set(text, doc);
    }
    return doc;
  }

  /** Whether `caller` may perform `action` on `resource` of bucket `b` (identity and bucket policies, owner rules). */
  allowed(caller: Caller, b: BucketRecord, action: S3Action, resource: string): boolean {
    const identity = this.deps.iam.decide(caller, action, resource);
    const doc = b.policy === undefined ? undefined : this.policy(b.policy);
    const bucketPolicy = doc
      ? evaluate([doc], { principal: { arn: caller.principalArn, accountId: caller.accountId }, action, resource, context: { 'aws:RequestedRegion': caller.region } }, { checkPrincipal: true })
      : 'NotApplicable';
    if (identity === 'Deny' || bucketPolicy === 'Deny') return false;
    if (caller.accountId === b.ownerAccountId) return identity === 'Allow' || bucketPolicy === 'Allow';
    return identity === 'Allow' && bucketPolicy === 'Allow';
  }

  /** The bucket, if it exists and the caller may act on it; NoSuchBucket / AccessDenied otherwise. */
  async authorize(caller: Caller, name: string, action: S3Action, key?: string): Promise<BucketRecord> {
    const b = await this.bucket(name);
    if (!b) throw S3.NoSuchBucket(undefined, { BucketName: name });
    if (!this.allowed(caller, b, action, arnOf(name, key))) throw S3.AccessDenied();
    return b;
  }

  /**
   * The authorize stage of an S3 request (server/pipeline.ts): the permissions `operation` needs
   * (permissions.ts), decided in one place. Throws NoSuchBucket for a missing bucket, AccessDenied
   * when a permission is missing, MethodNotAllowed when another account may use a bucket-policy
   * operation (only the owner's account may, as S3).
   */
  async authorizeRequest(caller: Caller, operation: string, target: { bucket?: string; key?: string; copySource?: { bucket: string; key: string } }): Promise<S3Access> {
    if (operation === 'ListBuckets' && this.deps.iam.decide(caller, 's3:ListAllMyBuckets', '*') !== 'Allow') throw S3.AccessDenied();
    if (operation === 'CreateBucket') {
      if (target.bucket !== undefined && !validBucketName(target.bucket)) throw S3.InvalidBucketName(undefined, { BucketName: target.bucket });
      if (this.deps.iam.decide(caller, 's3:CreateBucket', arnOf(target.bucket ?? '')) !== 'Allow') throw S3.AccessDenied();
    }
    const records = new Map<string, BucketRecord>();
    for (const p of requestedS3Permissions(operation, target.bucket, target.key, target.copySource)) {
      let b = records.get(p.bucket);
      if (!b) {
        b = await this.bucket(p.bucket);
        if (!b) throw S3.NoSuchBucket(undefined, { BucketName: p.bucket });
        records.set(p.bucket, b);
      }
      if (!this.allowed(caller, b, p.action, arnOf(p.bucket, p.key))) throw S3.AccessDenied();
    }
    let bucket = target.bucket === undefined || operation === 'CreateBucket' ? undefined : records.get(target.bucket);
    if (target.bucket !== undefined && operation !== 'CreateBucket' && !bucket) {
      bucket = await this.bucket(target.bucket); // DeleteObjects: decided per key
      if (!bucket) throw S3.NoSuchBucket(undefined, { BucketName: target.bucket });
    }
    if (OWNER_ONLY.has(operation) && bucket && bucket.ownerAccountId !== caller.accountId) throw S3.MethodNotAllowed();
    const record = bucket;
    return { bucket: record, allows: (action, key) => record !== undefined && this.allowed(caller, record, action, arnOf(record.name, key)) };
  }

  /** Creates a bucket owned by the caller's account (the authorize stage checked s3:CreateBucket and the name). */
  async createBucket(caller: Caller, name: string, region: string): Promise<BucketRecord> {
    if (!validBucketName(name)) throw S3.InvalidBucketName(undefined, { BucketName: name });
    const record: BucketRecord = { name, ownerAccountId: caller.accountId, region, createdAt: this.deps.clock.now() };
    if (await this.deps.buckets.insert(record)) {
      // The record decides the owner; then the storage is made. A bucket the object store already had
      // without a record of ours (made outside Osprey, e.g. in the S3 service behind it) is not
      // adopted: its objects would become this caller's (docs/s3.md, "Objects on an S3 service").
      let made: 'created' | 'exists';
      try { made = await this.deps.objects.createBucket(name); } catch (e) { await this.deps.buckets.delete(name); throw e; }
      if (made === 'exists') {
        await this.deps.buckets.delete(name);
        throw S3.BucketAlreadyExists(undefined, { BucketName: name });
      }
      return record;
    }
    const existing = await this.bucket(name);
    if (!existing) return this.createBucket(caller, name, region); // deleted meanwhile
    if (existing.ownerAccountId !== caller.accountId) throw S3.BucketAlreadyExists(undefined, { BucketName: name });
    // S3: creating your own bucket again succeeds in us-east-1 and is BucketAlreadyOwnedByYou elsewhere.
    if (region === 'us-east-1' && existing.region === 'us-east-1') {
      await this.deps.objects.createBucket(name); // makes the storage if a crash came between record and storage
      return existing;
    }
    throw S3.BucketAlreadyOwnedByYou(undefined, { BucketName: name });
  }

  /** Deletes an empty bucket (authorized by the stage); BucketNotEmpty otherwise. */
  async deleteBucket(name: string): Promise<void> {
    if (!(await this.deps.objects.isEmpty(name))) throw S3.BucketNotEmpty(undefined, { BucketName: name });
    // Storage first, record last: a crash in between leaves a record whose storage CreateBucket remakes.
    await this.deps.objects.dropBucket(name);
    await this.deps.buckets.delete(name);
  }

  listBuckets(caller: Caller): Promise<BucketRecord[]> {
    return this.deps.buckets.list(caller.accountId);
  }

  /** Replaces the bucket's policy; MalformedPolicy for a document that is not a bucket policy of this bucket. */
  async putBucketPolicy(name: string, text: string): Promise<void> {
    let doc: PolicyDocument;
    try { doc = parsePolicy(text, 'bucket'); } catch (e) {
      throw S3.MalformedPolicy(e instanceof PolicySyntaxError ? e.message : undefined);
    }
    for (const s of doc.statements) {
      for (const r of [...(s.resources ?? []), ...(s.notResources ?? [])]) {
        if (r !== arnOf(name) && !r.startsWith(`${arnOf(name)}/`)) throw S3.MalformedPolicy('Policy has invalid resource');
      }
      for (const a of [...(s.actions ?? []), ...(s.notActions ?? [])]) {
        if (a !== '*' && !a.toLowerCase().startsWith('s3:')) throw S3.MalformedPolicy('Policy has invalid action');
      }
    }
    await this.deps.buckets.setPolicy(name, text);
  }

  async deleteBucketPolicy(name: string): Promise<void> {
    await this.deps.buckets.setPolicy(name, undefined);
  }

  /** Metadata of an object (a legacy folder's file is imported on first use); undefined when missing. */
  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const info = await this.deps.objects.head(bucket, key);
    if (info || !this.deps.legacy) return info;
    return (await this.deps.legacy.importObject(bucket, key)) ? this.deps.objects.head(bucket, key) : undefined;
  }

  // ---- ObjectFiles ----

  files(): ObjectFiles { return this; }

  async head(bucket: string, key: string, as?: Caller): Promise<ObjectInfo | undefined> {
    if (!validKey(key)) return undefined;
    const b = await this.bucket(bucket);
    if (!b || (as && !this.allowed(as, b, 's3:GetObject', arnOf(bucket, key)))) return undefined;
    return this.headObject(bucket, key);
  }

  async get(bucket: string, key: string, as?: Caller): Promise<Buffer | undefined> {
    if (!(await this.head(bucket, key, as))) return undefined;
    const o = await this.deps.objects.get(bucket, key);
    if (!o) return undefined;
    if (Buffer.isBuffer(o.body)) return o.body;
    const chunks: Buffer[] = [];
    for await (const c of o.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  async put(bucket: string, key: string, body: Buffer | string, meta: { contentType?: string; sseKeyArn?: string } = {}, as?: Caller): Promise<void> {
    if (!validKey(key)) throw S3.KeyTooLongError();
    if (as) await this.authorize(as, bucket, 's3:PutObject', key);
    else if (!(await this.bucket(bucket))) throw S3.NoSuchBucket(undefined, { BucketName: bucket });
    await this.deps.objects.put(bucket, key, Buffer.from(body), meta);
  }

  async bucketExists(bucket: string): Promise<boolean> {
    return (await this.bucket(bucket)) !== undefined;
  }

  async writable(bucket: string, key: string, as: Caller): Promise<'ok' | 'no-bucket' | 'denied'> {
    const b = await this.bucket(bucket);
    if (!b) return 'no-bucket';
    return this.allowed(as, b, 's3:PutObject', arnOf(bucket, key)) ? 'ok' : 'denied';
  }
}
