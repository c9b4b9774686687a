// Wire ↔ domain for StartProjectVersion, StopProjectVersion and DetectCustomLabels.
import type { HostingService } from '../domain/hosting/service.js';
import type { HandlerTable } from '../server/pipeline.js';

/** Operations that need a model loaded in this process: with --workers, only the leader runs them. */
export const LEADER_OPERATIONS = ['DetectCustomLabels'];

export function hostingHandlers(hosting: HostingService): HandlerTable {
  return {
    StartProjectVersion: async (ctx, input) => ({
      Status: await hosting.start(ctx.caller, input.ProjectVersionArn, input.MinInferenceUnits, input.MaxInferenceUnits),
    }),
    StopProjectVersion: async (ctx, input) => ({ Status: await hosting.stop(ctx.caller, input.ProjectVersionArn) }),
    DetectCustomLabels: async (ctx, input) => ({
      CustomLabels: await hosting.detect(ctx.caller, {
        projectVersionArn: input.ProjectVersionArn,
        image: { bytes: input.Image?.Bytes, s3Object: input.Image?.S3Object },
        minConfidence: input.MinConfidence,
        maxResults: input.MaxResults,
      }),
    }),
  };
}
