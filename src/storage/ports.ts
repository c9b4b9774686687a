// Storage ports. The domain talks to these interfaces only; sqlite/ (the embedded default) and
// postgres/ (scale-out, docs/scale-out.md) implement every metadata store, and one conformance suite
// (test/storage/metadata.conformance.ts) runs against both. Every call is async so that a networked
// store fits. Invariants live in the database: unique indexes, conditional updates, and the
// count-guarded multi-step writes below, each one transaction in each adapter.
import type { Scope } from '../domain/shared/scope.js';
import type { VersionStatus } from '../domain/versions/lifecycle.js';
import type { BucketStore } from './object-ports.js';

// The object-side ports (buckets, objects, model blobs) are in object-ports.ts; this file is the one entry point.
export * from './object-ports.js';

export interface ProjectRecord {
  arn: string;
  accountId: string;
  region: string;
  name: string;
  createdAt: Date;
  status: 'CREATING' | 'CREATED' | 'DELETING';
  feature: 'CUSTOM_LABELS' | 'CONTENT_MODERATION';
  autoUpdate?: 'ENABLED' | 'DISABLED';
}

/**
 * Keyset position in a newest-first listing whose names are unique in it (projects in a scope,
 * versions in a project). A listing `after` it returns only rows that sort after it in the order
 * `created DESC, name ASC`: older, or as old with a greater name (names, like every name ordering of
 * a listing, compare by their UTF-8 bytes: SQLite's BINARY, PostgreSQL's COLLATE "C"). Pagination tokens hold it, so rows
 * created or deleted between two pages neither repeat nor shift the rest.
 */
export interface CreatedPosition { createdAt: Date; name: string }

export interface ProjectQuery {
  names?: string[];
  features: string[];
  after?: CreatedPosition;
  limit: number;
}

export type CreateProjectResult = 'inserted' | 'name-taken' | 'full';

export interface ProjectStore {
  /** Inserts; returns false when the name is taken in the scope (unique index). */
  insert(p: ProjectRecord): Promise<boolean>;
  /**
   * CreateProject in one transaction: the project and its tags, only while the account has fewer
   * than `maxPerAccount` projects in the region ('full') and the name is free ('name-taken').
   */
  create(p: ProjectRecord, opts: { tags: Record<string, string>; maxPerAccount: number }): Promise<CreateProjectResult>;
  get(arn: string): Promise<ProjectRecord | undefined>;
  getByName(scope: Scope, name: string): Promise<ProjectRecord | undefined>;
  /** Newest first (created DESC, name ASC). */
  list(scope: Scope, q: ProjectQuery): Promise<ProjectRecord[]>;
  /** How many projects the scope holds, every feature. */
  count(scope: Scope): Promise<number>;
  delete(arn: string): Promise<void>;
  /** How many versions and datasets still hang under the project. */
  children(arn: string): Promise<{ versions: number; datasets: number }>;
  /** One DescribeProjects page: like list, each project with its dataset summaries. */
  describe(scope: Scope, q: ProjectQuery): Promise<ProjectDescription[]>;
}

export interface ProjectDescription extends ProjectRecord { datasets: DatasetSummary[] }

export interface DatasetSummary {
  arn: string;
  type: 'TRAIN' | 'TEST';
  createdAt: Date;
  status: string;
  statusMessage?: string;
  statusMessageCode?: string;
}

export interface TagStore {
  get(resourceArn: string): Promise<Record<string, string>>;
  put(resourceArn: string, tags: Record<string, string>): Promise<void>;
  /**
   * TagResource in one transaction: upserts `tags` only if the resource then has at most `max` tags;
   * returns false (and changes nothing) otherwise.
   */
  putWithin(resourceArn: string, tags: Record<string, string>, max: number): Promise<boolean>;
  remove(resourceArn: string, keys: string[]): Promise<void>;
  removeAll(resourceArn: string): Promise<void>;
  /** Whether a taggable resource (project, version, dataset) with this exact ARN exists. */
  resourceExists(resourceArn: string): Promise<boolean>;
}

export type JobState = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

export interface JobRecord {
  id: string;
  kind: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  leaseOwner?: string;
  leaseUntil?: Date;
  createdAt: Date;
  error?: string;
}

