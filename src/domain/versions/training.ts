// CreateProjectVersion: checks the request, records the version TRAINING_IN_PROGRESS and queues
// the persisted training job (training/job.ts). Data comes from the project's datasets or, when
// the project has none, from TrainingData/TestingData manifests (spec §6.2).
import type { JobKind, JobRunner } from '../../jobs/runner.js';
import { InvalidParameter, ResourceInUse, ServiceQuotaExceeded } from '../../protocol/errors.js';
import type { ObjectFiles } from '../s3/service.js';
import type { AssetList, DatasetStore, JobStore, VersionRecord, VersionStore } from '../../storage/ports.js';
import { BUSY as DATASET_BUSY, READY as DATASET_READY } from '../datasets/service.js';
import type { SealedObjects } from '../keys/sealed-objects.js';
import type { ModelVault } from '../keys/vault.js';
import type { ProjectService } from '../projects/service.js';
import type { TagService } from '../tags/service.js';
import { versionArn } from '../shared/arn.js';
import type { Clock } from '../shared/clock.js';
import type { Caller } from '../shared/scope.js';
import type { DataSource, S3Ref } from './training/data.js';
import { TRAINING_JOB, trainingJob, trainingJobId, type TrainingPayload } from './training/job.js';
import type { TrainingOptions } from './training/options.js';
import { checkOutputConfig } from './output-config.js';

export interface CreateVersionInput {
  projectArn: string;
  versionName: string;
  outputConfig: { S3Bucket?: string; S3KeyPrefix?: string };
  trainingData?: AssetList;
  testingData?: AssetList;
  tags?: Record<string, string>;
  kmsKeyId?: string;
  description?: string;
  featureConfig?: unknown;
}

export class TrainingService {
  constructor(private readonly deps: {
    versions: VersionStore; datasets: DatasetStore; projects: ProjectService; tags: TagService; objects: ObjectFiles;
    vault: ModelVault; sealed: SealedObjects; runner: JobRunner; jobs: JobStore; clock: Clock; options: TrainingOptions; concurrency: number;
    maxVersionsPerProject: number;
    /** Throws the AWS-shaped error for a KmsKeyId the caller cannot use. */
    checkKey?: (caller: Caller, kmsKeyId: string) => Promise<unknown>;
  }) {}

  job(): JobKind { return trainingJob(this.deps); }

  async create(caller: Caller, input: CreateVersionInput): Promise<VersionRecord> {
    const project = await this.deps.projects.get(caller, input.projectArn, 'CreateProjectVersion');
    if (project.status === 'DELETING') throw ResourceInUse(`The project ${project.arn} is being deleted.`);
    if (project.feature !== 'CUSTOM_LABELS') throw InvalidParameter('Osprey trains Custom Labels models only; adapters for CONTENT_MODERATION projects are not supported.');
    if (input.featureConfig !== undefined) throw InvalidParameter('FeatureConfig can only be given for CONTENT_MODERATION projects.');
    const output = await this.checkOutput(caller, input);
    const source = await this.dataSource(project.arn, input);
    if (input.kmsKeyId && this.deps.checkKey) await this.deps.checkKey(caller, input.kmsKeyId);
    this.deps.tags.checkInitial(input.tags);

    const now = this.deps.clock.now();
    const autoCreate = source.autoCreate;
    const payloadInput = source.kind === 'datasets'
      ? { training: {}, testing: { AutoCreate: autoCreate } }
      : { training: { Assets: input.trainingData!.Assets }, testing: { ...(input.testingData?.Assets ? { Assets: input.testingData.Assets } : {}), AutoCreate: autoCreate } };
    const record: VersionRecord = {
      arn: versionArn(caller, project.name, input.versionName, now.getTime()), projectArn: project.arn, name: input.versionName,
      createdAt: now, status: 'TRAINING_IN_PROGRESS', statusMessage: 'The model is queued for training.',
      detail: {
        feature: 'CUSTOM_LABELS', outputConfig: input.outputConfig, kmsKeyId: input.kmsKeyId, description: input.description,
        trainingData: input.trainingData, testingData: input.testingData,
        trainingDataResult: { Input: payloadInput.training }, testingDataResult: { Input: payloadInput.testing },
      },
    };
    const payload: TrainingPayload = {
      versionArn: record.arn, caller: { accountId: caller.accountId, region: caller.region, principalArn: caller.principalArn },
      projectName: project.name, versionName: input.versionName, source, outputConfig: output, kmsKeyId: input.kmsKeyId, input: payloadInput,
    };
    const max = this.deps.maxVersionsPerProject;
    // The version, its tags and its job in one transaction: never a version without its job.
    const result = await this.deps.versions.create({
      version: record, tags: input.tags ?? {}, job: { id: trainingJobId(record.arn), kind: TRAINING_JOB, payload }, maxPerProject: max,
    });
    switch (result) {
      case 'inserted': this.deps.runner.queued(); return record;
      case 'name-taken': throw ResourceInUse(`A model version named ${input.versionName} already exists in the project ${project.arn}.`);
      case 'project-gone': throw ResourceInUse(`The project ${project.arn} is being deleted.`);
      case 'full': throw ServiceQuotaExceeded(`The project ${project.arn} already has the maximum of ${max} model versions.`);
    }
  }

