// Wire ↔ domain for CreateProject, DescribeProjects, DeleteProject.
import type { ProjectService, ProjectDescription } from '../domain/projects/service.js';
import type { HandlerTable } from '../server/pipeline.js';
import { frozenWire } from '../protocol/json.js';

export function projectHandlers(projects: ProjectService): HandlerTable {
  // Cached pages hand out the same (immutable) records until the database changes; one frozen wire
  // object per record lets the encoder reuse its JSON text.
  const wired = new WeakMap<ProjectDescription, object>();
  const wireOnce = (p: ProjectDescription) => {
    let w = wired.get(p);
    if (!w) wired.set(p, (w = frozenWire(toWire(p))));
    return w;
  };
  return {
    CreateProject: async (ctx, input) => {
      const p = await projects.create(ctx.caller, { name: input.ProjectName, feature: input.Feature, autoUpdate: input.AutoUpdate, tags: input.Tags });
      return { ProjectArn: p.arn };
    },
    DescribeProjects: async (ctx, input) => {
      const r = await projects.describe(ctx.caller, { names: input.ProjectNames, features: input.Features, maxResults: input.MaxResults, nextToken: input.NextToken });
      return { ProjectDescriptions: r.projects.map(wireOnce), NextToken: r.nextToken };
    },
    DeleteProject: async (ctx, input) => ({ Status: await projects.delete(ctx.caller, input.ProjectArn) }),
  };
}

function toWire(p: ProjectDescription) {
  return {
    ProjectArn: p.arn,
    CreationTimestamp: p.createdAt,
    Status: p.status,
    Datasets: p.datasets.map((d) => ({
      CreationTimestamp: d.createdAt, DatasetType: d.type, DatasetArn: d.arn, Status: d.status,
      StatusMessage: d.statusMessage, StatusMessageCode: d.statusMessageCode,
    })),
    Feature: p.feature,
    AutoUpdate: p.autoUpdate,
  };
}
