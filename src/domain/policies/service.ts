// Project policies: PutProjectPolicy (create / compare-and-swap update), ListProjectPolicies,
// DeleteProjectPolicy, and the decision a copy asks for. Choices where AWS is silent are in
// docs/policies.md.
import {
  InvalidPolicyRevisionId, MalformedPolicyDocument, ResourceAlreadyExists, ResourceNotFound, ServiceQuotaExceeded,
} from '../../protocol/errors.js';
import type { ProjectService } from '../projects/service.js';
import type { Clock } from '../shared/clock.js';
import type { Ids } from '../shared/ids.js';
import type { Paginator } from '../shared/pagination.js';
import type { Caller } from '../shared/scope.js';
import { parseProjectPolicy, PolicySyntaxError, type PolicyDocument } from './document.js';
import { evaluate, type Decision, type PolicyRequest } from './evaluate.js';
import type { ProjectPolicyRecord, ProjectPolicyStore } from './store.js';

export const MAX_POLICIES_PER_PROJECT = 5;

export class ProjectPolicyService {
  constructor(private readonly deps: {
    policies: ProjectPolicyStore; projects: ProjectService; clock: Clock; ids: Ids; paginator: Paginator; maxPerProject?: number;
  }) {}

  private newRevision(): string { return this.deps.ids.hex(16); }

  async put(caller: Caller, input: { projectArn: string; name: string; revisionId?: string; document: string }): Promise<string> {
    const project = await this.deps.projects.get(caller, input.projectArn, 'PutProjectPolicy');
    try {
      parseProjectPolicy(input.document, project);
    } catch (e) {
      if (e instanceof PolicySyntaxError) throw MalformedPolicyDocument(`The policy document is malformed: ${e.message}.`);
      throw e;
    }
    const now = this.deps.clock.now();
    const revisionId = this.newRevision();
    if (input.revisionId === undefined) {
      const max = this.deps.maxPerProject ?? MAX_POLICIES_PER_PROJECT;
      const r = await this.deps.policies.insert({ projectArn: project.arn, name: input.name, revisionId, document: input.document, createdAt: now, updatedAt: now }, max);
      if (r === 'exists') throw ResourceAlreadyExists(`The project policy ${input.name} already exists for ${project.arn}. Pass its PolicyRevisionId to update it.`);
      if (r === 'full') throw ServiceQuotaExceeded(`The project ${project.arn} already has the maximum of ${max} project policies.`);
      if (r === 'no-project') throw ResourceNotFound(`The project ${project.arn} does not exist.`);
      return revisionId;
    }
    const updated = await this.deps.policies.update(project.arn, input.name, input.revisionId, { revisionId, document: input.document, updatedAt: now });
    if (!updated) throw InvalidPolicyRevisionId(await this.revisionMessage(project.arn, input.name, input.revisionId));
    return revisionId;
  }

  private async revisionMessage(projectArn: string, name: string, given: string): Promise<string> {
    const current = await this.deps.policies.get(projectArn, name);
    return current
      ? `The policy revision ID ${given} does not match the current revision of project policy ${name}.`
      : `The project policy ${name} does not exist for ${projectArn}, so revision ID ${given} is not valid.`;
  }

  async list(caller: Caller, input: { projectArn: string; maxResults?: number; nextToken?: string }) {
    const project = await this.deps.projects.get(caller, input.projectArn, 'ListProjectPolicies');
    const limit = input.maxResults ?? MAX_POLICIES_PER_PROJECT;
    const context = JSON.stringify(['ListProjectPolicies', project.arn]);
    const page = await this.deps.paginator.page(context, input.nextToken, limit,
      (after: string | undefined, n) => this.deps.policies.list(project.arn, { after, limit: n }), (p) => p.name);
    return { policies: page.items, nextToken: page.nextToken };
  }

  async delete(caller: Caller, input: { projectArn: string; name: string; revisionId?: string }): Promise<void> {
    const project = await this.deps.projects.get(caller, input.projectArn, 'DeleteProjectPolicy');
    if (await this.deps.policies.delete(project.arn, input.name, input.revisionId)) return;
    if (!(await this.deps.policies.get(project.arn, input.name))) {
      throw ResourceNotFound(`The project policy ${input.name} does not exist for ${project.arn}.`);
    }
    throw InvalidPolicyRevisionId(`The policy revision ID ${input.revisionId} does not match the current revision of project policy ${input.name}.`);
  }

  /** The parsed policies attached to a project (any owner: a copy reads the source's). */
  async documents(projectArn: string, project: { accountId: string; region: string; name: string }): Promise<PolicyDocument[]> {
    const rows: ProjectPolicyRecord[] = await this.deps.policies.list(projectArn);
    // Documents were validated when stored; parse again so evaluation never sees raw JSON.
    return rows.map((r) => parseProjectPolicy(r.document, project));
  }

  /** What the source project's policies say about a request (principal check on). */
  async decide(projectArn: string, project: { accountId: string; region: string; name: string }, req: PolicyRequest): Promise<Decision> {
    return evaluate(await this.documents(projectArn, project), req, { checkPrincipal: true });
  }
}