  /** The output bucket must be a valid name and every output key a valid object key. */
  private async checkOutput(caller: Caller, input: CreateVersionInput): Promise<{ S3Bucket: string; S3KeyPrefix?: string }> {
    const { bucket, prefix } = await checkOutputConfig(this.deps.objects, caller, input.outputConfig, 'OutputConfig.S3Bucket is required.');
    return { S3Bucket: bucket, S3KeyPrefix: prefix };
  }

  private async dataSource(projectArn: string, input: CreateVersionInput): Promise<DataSource> {
    const datasets = await this.deps.datasets.byProject(projectArn);
    const autoCreate = input.testingData?.AutoCreate === true;
    const trainAssets = input.trainingData?.Assets;
    const testAssets = input.testingData?.Assets;
    if (autoCreate && testAssets?.length) throw InvalidParameter('TestingData cannot have both Assets and AutoCreate.');
    if (datasets.length > 0) {
      if (trainAssets?.length || testAssets?.length) {
        throw InvalidParameter('The project has datasets: train from them and leave TrainingData and TestingData assets out.');
      }
      for (const d of datasets) {
        if (DATASET_BUSY.includes(d.status)) throw ResourceInUse(`The ${d.type} dataset ${d.arn} is busy (status ${d.status}).`);
        if (!DATASET_READY.includes(d.status)) throw InvalidParameter(`The ${d.type} dataset ${d.arn} is not usable (status ${d.status}).`);
      }
      const train = datasets.find((d) => d.type === 'TRAIN');
      const test = datasets.find((d) => d.type === 'TEST');
      if (!train) throw InvalidParameter('The project has no TRAIN dataset.');
      if (test && autoCreate) throw InvalidParameter('The project has a TEST dataset; TestingData.AutoCreate cannot be used.');
      if (!test && !autoCreate) throw InvalidParameter('The project has no TEST dataset; create one or set TestingData.AutoCreate.');
      return { kind: 'datasets', trainArn: train.arn, testArn: test?.arn, autoCreate };
    }
    if (!trainAssets?.length) throw InvalidParameter('The project has no datasets: TrainingData must give a Ground Truth manifest.');
    if (!input.testingData || (!autoCreate && !testAssets?.length)) {
      throw InvalidParameter('TestingData must give a Ground Truth manifest or set AutoCreate.');
    }
    return { kind: 'manifests', training: manifestRef(trainAssets, 'TrainingData'), testing: testAssets?.length ? manifestRef(testAssets, 'TestingData') : undefined, autoCreate };
  }

  /**
   * Start-up check: a version TRAINING_IN_PROGRESS whose job is gone (a crash between the insert
   * and the enqueue, or a job that ended without settling it) is failed, never left in progress.
   */
  async sweep(): Promise<void> {
    for (const v of await this.deps.versions.withStatus(['TRAINING_IN_PROGRESS'])) {
      const job = await this.deps.jobs.get(trainingJobId(v.arn));
      if (job && (job.state === 'QUEUED' || job.state === 'RUNNING')) continue;
      await this.deps.versions.transition(v.arn, ['TRAINING_IN_PROGRESS'], 'TRAINING_FAILED', { statusMessage: 'The training was interrupted by a server restart.' });
    }
  }
}

function manifestRef(assets: NonNullable<AssetList['Assets']>, what: string): S3Ref {
  if (assets.length !== 1) throw InvalidParameter(`${what} must have exactly one asset.`);
  const s3 = assets[0]!.GroundTruthManifest?.S3Object;
  if (!s3?.Bucket || !s3.Name) throw InvalidParameter(`${what}.Assets[0].GroundTruthManifest.S3Object must give a Bucket and a Name.`);
  return { Bucket: s3.Bucket, Name: s3.Name, Version: s3.Version };
}
