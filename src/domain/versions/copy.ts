// CopyProjectVersion (spec §4): every check runs before anything is created; then one
// transaction creates the COPYING_IN_PROGRESS version, its tags and its job. The job shares the
// immutable model blob (same content hash), re-wraps the model's data key under the destination
// key, writes the training results (sealed under the destination key) into the destination
// OutputConfig and only then moves the version to COPYING_COMPLETED. Choices where AWS is silent:
// docs/copy.md.
import { InvalidParameter, ResourceInUse, ResourceNotFound, ServiceQuotaExceeded } from '../../protocol/errors.js';
import type { BlobStore } from '../../storage/ports.js';
import type { ObjectFiles } from '../s3/service.js';
import type { CopyStore, JobStore, VersionDetail, VersionRecord, VersionStore } from '../../storage/ports.js';
import type { JobKind, JobRunner } from '../../jobs/runner.js';
import type { Authenticated } from '../../server/auth.js';
import { denial, type IdentityPolicies } from '../iam/identity.js';
import type { Caller } from '../shared/scope.js';
import type { SealedObjects } from '../keys/sealed-objects.js';
import type { KeyService } from '../keys/service.js';
import { COPY_ACTION } from '../policies/document.js';
import type { ProjectPolicyService } from '../policies/service.js';
import type { ProjectService } from '../projects/service.js';
import type { TagService } from '../tags/service.js';
import { parseArn, versionArn } from '../shared/arn.js';
import { notAuthorized } from '../shared/access.js';
import type { Clock } from '../shared/clock.js';
import type { ProjectRecord } from '../../storage/ports.js';
import { COPYABLE } from './lifecycle.js';
import { checkOutputConfig } from './output-config.js';
import { copyOutputs, planOutputs, snapshotResults, type ResultsSnapshot } from './copy-outputs.js';

export const COPY_JOB = 'copy-version';
export const copyJobId = (versionArn: string) => `copy:${versionArn}`;

export type { CopyStore, InsertCopyResult } from '../../storage/ports.js';

export interface CopyInput {
  sourceProjectArn: string;
  sourceProjectVersionArn: string;
  destinationProjectArn: string;
  versionName: string;
  outputConfig: { S3Bucket?: string; S3KeyPrefix?: string };
  tags?: Record<string, string>;
  kmsKeyId?: string;
}

/** Everything the job needs, captured when the copy was accepted. */
interface CopyPayload {
  versionArn: string;
  sourceArn: string;
  modelSha256: string;
  sourceEncryption: { keyArn: string; wrappedDataKey: string };
  destKeyArn: string;
  results: ResultsSnapshot;
  dest: { bucket: string; prefix?: string; projectName: string; versionName: string };
  /** Who asked for the copy: the output files are written with their rights (absent in jobs queued before). */
  caller?: Caller;
}

/** Source statuses that are refused with ResourceInUse (work in progress) rather than InvalidParameter. */
const IN_USE = ['TRAINING_IN_PROGRESS', 'COPYING_IN_PROGRESS', 'DELETING'];

export class CopyService {
  constructor(private readonly deps: {
    versions: VersionStore; copies: CopyStore; jobs: JobStore; projects: ProjectService; policies: ProjectPolicyService;
    iam: IdentityPolicies; keys: KeyService; tags: TagService; blobs: BlobStore; objects: ObjectFiles; sealed: SealedObjects;
    runner: JobRunner; clock: Clock; maxVersionsPerProject: number; concurrency: number;
  }) {}

