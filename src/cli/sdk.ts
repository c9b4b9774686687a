// The parts of the AWS SDK for JavaScript v3 that `osprey rekognition` sends its requests with:
// the Rekognition client, the command class of each Custom Labels operation, and the SDK's
// configurable standard retry strategy. Nothing else in the CLI imports the SDK at run time, and
// src/cli/transport.ts imports this module only when a request is about to be sent.
//
// Start-up: the package index of @aws-sdk/client-rekognition loads every Rekognition command
// (about 70 ms), so `npm run build` bundles the CLI with esbuild, which keeps only what these exports
// use, and loads the bundle with V8's code cache (scripts/bundle-cli.mjs; docs/cli.md, "How the CLI
// is built"). Run from source (tsx) or from plain tsc output, this module loads the packages
// themselves: slower to start, same behaviour.
import {
  RekognitionClient,
  CopyProjectVersionCommand, CreateDatasetCommand, CreateProjectCommand, CreateProjectVersionCommand,
  DeleteDatasetCommand, DeleteProjectCommand, DeleteProjectPolicyCommand, DeleteProjectVersionCommand,
  DescribeDatasetCommand, DescribeProjectVersionsCommand, DescribeProjectsCommand, DetectCustomLabelsCommand,
  DistributeDatasetEntriesCommand, ListDatasetEntriesCommand, ListDatasetLabelsCommand, ListProjectPoliciesCommand,
  ListTagsForResourceCommand, PutProjectPolicyCommand, StartProjectVersionCommand, StopProjectVersionCommand,
  TagResourceCommand, UntagResourceCommand, UpdateDatasetEntriesCommand,
} from '@aws-sdk/client-rekognition';

export { RekognitionClient };
export { ConfiguredRetryStrategy } from '@smithy/core/retry';

/** The generated command class of each operation the CLI offers, by operation name. */
export const commands = {
  CreateProject: CreateProjectCommand,
  DescribeProjects: DescribeProjectsCommand,
  DeleteProject: DeleteProjectCommand,
  CreateDataset: CreateDatasetCommand,
  DescribeDataset: DescribeDatasetCommand,
  DeleteDataset: DeleteDatasetCommand,
  ListDatasetEntries: ListDatasetEntriesCommand,
  ListDatasetLabels: ListDatasetLabelsCommand,
  UpdateDatasetEntries: UpdateDatasetEntriesCommand,
  DistributeDatasetEntries: DistributeDatasetEntriesCommand,
  CreateProjectVersion: CreateProjectVersionCommand,
  DescribeProjectVersions: DescribeProjectVersionsCommand,
  StartProjectVersion: StartProjectVersionCommand,
  StopProjectVersion: StopProjectVersionCommand,
  DeleteProjectVersion: DeleteProjectVersionCommand,
  DetectCustomLabels: DetectCustomLabelsCommand,
  CopyProjectVersion: CopyProjectVersionCommand,
  PutProjectPolicy: PutProjectPolicyCommand,
  ListProjectPolicies: ListProjectPoliciesCommand,
  DeleteProjectPolicy: DeleteProjectPolicyCommand,
  TagResource: TagResourceCommand,
  UntagResource: UntagResourceCommand,
  ListTagsForResource: ListTagsForResourceCommand,
} as const;