export interface JobStore {
  enqueue(job: { id: string; kind: string; payload: unknown; createdAt: Date }): Promise<void>;
  /**
   * Atomically leases the oldest queued job of one of the kinds. `caps` (kind → n): a job of that kind
   * is leased only while fewer than n of its kind are RUNNING in the whole database (every node).
   */
  lease(kinds: string[], owner: string, now: Date, leaseMs: number, caps?: Record<string, number>): Promise<JobRecord | undefined>;
  /** Extends the lease; false when `owner` no longer holds the job (it was taken over). */
  renew(id: string, owner: string, until: Date): Promise<boolean>;
  /** Ends the job, only while `owner` holds it; returns whether it did. */
  finish(id: string, owner: string, state: 'DONE' | 'FAILED', error?: string): Promise<boolean>;
  /**
   * RUNNING jobs whose lease expired before `now`; with `liveOwner` (a runner that knows it is the
   * only one on this database), also every RUNNING job of another owner.
   */
  orphaned(now: Date, liveOwner?: string): Promise<JobRecord[]>;
  /** Queues a RUNNING job again, only while `owner` (the dead holder) still holds it; returns whether it did. */
  requeue(id: string, owner: string): Promise<boolean>;
  get(id: string): Promise<JobRecord | undefined>;
  countActive(kind: string): Promise<number>;
  /**
   * Claims one QUEUED job by id (QUEUED → RUNNING, attempts + 1, lease until now + leaseMs). With `cap`, only
   * while fewer than `cap` jobs of its kind hold a live lease in the whole database ('capped' otherwise).
   * Undefined when the job is not QUEUED (another node claimed or finished it).
   */
  claim(id: string, owner: string, now: Date, leaseMs: number, cap?: number): Promise<JobRecord | 'capped' | undefined>;
  /** Per kind, how many jobs hold a live lease (RUNNING, lease not expired at `now`) in the whole database. */
  running(kinds: string[], now: Date): Promise<Record<string, number>>;
}

/** What a node's queue calls for each job it claims (the id of the job's row); a throw makes the queue retry it later. */
export type QueueTask = (kind: string, jobId: string) => Promise<void>;

/**
 * A job queue that claims and wakes across nodes (PostgreSQL: graphile-worker, docs/scale-out.md). Entries
 * are written by the JobStore's transactional writes beside each job row; the rows stay the record.
 */
export interface JobQueue {
  /**
   * Starts this node's workers: at most `concurrency` jobs of `kinds` at once; before each claim (claims of
   * one node are serialised) `forbidden()` names the kinds not to claim now. Resolves to this node's owner id.
   */
  start(opts: { kinds: string[]; concurrency: number; forbidden: () => Promise<string[]>; run: QueueTask }): Promise<string>;
  /** Stops claiming and waits for the running tasks (abort them first). */
  stop(): Promise<void>;
  /** Unlocks every entry the dead `owners` hold, queues each of `jobs` again (creating a lost entry), wakes every node. */
  release(owners: string[], jobs: Array<{ id: string; kind: string }>): Promise<void>;
  /** Queues a job again, to be claimed no sooner than `delayMs` from now. */
  retry(job: { id: string; kind: string }, delayMs: number): Promise<void>;
  /** Owners holding an entry for longer than `ms` whose job row is not RUNNING: they died between the two claims. */
  staleOwners(ms: number): Promise<string[]>;
  /** QUEUED job rows without a queue entry (queued before the queue existed, by an older version): release() queues them. */
  unqueued(): Promise<Array<{ id: string; kind: string }>>;
  /** Wakes every node's workers (a capped slot was freed). */
  wake(): Promise<void>;
}

/** A model version. Nested AWS result structures (S3 assets, evaluation) are kept in their wire shape. */
export interface VersionRecord {
  arn: string;
  projectArn: string;
  name: string;
  createdAt: Date;
  status: VersionStatus;
  statusMessage?: string;
  /** SHA-256 of the model blob, set once the model is complete. */
  modelSha256?: string;
  detail: VersionDetail;
}

export interface S3ObjectRef { Bucket: string; Name: string; Version?: string }
export interface AssetList { Assets?: { GroundTruthManifest?: { S3Object?: S3ObjectRef } }[]; AutoCreate?: boolean }