  async copy(caller: Authenticated, input: CopyInput): Promise<string> {
    const srcProjectRef = parseArn(input.sourceProjectArn);
    const srcVersionRef = parseArn(input.sourceProjectVersionArn);
    const destRef = parseArn(input.destinationProjectArn);
    if (srcProjectRef?.kind !== 'project') throw InvalidParameter(`SourceProjectArn ${input.sourceProjectArn} is not a project ARN.`);
    if (srcVersionRef?.kind !== 'version') throw InvalidParameter(`SourceProjectVersionArn ${input.sourceProjectVersionArn} is not a model version ARN.`);
    if (destRef?.kind !== 'project') throw InvalidParameter(`DestinationProjectArn ${input.destinationProjectArn} is not a project ARN.`);
    for (const [what, ref] of [['source project', srcProjectRef], ['source model version', srcVersionRef], ['destination project', destRef]] as const) {
      if (ref.region !== caller.region) {
        throw InvalidParameter(`The ${what} is in region ${ref.region}, but this request is for ${caller.region}. Copies are only possible within one region.`);
      }
    }
    if (destRef.accountId !== caller.accountId) throw notAuthorized(caller, 'CopyProjectVersion', input.destinationProjectArn);
    if (srcVersionRef.accountId !== srcProjectRef.accountId || srcVersionRef.projectName !== srcProjectRef.projectName) {
      throw InvalidParameter(`The model version ${input.sourceProjectVersionArn} does not belong to project ${input.sourceProjectArn}.`);
    }
    const dest = await this.deps.projects.find(input.destinationProjectArn);
    const srcProject = await this.deps.projects.find(input.sourceProjectArn);
    for (const p of [srcProject, dest]) {
      if (p.feature !== 'CUSTOM_LABELS') throw InvalidParameter(`The project ${p.arn} is not a Custom Labels project; adapters cannot be copied.`);
    }
    await this.authorize(caller, srcProject, input.sourceProjectVersionArn);

    const source = await this.deps.versions.get(input.sourceProjectVersionArn);
    if (!source) throw ResourceNotFound(`The model version ${input.sourceProjectVersionArn} does not exist.`);
    if (source.projectArn !== srcProject.arn) {
      throw InvalidParameter(`The model version ${source.arn} does not belong to project ${srcProject.arn}.`);
    }
    this.checkCopyable(source);
    if (dest.status === 'DELETING') throw ResourceInUse(`The destination project ${dest.arn} is being deleted.`);
    const { bucket } = await checkOutputConfig(this.deps.objects, caller, input.outputConfig, 'OutputConfig.S3Bucket is required: the copy writes its training results there.');
    this.deps.tags.checkInitial(input.tags);
    const key = await this.deps.keys.resolveForUse(caller, input.kmsKeyId, ['kms:DescribeKey', 'kms:CreateGrant', 'kms:GenerateDataKey', 'kms:Decrypt']);

    const createdAt = this.deps.clock.now();
    const arn = versionArn(caller, dest.name, input.versionName, createdAt.getTime());
    const detail: VersionDetail = {
      feature: 'CUSTOM_LABELS', outputConfig: input.outputConfig, kmsKeyId: input.kmsKeyId, sourceProjectVersionArn: source.arn,
    };
    const payload: CopyPayload = {
      versionArn: arn, sourceArn: source.arn, modelSha256: source.modelSha256!, sourceEncryption: source.detail.modelEncryption!,
      destKeyArn: key.arn, results: snapshotResults(source.detail),
      dest: { bucket, prefix: input.outputConfig.S3KeyPrefix, projectName: dest.name, versionName: input.versionName },
      caller: { accountId: caller.accountId, region: caller.region, principalArn: caller.principalArn },
    };
    const result = await this.deps.copies.insertCopy({
      // The copy references the source's blob from the start, so deleting the source never frees it.
      version: { arn, projectArn: dest.arn, name: input.versionName, createdAt, status: 'COPYING_IN_PROGRESS', modelSha256: source.modelSha256, detail },
      tags: input.tags ?? {},
      source: { arn: source.arn, modelSha256: source.modelSha256!, statuses: COPYABLE },
      job: { id: copyJobId(arn), kind: COPY_JOB, payload },
      maxVersionsPerProject: this.deps.maxVersionsPerProject,
    });
    switch (result) {
      case 'inserted': this.deps.runner.queued(); return arn;
      case 'name-taken': throw ResourceInUse(`A model version named ${input.versionName} already exists in project ${dest.arn}.`);
      case 'destination-gone': throw ResourceNotFound(`The project ${dest.arn} does not exist.`);
      case 'full': throw ServiceQuotaExceeded(`The project ${dest.arn} already has the maximum of ${this.deps.maxVersionsPerProject} model versions.`);
      case 'source-changed': {
        const now = await this.deps.versions.get(source.arn);
        if (!now) throw ResourceNotFound(`The model version ${source.arn} does not exist.`);
        this.checkCopyable(now);
        throw ResourceInUse(`The model version ${source.arn} changed while the copy was being set up; try again.`);
      }
    }
  }

  private checkCopyable(v: VersionRecord): void {
    if (IN_USE.includes(v.status)) throw ResourceInUse(`The model version ${v.arn} cannot be copied while its status is ${v.status}.`);
    if (!COPYABLE.includes(v.status)) throw InvalidParameter(`The model version ${v.arn} cannot be copied because its status is ${v.status}.`);
    if (!v.modelSha256 || !v.detail.modelEncryption) throw InvalidParameter(`The model version ${v.arn} has no trained model to copy.`);
  }

