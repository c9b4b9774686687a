// Projects: create, describe (paged, newest first), delete once empty.
import { InvalidParameter, LimitExceeded, ResourceInUse, ResourceNotFound } from '../../protocol/errors.js';
import type { ProjectDescription, ProjectRecord, ProjectStore } from '../../storage/ports.js';
import type { TagService } from '../tags/service.js';
import { parseArn, projectArn } from '../shared/arn.js';
import { assertOwned } from '../shared/access.js';
import type { Clock } from '../shared/clock.js';
import { createdPosition, type Paginator } from '../shared/pagination.js';
import type { Caller } from '../shared/scope.js';

export interface ProjectLimits { projectsPerAccount: number }

export interface CreateProjectInput {
  name: string;
  feature?: ProjectRecord['feature'];
  autoUpdate?: ProjectRecord['autoUpdate'];
  tags?: Record<string, string>;
}

export type { ProjectDescription };

export class ProjectService {
  constructor(private readonly deps: {
    projects: ProjectStore; tags: TagService; clock: Clock; paginator: Paginator; limits: ProjectLimits;
  }) {}

  async create(caller: Caller, input: CreateProjectInput): Promise<ProjectRecord> {
    const feature = input.feature ?? 'CUSTOM_LABELS';
    if (input.autoUpdate && feature !== 'CONTENT_MODERATION') {
      throw InvalidParameter('AutoUpdate can only be set for projects with the CONTENT_MODERATION feature.');
    }
    const createdAt = this.deps.clock.now();
    const record: ProjectRecord = {
      arn: projectArn(caller, input.name, createdAt.getTime()), accountId: caller.accountId, region: caller.region,
      name: input.name, createdAt, status: 'CREATED', feature,
      autoUpdate: feature === 'CONTENT_MODERATION' ? (input.autoUpdate ?? 'DISABLED') : undefined,
    };
    this.deps.tags.checkInitial(input.tags);
    const max = this.deps.limits.projectsPerAccount;
    switch (await this.deps.projects.create(record, { tags: input.tags ?? {}, maxPerAccount: max })) {
      case 'inserted': return record;
      case 'name-taken': throw ResourceInUse(`A project with the name ${input.name} already exists.`);
      case 'full': throw LimitExceeded(`You have reached the maximum number of projects (${max}) in this account.`);
    }
  }

  async describe(caller: Caller, input: { names?: string[]; features?: string[]; maxResults?: number; nextToken?: string }) {
    const features = input.features ?? ['CUSTOM_LABELS'];
    const limit = input.maxResults ?? 100;
    const context = JSON.stringify(['DescribeProjects', caller.accountId, caller.region, input.names ?? null, features]);
    const page = await this.deps.paginator.page(context, input.nextToken, limit,
      (after: [number, string] | undefined, n) => this.deps.projects.describe(caller, { names: input.names, features, after: createdPosition.after(after), limit: n }),
      createdPosition.key);
    return { projects: page.items, nextToken: page.nextToken };
  }

  async delete(caller: Caller, arn: string): Promise<'DELETING'> {
    const project = await this.get(caller, arn, 'DeleteProject');
    const { versions, datasets } = await this.deps.projects.children(project.arn);
    if (versions > 0 || datasets > 0) {
      throw ResourceInUse(`The project ${arn} still has ${versions} model version(s) and ${datasets} dataset(s). Delete them first.`);
    }
    await this.deps.projects.delete(project.arn);
    return 'DELETING';
  }

  /** Resolves a project ARN the caller owns (exact ARN, creation stamp included). */
  async get(caller: Caller, arn: string, action: string): Promise<ProjectRecord> {
    const parsed = parseArn(arn);
    if (!parsed || parsed.kind !== 'project') throw InvalidParameter(`${arn} is not a project ARN.`);
    assertOwned(caller, parsed, action, arn);
    return this.find(arn);
  }

  /** Resolves any project ARN regardless of owner (for copies; access is checked by the caller). */
  async find(arn: string): Promise<ProjectRecord> {
    const p = await this.deps.projects.get(arn);
    if (!p) throw ResourceNotFound(`The project ${arn} does not exist.`);
    return p;
  }
}