export interface VersionDetail {
  feature: 'CUSTOM_LABELS' | 'CONTENT_MODERATION';
  outputConfig: { S3Bucket?: string; S3KeyPrefix?: string };
  kmsKeyId?: string;
  description?: string;
  trainingData?: AssetList;
  testingData?: AssetList;
  trainingDataResult?: { Input?: AssetList; Output?: AssetList; Validation?: AssetList };
  testingDataResult?: { Input?: AssetList; Output?: AssetList; Validation?: AssetList };
  evaluationResult?: { F1Score?: number; Summary?: { S3Object?: S3ObjectRef } };
  manifestSummary?: { S3Object?: S3ObjectRef };
  billableTrainingTimeInSeconds?: number;
  trainingEndMs?: number;
  sourceProjectVersionArn?: string;
  minInferenceUnits?: number;
  maxInferenceUnits?: number;
  /** Envelope encryption of the model blob: the data key wrapped by a KMS key (see domain/keys). */
  modelEncryption?: { keyArn: string; wrappedDataKey: string };
}

export interface VersionPatch {
  statusMessage?: string | null;
  modelSha256?: string;
  detail?: Partial<VersionDetail>;
}

/** A job created in the same transaction as the resource it works on. */
export interface NewJob { id: string; kind: string; payload: unknown }

export type CreateVersionResult = 'inserted' | 'name-taken' | 'full' | 'project-gone';
export type StartHostingResult = 'started' | 'changed' | 'full';

export interface VersionStore {
  /** Inserts; returns false when the name is taken in the project (unique index). */
  insert(v: VersionRecord): Promise<boolean>;
  /**
   * CreateProjectVersion in one transaction: the version, its tags and its queued job, only while the
   * project exists and is not DELETING ('project-gone'), has fewer than `maxPerProject` versions
   * ('full'), and the name is free ('name-taken').
   */
  create(args: { version: VersionRecord; tags: Record<string, string>; job: NewJob; maxPerProject: number }): Promise<CreateVersionResult>;
  /**
   * StartProjectVersion in one transaction: moves the version from one of `from` to STARTING with
   * `units` inference units and queues `job`, only while the units of every STARTING, RUNNING or
   * STOPPING version plus `units` stay within `maxTotalUnits` ('full'); 'changed' when the status moved.
   */
  startHosting(arn: string, args: { from: VersionStatus[]; units: number; maxUnits?: number; maxTotalUnits: number; statusMessage: string; job: NewJob }): Promise<StartHostingResult>;
  get(arn: string): Promise<VersionRecord | undefined>;
  /** Newest first (created DESC, name ASC); names filter optional. */
  list(projectArn: string, q: { names?: string[]; after?: CreatedPosition; limit: number }): Promise<VersionRecord[]>;
  /** Conditional status change: applies only if the current status is one of `from`. */
  transition(arn: string, from: VersionStatus[], to: VersionStatus, patch?: VersionPatch): Promise<boolean>;
  /** Updates without a status change (progress messages), only while the status is `status`. */
  update(arn: string, status: VersionStatus, patch: VersionPatch): Promise<boolean>;
  delete(arn: string): Promise<void>;
  /** How many versions reference a model blob (blobs are freed only when none does). */
  modelReferences(sha256: string): Promise<number>;
  withStatus(statuses: VersionStatus[]): Promise<VersionRecord[]>;
}

export interface KeyRecord {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  description: string;
  /** AWS-managed default key (alias/aws/rekognition) or customer-managed. */
  managed: boolean;
  enabled: boolean;
  /** Key material sealed with the server master key; never logged. */
  sealedMaterial: Buffer;
  /** Key policy (IAM JSON); absent = the default policy (the owning account may use the key). */
  policy?: string;
  createdAt: Date;
}

export interface KeyStore {
  insert(k: KeyRecord): Promise<void>;
  get(keyId: string): Promise<KeyRecord | undefined>;
  list(scope: Scope): Promise<KeyRecord[]>;
  update(keyId: string, patch: Partial<Pick<KeyRecord, 'enabled' | 'policy' | 'description'>>): Promise<void>;
  /** Creates an alias; false if the alias name is taken in the scope. */
  putAlias(scope: Scope, aliasName: string, keyId: string): Promise<boolean>;
  resolveAlias(scope: Scope, aliasName: string): Promise<string | undefined>;
  aliases(scope: Scope): Promise<{ aliasName: string; keyId: string }[]>;
  deleteAlias(scope: Scope, aliasName: string): Promise<void>;
}

export type DatasetStatus =
  | 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'CREATE_FAILED'
  | 'UPDATE_IN_PROGRESS' | 'UPDATE_COMPLETE' | 'UPDATE_FAILED' | 'DELETE_IN_PROGRESS';