  /**
   * Spec §5.4: an explicit Deny (identity or project policy) always wins; a cross-account copy
   * needs an Allow from the source project's policies and from the caller's identity policy; in
   * the same account either suffices.
   */
  private async authorize(caller: Authenticated, srcProject: ProjectRecord, resource: string): Promise<void> {
    const identity = this.deps.iam.decide(caller, COPY_ACTION, resource);
    if (identity === 'Deny') throw denial(caller.principalArn, COPY_ACTION, resource, 'Deny', 'identity');
    const project = await this.deps.policies.decide(srcProject.arn, srcProject, {
      principal: { arn: caller.principalArn, accountId: caller.accountId }, action: COPY_ACTION, resource,
      context: { 'aws:RequestedRegion': caller.region },
    });
    if (project === 'Deny') throw denial(caller.principalArn, COPY_ACTION, resource, 'Deny', 'resource');
    if (srcProject.accountId !== caller.accountId) {
      if (project !== 'Allow') throw denial(caller.principalArn, COPY_ACTION, resource, 'NotApplicable', 'resource');
      if (identity !== 'Allow') throw denial(caller.principalArn, COPY_ACTION, resource, 'NotApplicable', 'identity');
    } else if (identity !== 'Allow' && project !== 'Allow') {
      throw denial(caller.principalArn, COPY_ACTION, resource, 'NotApplicable', 'identity');
    }
  }

  /** The job: model check, key re-wrap, result files, then COPYING_COMPLETED. Resumable. */
  job(): JobKind {
    const { versions, blobs, keys, objects, sealed } = this.deps;
    return {
      kind: COPY_JOB, concurrency: this.deps.concurrency,
      run: async ({ job }) => {
        const p = job.payload as CopyPayload;
        const v = await versions.get(p.versionArn);
        if (!v || v.status !== 'COPYING_IN_PROGRESS') return; // deleted, or finished before a crash
        // The blob is shared, not moved: it was hash-checked when written and never changes.
        if (!(await blobs.has(p.modelSha256))) throw new Error('The source model artifact is no longer available.');
        const destKey = await keys.lookup({ accountId: '', region: '' }, p.destKeyArn);
        if (!destKey || !destKey.enabled) throw new Error(`The KMS key ${p.destKeyArn} is no longer usable.`);
        let wrapped: Buffer;
        try {
          wrapped = await keys.rewrapDataKey(p.sourceEncryption.keyArn, Buffer.from(p.sourceEncryption.wrappedDataKey, 'base64'), destKey);
        } catch (e) {
          throw new Error(`The model's data key could not be re-wrapped: ${(e as Error).message}`);
        }
        if (!(await objects.bucketExists(p.dest.bucket))) throw new Error(`The S3 bucket ${p.dest.bucket} does not exist.`);
        const plan = planOutputs(p.results, p.dest);
        await copyOutputs(sealed, plan.files, p.versionArn, destKey, p.caller);
        const done = await versions.transition(p.versionArn, ['COPYING_IN_PROGRESS'], 'COPYING_COMPLETED', {
          statusMessage: 'The model is ready to run.',
          modelSha256: p.modelSha256,
          detail: { ...plan.detail, modelEncryption: { keyArn: destKey.arn, wrappedDataKey: wrapped.toString('base64') } },
        });
        void done; // false: deleted meanwhile; nothing left to do
      },
      recover: async () => 'resume',
      fail: async (job, reason) => {
        const p = job.payload as CopyPayload;
        await versions.transition(p.versionArn, ['COPYING_IN_PROGRESS'], 'COPYING_FAILED', { statusMessage: `The model copy failed: ${reason}` });
      },
    };
  }

  /**
   * Start-up sweep: a COPYING_IN_PROGRESS version whose job is gone or already ended can never
   * finish, so it fails now rather than staying in progress forever.
   */
  async reconcile(): Promise<number> {
    let failed = 0;
    for (const v of await this.deps.versions.withStatus(['COPYING_IN_PROGRESS'])) {
      const job = await this.deps.jobs.get(copyJobId(v.arn));
      if (job && (job.state === 'QUEUED' || job.state === 'RUNNING')) continue;
      if (await this.deps.versions.transition(v.arn, ['COPYING_IN_PROGRESS'], 'COPYING_FAILED', { statusMessage: 'The model copy failed: it was interrupted and could not be resumed.' })) failed++;
    }
    return failed;
  }
}
