// The one place where Rekognition ARNs are built and parsed.
import type { Scope } from './scope.js';

export type DatasetTypeSegment = 'train' | 'test';

export interface ProjectRef extends Scope { partition: string; projectName: string; createdMs: number }
export interface VersionRef extends ProjectRef { versionName: string; versionCreatedMs: number }
export interface DatasetRef extends ProjectRef { datasetType: DatasetTypeSegment; datasetCreatedMs: number }

const PREFIX = /^arn:([a-z\d-]+):rekognition:([a-z\d-]+):(\d{12}):project\/([a-zA-Z0-9_.-]{1,255})\//;

export function projectArn(scope: Scope, name: string, createdMs: number): string {
  return `arn:aws:rekognition:${scope.region}:${scope.accountId}:project/${name}/${createdMs}`;
}

export function versionArn(scope: Scope, projectName: string, versionName: string, createdMs: number): string {
  return `arn:aws:rekognition:${scope.region}:${scope.accountId}:project/${projectName}/version/${versionName}/${createdMs}`;
}

export function datasetArn(scope: Scope, projectName: string, type: 'TRAIN' | 'TEST', createdMs: number): string {
  return `arn:aws:rekognition:${scope.region}:${scope.accountId}:project/${projectName}/dataset/${type.toLowerCase()}/${createdMs}`;
}

export type ParsedArn =
  | ({ kind: 'project' } & ProjectRef)
  | ({ kind: 'version' } & VersionRef & { projectCreatedMs?: undefined })
  | ({ kind: 'dataset' } & DatasetRef);

/** Parses any Rekognition Custom Labels ARN; returns undefined when it is not one. */
export function parseArn(arn: string): ParsedArn | undefined {
  const m = PREFIX.exec(arn);
  if (!m) return undefined;
  const [, partition, region, accountId, projectName] = m;
  const rest = arn.slice(m[0].length);
  let r: RegExpExecArray | null;
  if ((r = /^(\d+)$/.exec(rest))) return { kind: 'project', partition, region, accountId, projectName, createdMs: Number(r[1]) };
  if ((r = /^version\/([a-zA-Z0-9_.-]{1,255})\/(\d+)$/.exec(rest))) {
    return { kind: 'version', partition, region, accountId, projectName, createdMs: NaN, versionName: r[1], versionCreatedMs: Number(r[2]) };
  }
  if ((r = /^dataset\/(train|test)\/(\d+)$/.exec(rest))) {
    return { kind: 'dataset', partition, region, accountId, projectName, createdMs: NaN, datasetType: r[1] as DatasetTypeSegment, datasetCreatedMs: Number(r[2]) };
  }
  return undefined;
}

/** The project ARN prefix a version or dataset ARN hangs under (without the creation stamp). */
export function projectKeyOf(arn: ParsedArn): { accountId: string; region: string; projectName: string } {
  return { accountId: arn.accountId, region: arn.region, projectName: arn.projectName };
}