export interface DatasetRecord {
  arn: string;
  projectArn: string;
  type: 'TRAIN' | 'TEST';
  status: DatasetStatus;
  statusMessage?: string;
  statusMessageCode?: 'SUCCESS' | 'SERVICE_ERROR' | 'CLIENT_ERROR';
  createdAt: Date;
  updatedAt: Date;
}

/** One image of a dataset: its JSON line as ListDatasetEntries returns it, plus indexed facts. */
export interface DatasetEntryRecord {
  /**
   * Set by the store on reads: the entry's insertion position in its dataset. A later entry has a
   * greater position; updating an entry keeps its position.
   */
  position?: number;
  sourceRef: string;
  line: string;
  labeled: boolean;
  hasErrors: boolean;
  /** Label name → bounding boxes of that label (0 for an image-level label). */
  labels: Record<string, number>;
}

export interface DatasetEntryQuery {
  containsLabels?: string[];
  labeled?: boolean;
  sourceRefContains?: string;
  hasErrors?: boolean;
  /** Only entries whose position is greater than this. */
  after?: number;
  limit: number;
}

export interface DatasetStats { labeledEntries: number; totalEntries: number; totalLabels: number; errorEntries: number }

export interface DatasetStatusPatch {
  statusMessage?: string | null;
  statusMessageCode?: DatasetRecord['statusMessageCode'] | null;
  updatedAt: Date;
}

export interface DatasetStore {
  /** Inserts; returns false when the project already has a dataset of that type (unique index). */
  insert(d: DatasetRecord): Promise<boolean>;
  /** CreateDataset in one transaction: the dataset, its tags and (if any) its import job; false as insert. */
  create(d: DatasetRecord, opts: { tags: Record<string, string>; job?: NewJob }): Promise<boolean>;
  get(arn: string): Promise<DatasetRecord | undefined>;
  byProject(projectArn: string): Promise<DatasetRecord[]>;
  withStatus(statuses: DatasetStatus[]): Promise<DatasetRecord[]>;
  /** Conditional status change: applies only if the current status is one of `from`. */
  transition(arn: string, from: DatasetStatus[], to: DatasetStatus, patch: DatasetStatusPatch): Promise<boolean>;
  /**
   * In one transaction: (optionally) drops every entry, upserts `entries` by source-ref (a new
   * source-ref goes last), and applies the status change. Nothing is visible half-done.
   */
  commitEntries(arn: string, entries: DatasetEntryRecord[], opts: { replaceAll: boolean; from: DatasetStatus[]; to: DatasetStatus; patch: DatasetStatusPatch }): Promise<boolean>;
  /** In one transaction: moves entries between datasets and sets both statuses. */
  moveEntries(fromArn: string, toArn: string, sourceRefs: string[], to: DatasetStatus, patch: DatasetStatusPatch): Promise<void>;
  /** Entries by position (insertion order). */
  listEntries(arn: string, q: DatasetEntryQuery): Promise<(DatasetEntryRecord & { position: number })[]>;
  /** Every entry in insertion order (training, copies, distribution). */
  allEntries(arn: string): Promise<DatasetEntryRecord[]>;
  /** Label name → images using it and boxes drawn with it, by label name; only names after `after`. */
  labels(arn: string, q: { after?: string; limit: number }): Promise<{ label: string; entryCount: number; boxCount: number }[]>;
  stats(arn: string): Promise<DatasetStats>;
  delete(arn: string): Promise<void>;
}

// Project policies. Invariants (name unique per project, at most N per project, revision
// compare-and-swap) are enforced by the store's database, not in-process.
export interface ProjectPolicyRecord {
  projectArn: string;
  name: string;
  revisionId: string;
  document: string;
  createdAt: Date;
  updatedAt: Date;
}

export type InsertPolicyResult = 'inserted' | 'exists' | 'full' | 'no-project';

export interface ProjectPolicyStore {
  /** Inserts revision 1 of a new name, only while the project has fewer than `max` policies. */
  insert(p: ProjectPolicyRecord, max: number): Promise<InsertPolicyResult>;
  /** Replaces the document only if the current revision is `expectedRevision` (CAS). */
  update(projectArn: string, name: string, expectedRevision: string, next: { revisionId: string; document: string; updatedAt: Date }): Promise<boolean>;
  /** Deletes; with `expectedRevision`, only if it is current. Returns whether a row went. */
  delete(projectArn: string, name: string, expectedRevision?: string): Promise<boolean>;
  get(projectArn: string, name: string): Promise<ProjectPolicyRecord | undefined>;
  /** Ordered by name; with `q.after`, only names that sort after it. */
  list(projectArn: string, q?: { after?: string; limit: number }): Promise<ProjectPolicyRecord[]>;
}

