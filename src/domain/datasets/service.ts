// Datasets: create (empty, from a manifest, from another dataset), describe, delete, list entries
// and labels, update entries, distribute. The slow parts run as persisted jobs (jobs.ts).
import {
  InvalidParameter, InvalidS3Object, ResourceAlreadyExists, ResourceInUse, ResourceNotFound, ResourceNotReady,
} from '../../protocol/errors.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { ObjectFiles } from '../s3/service.js';
import type { DatasetEntryQuery, DatasetRecord, DatasetStatus, DatasetStore, JobStore } from '../../storage/ports.js';
import type { ProjectService } from '../projects/service.js';
import type { TagService } from '../tags/service.js';
import { datasetArn, parseArn } from '../shared/arn.js';
import { assertOwned } from '../shared/access.js';
import type { Clock } from '../shared/clock.js';
import { versionHeld } from '../shared/object-version.js';
import type { Paginator } from '../shared/pagination.js';
import type { Caller } from '../shared/scope.js';
import { DATASET_JOB, type DatasetJobPayload, jobId } from './jobs.js';

export const READY: DatasetStatus[] = ['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_FAILED'];
export const BUSY: DatasetStatus[] = ['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'DELETE_IN_PROGRESS'];

export interface S3Location { bucket: string; name: string; version?: string }

export interface CreateDatasetInput {
  projectArn: string;
  type: 'TRAIN' | 'TEST';
  manifest?: S3Location;
  sourceDatasetArn?: string;
  tags?: Record<string, string>;
}

export interface EntryFilter { containsLabels?: string[]; labeled?: boolean; sourceRefContains?: string; hasErrors?: boolean }

export class DatasetService {
  constructor(private readonly deps: {
    datasets: DatasetStore; projects: ProjectService; tags: TagService; objects: ObjectFiles;
    paginator: Paginator; clock: Clock; runner: JobRunner; jobs: JobStore;
  }) {}

  /** Resolves a dataset ARN the caller owns. */
  async get(caller: Caller, arn: string, action: string): Promise<DatasetRecord> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.kind !== 'dataset') throw InvalidParameter(`${arn} is not a dataset ARN.`);
    assertOwned(caller, parsed, action, arn);
    const d = await this.deps.datasets.get(arn);
    if (!d) throw ResourceNotFound(`The dataset ${arn} does not exist.`);
    return d;
  }

  async create(caller: Caller, input: CreateDatasetInput): Promise<DatasetRecord> {
    const project = await this.deps.projects.get(caller, input.projectArn, 'CreateDataset');
    if (project.status === 'DELETING') throw ResourceInUse(`The project ${project.arn} is being deleted.`);
    if (input.manifest && input.sourceDatasetArn) {
      throw InvalidParameter('DatasetSource must have either GroundTruthManifest or DatasetArn, not both.');
    }
    if (input.manifest) await this.checkManifest(caller, input.manifest);
    if (input.sourceDatasetArn) {
      const source = await this.get(caller, input.sourceDatasetArn, 'ListDatasetEntries');
      if (!READY.includes(source.status)) throw InvalidParameter(`The source dataset ${source.arn} is not ready (status ${source.status}).`);
    }
    this.deps.tags.checkInitial(input.tags);
    const now = this.deps.clock.now();
    const empty = !input.manifest && !input.sourceDatasetArn;
    const record: DatasetRecord = {
      arn: datasetArn(caller, project.name, input.type, now.getTime()), projectArn: project.arn, type: input.type,
      // An empty dataset has nothing to import: it is complete at once.
      status: empty ? 'CREATE_COMPLETE' : 'CREATE_IN_PROGRESS', statusMessage: empty ? 'The dataset was created successfully.' : undefined,
      statusMessageCode: empty ? 'SUCCESS' : undefined, createdAt: now, updatedAt: now,
    };
    const payload: DatasetJobPayload | undefined = empty ? undefined : input.manifest
      ? { op: 'create-from-manifest', datasetArn: record.arn, manifest: input.manifest }
      : { op: 'create-from-dataset', datasetArn: record.arn, sourceArn: input.sourceDatasetArn! };
    // The dataset, its tags and its import job in one transaction.
    const job = payload && { id: jobId(record.arn, now), kind: DATASET_JOB, payload };
    if (!(await this.deps.datasets.create(record, { tags: input.tags ?? {}, job }))) {
      throw ResourceAlreadyExists(`The project ${project.arn} already has a ${input.type} dataset.`);
    }
    if (job) this.deps.runner.queued();
    return record;
  }

  /** A manifest that cannot be read is a synchronous InvalidS3ObjectException (spec §7). */
  private async checkManifest(caller: Caller, m: S3Location): Promise<void> {
    // Read with the caller's rights: another account's manifest needs a bucket policy granting s3:GetObject.
    // A Version other than "null" names an object version the bucket does not hold (shared/object-version.ts).
    if (!versionHeld(m.version) || !(await this.deps.objects.head(m.bucket, m.name, caller))) {
      throw InvalidS3Object(`Unable to get object metadata from S3. Check object key, region and/or access permissions for s3://${m.bucket}/${m.name}.`);
    }
  }

  async describe(caller: Caller, arn: string) {
    const d = await this.get(caller, arn, 'DescribeDataset');
    return { dataset: d, stats: await this.deps.datasets.stats(d.arn) };
  }

  async delete(caller: Caller, arn: string): Promise<void> {
    const d = await this.get(caller, arn, 'DeleteDataset');
    if (BUSY.includes(d.status)) throw ResourceInUse(`The dataset ${arn} cannot be deleted while its status is ${d.status}.`);
    // Entries go in the same transaction as the dataset, so deletion is immediate (docs/datasets.md).
    await this.deps.datasets.delete(d.arn);
  }

  private async readable(caller: Caller, arn: string, action: string): Promise<DatasetRecord> {
    const d = await this.get(caller, arn, action);
    if (d.status === 'CREATE_IN_PROGRESS' || d.status === 'CREATE_FAILED') {
      throw ResourceNotReady(`The dataset ${arn} is not ready (status ${d.status}).`);
    }
    if (d.status === 'UPDATE_IN_PROGRESS' || d.status === 'DELETE_IN_PROGRESS') throw ResourceInUse(`The dataset ${arn} is being updated (status ${d.status}).`);
    return d;
  }

  async listEntries(caller: Caller, arn: string, filter: EntryFilter, page: { maxResults?: number; nextToken?: string }) {
    const d = await this.readable(caller, arn, 'ListDatasetEntries');
    const limit = page.maxResults ?? 100;
    const context = JSON.stringify(['ListDatasetEntries', d.arn, filter.containsLabels ?? null, filter.labeled ?? null, filter.sourceRefContains ?? null, filter.hasErrors ?? null]);
    const got = await this.deps.paginator.page(context, page.nextToken, limit,
      (after: number | undefined, n) => this.deps.datasets.listEntries(d.arn, { ...filter, after, limit: n } satisfies DatasetEntryQuery),
      (r) => r.position);
    return { entries: got.items.map((r) => r.line), nextToken: got.nextToken };
  }

  async listLabels(caller: Caller, arn: string, page: { maxResults?: number; nextToken?: string }) {
    const d = await this.readable(caller, arn, 'ListDatasetLabels');
    const limit = page.maxResults ?? 100;
    const context = JSON.stringify(['ListDatasetLabels', d.arn]);
    const got = await this.deps.paginator.page(context, page.nextToken, limit,
      (after: string | undefined, n) => this.deps.datasets.labels(d.arn, { after, limit: n }), (r) => r.label);
    return { labels: got.items, nextToken: got.nextToken };
  }

  async update(caller: Caller, arn: string, groundTruth: Buffer): Promise<void> {
    const d = await this.get(caller, arn, 'UpdateDatasetEntries');
    if (BUSY.includes(d.status)) throw ResourceInUse(`The dataset ${arn} is busy (status ${d.status}).`);
    if (!READY.includes(d.status)) throw InvalidParameter(`The dataset ${arn} cannot be updated (status ${d.status}).`);
    const now = this.deps.clock.now();
    if (!(await this.deps.datasets.transition(d.arn, READY, 'UPDATE_IN_PROGRESS', { statusMessage: null, statusMessageCode: null, updatedAt: now }))) {
      throw ResourceInUse(`The dataset ${arn} changed status; try again.`);
    }
    await this.deps.runner.enqueue(DATASET_JOB, jobId(d.arn, now), { op: 'update', datasetArn: d.arn, changes: groundTruth.toString('base64') } satisfies DatasetJobPayload);
  }

  async distribute(caller: Caller, arns: string[]): Promise<void> {
    if (arns.length !== 2) throw InvalidParameter('Datasets must name exactly two datasets: a training and a test dataset.');
    const [a, b] = [await this.get(caller, arns[0]!, 'DistributeDatasetEntries'), await this.get(caller, arns[1]!, 'DistributeDatasetEntries')];
    if (a.projectArn !== b.projectArn) throw InvalidParameter('Both datasets must belong to the same project.');
    if (a.type === b.type) throw InvalidParameter('Datasets must be one TRAIN and one TEST dataset.');
    const [train, test] = a.type === 'TRAIN' ? [a, b] : [b, a];
    for (const d of [train, test]) {
      if (!READY.includes(d.status)) throw ResourceNotReady(`The dataset ${d.arn} is not ready (status ${d.status}).`);
    }
    if ((await this.deps.datasets.stats(test.arn)).totalEntries > 0) throw InvalidParameter(`The test dataset ${test.arn} must be empty.`);
    if ((await this.deps.datasets.stats(train.arn)).totalEntries === 0) throw InvalidParameter(`The training dataset ${train.arn} has no entries.`);
    const now = this.deps.clock.now();
    const patch = { statusMessage: null, statusMessageCode: null, updatedAt: now };
    if (!(await this.deps.datasets.transition(train.arn, READY, 'UPDATE_IN_PROGRESS', patch))) throw ResourceInUse(`The dataset ${train.arn} changed status; try again.`);
    if (!(await this.deps.datasets.transition(test.arn, READY, 'UPDATE_IN_PROGRESS', patch))) {
      await this.deps.datasets.transition(train.arn, ['UPDATE_IN_PROGRESS'], train.status, { updatedAt: now });
      throw ResourceInUse(`The dataset ${test.arn} changed status; try again.`);
    }
    await this.deps.runner.enqueue(DATASET_JOB, jobId(train.arn, now), { op: 'distribute', datasetArn: train.arn, testArn: test.arn } satisfies DatasetJobPayload);
  }

  /**
   * Start-up check: a dataset left *_IN_PROGRESS with no queued or running job (a crash between
   * the status change and the enqueue) is failed, so nothing stays in progress.
   */
  async sweep(): Promise<void> {
    const { datasets, jobs, clock } = this.deps;
    for (const d of await datasets.withStatus(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS'])) {
      const siblings = (await datasets.byProject(d.projectArn)).map((s) => s.arn); // a distribute job is keyed by the TRAIN dataset
      const ids = siblings.map((arn) => jobId(arn, d.updatedAt));
      const live = (await Promise.all(ids.map((id) => jobs.get(id)))).some((j) => j && (j.state === 'QUEUED' || j.state === 'RUNNING'));
      if (live) continue;
      const to = d.status === 'CREATE_IN_PROGRESS' ? 'CREATE_FAILED' : 'UPDATE_FAILED';
      await datasets.transition(d.arn, [d.status], to, { statusMessage: 'The operation was interrupted by a server restart; try again.', statusMessageCode: 'SERVICE_ERROR', updatedAt: clock.now() });
    }
  }
}
