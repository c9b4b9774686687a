// Wire ↔ domain for the dataset operations.
import type { DatasetService } from '../domain/datasets/service.js';
import { InvalidParameter } from '../protocol/errors.js';
import type { HandlerTable } from '../server/pipeline.js';

export function datasetHandlers(datasets: DatasetService): HandlerTable {
  return {
    CreateDataset: async (ctx, input) => {
      const source = input.DatasetSource ?? {};
      const s3 = source.GroundTruthManifest?.S3Object;
      if (source.GroundTruthManifest && (!s3?.Bucket || !s3.Name)) {
        throw InvalidParameter('GroundTruthManifest.S3Object must name a Bucket and an object Name.');
      }
      const d = await datasets.create(ctx.caller, {
        projectArn: input.ProjectArn, type: input.DatasetType, tags: input.Tags, sourceDatasetArn: source.DatasetArn,
        manifest: s3 ? { bucket: s3.Bucket, name: s3.Name ?? '', version: s3.Version } : undefined,
      });
      return { DatasetArn: d.arn };
    },
    DescribeDataset: async (ctx, input) => {
      const { dataset: d, stats } = await datasets.describe(ctx.caller, input.DatasetArn);
      return {
        DatasetDescription: {
          CreationTimestamp: d.createdAt, LastUpdatedTimestamp: d.updatedAt, Status: d.status,
          StatusMessage: d.statusMessage, StatusMessageCode: d.statusMessageCode,
          DatasetStats: { LabeledEntries: stats.labeledEntries, TotalEntries: stats.totalEntries, TotalLabels: stats.totalLabels, ErrorEntries: stats.errorEntries },
        },
      };
    },
    DeleteDataset: async (ctx, input) => { await datasets.delete(ctx.caller, input.DatasetArn); return {}; },
    ListDatasetEntries: async (ctx, input) => {
      const r = await datasets.listEntries(ctx.caller, input.DatasetArn, {
        containsLabels: input.ContainsLabels, labeled: input.Labeled, sourceRefContains: input.SourceRefContains, hasErrors: input.HasErrors,
      }, { maxResults: input.MaxResults, nextToken: input.NextToken });
      return { DatasetEntries: r.entries, NextToken: r.nextToken };
    },
    ListDatasetLabels: async (ctx, input) => {
      const r = await datasets.listLabels(ctx.caller, input.DatasetArn, { maxResults: input.MaxResults, nextToken: input.NextToken });
      return {
        DatasetLabelDescriptions: r.labels.map((l) => ({ LabelName: l.label, LabelStats: { EntryCount: l.entryCount, BoundingBoxCount: l.boxCount } })),
        NextToken: r.nextToken,
      };
    },
    UpdateDatasetEntries: async (ctx, input) => { await datasets.update(ctx.caller, input.DatasetArn, input.Changes.GroundTruth); return {}; },
    DistributeDatasetEntries: async (ctx, input) => {
      await datasets.distribute(ctx.caller, (input.Datasets as { Arn: string }[]).map((d) => d.Arn));
      return {};
    },
  };
}