export type InsertCopyResult = 'inserted' | 'name-taken' | 'destination-gone' | 'full' | 'source-changed';

export interface CopyStore {
  /**
   * CopyProjectVersion in one transaction: the new version row, its tags and its queued job, only
   * while the source version is in one of `source.statuses` with the same model, the destination
   * project exists and is not DELETING, and has fewer than `maxVersionsPerProject` versions.
   */
  insertCopy(args: {
    version: VersionRecord; tags: Record<string, string>;
    source: { arn: string; modelSha256: string; statuses: string[] };
    job: NewJob;
    maxVersionsPerProject: number;
  }): Promise<InsertCopyResult>;
}

// ---- Nodes and model placements (docs/scale-out.md, "Models across nodes") ---------------------

/** An Osprey process sharing the database: its row is renewed by heartbeats. */
export interface NodeRecord {
  /** --node-id (default host:port). */
  id: string;
  /** --advertise-url: where other nodes reach it. */
  url: string;
  startedAt: Date;
  heartbeatAt: Date;
}

/** One inference unit of a hosted version, placed on one node. */
export interface PlacementRecord {
  versionArn: string;
  /** 0 … MinInferenceUnits-1; (versionArn, unit) is unique: a unit is never placed twice. */
  unit: number;
  nodeId: string;
  /** The node's advertised URL (undefined when its row is gone: it left or was never seen). */
  nodeUrl?: string;
  placedAt: Date;
  /** The node has loaded the model into this unit. */
  ready: boolean;
  /** Why the node could not load it. */
  error?: string;
}

/**
 * Nodes and the placement of inference units on them. A node is live while its heartbeat is more
 * recent than `deadAfterMs` before `now`; a node whose row is gone (it left) is dead.
 */
export interface NodeStore {
  /** Creates or renews the node's row: heartbeat at `now` (the URL may change between runs). */
  heartbeat(node: { id: string; url: string }, now: Date): Promise<void>;
  /** Every node row, live or not, by id. */
  list(): Promise<NodeRecord[]>;
  /** Deletes the node's row (a clean shutdown): its units are re-placed on the next check. */
  leave(id: string): Promise<void>;
  /**
   * In one transaction, serialised across nodes: makes units 0…units-1 of the version placed on
   * live nodes. Units on live nodes stay; a unit on a dead node, or not placed yet, goes to the live
   * node holding the fewest units of this version, then the fewest units overall, then the smallest
   * id; units ≥ `units` are dropped. `placed`: how many units this call (re)placed (0 when another
   * call did it first). With no live node, missing units stay unplaced.
   */
  place(versionArn: string, units: number, now: Date, deadAfterMs: number): Promise<{ placements: PlacementRecord[]; placed: number }>;
  /** Versions with a unit on a dead node (place() moves them). */
  stranded(now: Date, deadAfterMs: number): Promise<string[]>;
  /** The version's units, by unit number, with their nodes' URLs. */
  placements(versionArn: string): Promise<PlacementRecord[]>;
  /** The units placed on one node, by version and unit. */
  onNode(nodeId: string): Promise<PlacementRecord[]>;
  /**
   * The node reports its units of the version loaded (no `error`) or failed; only units still
   * placed on that node change.
   */
  loaded(versionArn: string, nodeId: string, error?: string): Promise<void>;
  /** Removes every unit of the version (it stopped). */
  unplace(versionArn: string): Promise<void>;
}

/** Every metadata store of one backend, opened together (storage/metadata.ts picks the backend). */
export interface MetadataStores {
  backend: 'sqlite' | 'postgres';
  projects: ProjectStore;
  tags: TagStore;
  jobs: JobStore;
  versions: VersionStore;
  keys: KeyStore;
  datasets: DatasetStore;
  policies: ProjectPolicyStore;
  copies: CopyStore;
  nodes: NodeStore;
  /** The cross-node job queue (PostgreSQL); absent on the embedded backend, whose runner polls the job rows. */
  queue?: JobQueue;
  /**
   * Bucket records, where the backend holds them (PostgreSQL: every node sees the same buckets).
   * Absent on SQLite, whose bucket records live beside the embedded object index (storage/fs/index-db.ts).
   */
  buckets?: BucketStore;
  close(): Promise<void>;
}
