// Model versions: lookup, describe (newest first, paged) and delete. Training, copying and hosting
// live beside this file and change status only through the lifecycle table.
import { InvalidParameter, ResourceInUse, ResourceNotFound } from '../../protocol/errors.js';
import type { BlobStore } from '../../storage/ports.js';
import type { VersionRecord, VersionStore } from '../../storage/ports.js';
import type { JobRecord } from '../../storage/ports.js';
import type { JobKind, JobRunner } from '../../jobs/runner.js';
import type { ProjectService } from '../projects/service.js';
import { parseArn } from '../shared/arn.js';
import { assertOwned } from '../shared/access.js';
import { createdPosition, type Paginator } from '../shared/pagination.js';
import type { Caller } from '../shared/scope.js';
import { BUSY, allowedFrom } from './lifecycle.js';

export class VersionService {
  constructor(private readonly deps: {
    versions: VersionStore; projects: ProjectService; blobs: BlobStore; paginator: Paginator; runner: JobRunner;
  }) {}

  /** Resolves a version ARN the caller owns. */
  async get(caller: Caller, arn: string, action: string): Promise<VersionRecord> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.kind !== 'version') throw InvalidParameter(`${arn} is not a model version ARN.`);
    assertOwned(caller, parsed, action, arn);
    return this.find(arn);
  }

  /** Resolves any version ARN regardless of owner (access is checked by the caller). */
  async find(arn: string): Promise<VersionRecord> {
    const v = await this.deps.versions.get(arn);
    if (!v) throw ResourceNotFound(`The model version ${arn} does not exist.`);
    return v;
  }

  async describe(caller: Caller, input: { projectArn: string; versionNames?: string[]; maxResults?: number; nextToken?: string }) {
    const project = await this.deps.projects.get(caller, input.projectArn, 'DescribeProjectVersions');
    const limit = input.maxResults ?? 100;
    const context = JSON.stringify(['DescribeProjectVersions', project.arn, input.versionNames ?? null]);
    const page = await this.deps.paginator.page(context, input.nextToken, limit,
      (after: [number, string] | undefined, n) => this.deps.versions.list(project.arn, { names: input.versionNames, after: createdPosition.after(after), limit: n }),
      createdPosition.key);
    return { versions: page.items, nextToken: page.nextToken };
  }

  async delete(caller: Caller, arn: string): Promise<'DELETING'> {
    const v = await this.get(caller, arn, 'DeleteProjectVersion');
    if (BUSY.includes(v.status)) {
      throw ResourceInUse(`The model version ${arn} cannot be deleted while its status is ${v.status}.`);
    }
    if (!(await this.deps.versions.transition(arn, allowedFrom('DELETING'), 'DELETING', { statusMessage: null }))) {
      throw ResourceInUse(`The model version ${arn} changed status; try again.`);
    }
    await this.deps.runner.enqueue(DELETE_VERSION_JOB, `delete:${arn}:${Date.now()}`, { versionArn: arn });
    return 'DELETING';
  }

  /** The job that removes a DELETING version and frees its model blob once nothing uses it. */
  deleteJob(): JobKind {
    const { versions, blobs } = this.deps;
    const finish = async (job: JobRecord) => {
      const { versionArn } = job.payload as { versionArn: string };
      const v = await versions.get(versionArn);
      if (!v) return;
      await versions.delete(versionArn);
      if (v.modelSha256 && (await versions.modelReferences(v.modelSha256)) === 0) await blobs.delete(v.modelSha256);
    };
    return {
      kind: DELETE_VERSION_JOB, concurrency: 2,
      run: ({ job }) => finish(job),
      recover: async () => 'resume',
      fail: async () => undefined,
    };
  }
}

export const DELETE_VERSION_JOB = 'delete-version';
