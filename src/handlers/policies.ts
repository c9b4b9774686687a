// Wire ↔ domain for PutProjectPolicy, ListProjectPolicies, DeleteProjectPolicy.
import type { ProjectPolicyService } from '../domain/policies/service.js';
import type { HandlerTable } from '../server/pipeline.js';

export function policyHandlers(policies: ProjectPolicyService): HandlerTable {
  return {
    PutProjectPolicy: async (ctx, input) => ({
      PolicyRevisionId: await policies.put(ctx.caller, {
        projectArn: input.ProjectArn, name: input.PolicyName, revisionId: input.PolicyRevisionId, document: input.PolicyDocument,
      }),
    }),
    ListProjectPolicies: async (ctx, input) => {
      const r = await policies.list(ctx.caller, { projectArn: input.ProjectArn, maxResults: input.MaxResults, nextToken: input.NextToken });
      return {
        ProjectPolicies: r.policies.map((p) => ({
          ProjectArn: p.projectArn, PolicyName: p.name, PolicyRevisionId: p.revisionId, PolicyDocument: p.document,
          CreationTimestamp: p.createdAt, LastUpdatedTimestamp: p.updatedAt,
        })),
        NextToken: r.nextToken,
      };
    },
    DeleteProjectPolicy: async (ctx, input) => {
      await policies.delete(ctx.caller, { projectArn: input.ProjectArn, name: input.PolicyName, revisionId: input.PolicyRevisionId });
      return {};
    },
  };
}
