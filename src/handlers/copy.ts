// Wire ↔ domain for CopyProjectVersion.
import type { CopyService } from '../domain/versions/copy.js';
import type { HandlerTable } from '../server/pipeline.js';

export function copyHandlers(copies: CopyService): HandlerTable {
  return {
    CopyProjectVersion: async (ctx, input) => ({
      ProjectVersionArn: await copies.copy(ctx.caller, {
        sourceProjectArn: input.SourceProjectArn, sourceProjectVersionArn: input.SourceProjectVersionArn,
        destinationProjectArn: input.DestinationProjectArn, versionName: input.VersionName,
        outputConfig: input.OutputConfig ?? {}, tags: input.Tags, kmsKeyId: input.KmsKeyId,
      }),
    }),
  };
}
