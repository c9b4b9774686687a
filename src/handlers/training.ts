// Wire ↔ domain for CreateProjectVersion (training).
import type { TrainingService } from '../domain/versions/training.js';
import type { HandlerTable } from '../server/pipeline.js';

export function trainingHandlers(training: TrainingService): HandlerTable {
  return {
    CreateProjectVersion: async (ctx, input) => {
      const v = await training.create(ctx.caller, {
        projectArn: input.ProjectArn, versionName: input.VersionName, outputConfig: input.OutputConfig,
        trainingData: input.TrainingData, testingData: input.TestingData, tags: input.Tags, kmsKeyId: input.KmsKeyId,
        description: input.VersionDescription, featureConfig: input.FeatureConfig,
      });
      return { ProjectVersionArn: v.arn };
    },
  };
}
