// Wire ↔ domain for DescribeProjectVersions and DeleteProjectVersion.
import type { VersionRecord } from '../storage/ports.js';
import type { VersionService } from '../domain/versions/service.js';
import type { HandlerTable } from '../server/pipeline.js';

export function versionHandlers(versions: VersionService): HandlerTable {
  return {
    DescribeProjectVersions: async (ctx, input) => {
      const r = await versions.describe(ctx.caller, { projectArn: input.ProjectArn, versionNames: input.VersionNames, maxResults: input.MaxResults, nextToken: input.NextToken });
      return { ProjectVersionDescriptions: r.versions.map(versionToWire), NextToken: r.nextToken };
    },
    DeleteProjectVersion: async (ctx, input) => ({ Status: await versions.delete(ctx.caller, input.ProjectVersionArn) }),
  };
}

export function versionToWire(v: VersionRecord) {
  const d = v.detail;
  return {
    ProjectVersionArn: v.arn,
    CreationTimestamp: v.createdAt,
    MinInferenceUnits: d.minInferenceUnits,
    MaxInferenceUnits: d.maxInferenceUnits,
    Status: v.status,
    StatusMessage: v.statusMessage,
    BillableTrainingTimeInSeconds: d.billableTrainingTimeInSeconds,
    TrainingEndTimestamp: d.trainingEndMs === undefined ? undefined : new Date(d.trainingEndMs),
    OutputConfig: d.outputConfig,
    TrainingDataResult: d.trainingDataResult,
    TestingDataResult: d.testingDataResult,
    EvaluationResult: d.evaluationResult,
    ManifestSummary: d.manifestSummary,
    KmsKeyId: d.kmsKeyId,
    SourceProjectVersionArn: d.sourceProjectVersionArn,
    VersionDescription: d.description,
    Feature: d.feature,
  };
}
