// The training results a copy carries: the evaluation summary and the manifest files, copied from
// where the source version's results point into the destination OutputConfig, named
// <Kind>-<destProject>-<VersionName>.json (spec §9.1), with EvaluationDetails.ProjectVersionArn
// of the summary rewritten to the new version. Datasets are not copied.
//
// The source's files are opened through the keys layer and every destination file is sealed anew
// under the destination key with a fresh data key: re-encrypted, not re-wrapped. The files are small
// (kilobytes to a few megabytes, unlike the model, whose data key is re-wrapped), the summary's
// content changes anyway (its ProjectVersionArn), and one path for all six keeps every object
// under a data key of its own, so no two objects, versions or accounts share one.
import type { SealedObjects } from '../keys/sealed-objects.js';
import type { Caller } from '../shared/scope.js';
import type { AssetList, KeyRecord, S3ObjectRef, VersionDetail } from '../../storage/ports.js';
import { outputKey, type OutputKind } from './training/outputs.js';

export interface OutputFile { kind: OutputKind; from: S3ObjectRef; to: S3ObjectRef }

/** The results part of a version's detail, as the source had it when the copy was requested. */
export type ResultsSnapshot = Pick<VersionDetail, 'evaluationResult' | 'manifestSummary' | 'trainingDataResult' | 'testingDataResult' | 'trainingEndMs'>;

export function snapshotResults(d: VersionDetail): ResultsSnapshot {
  return {
    evaluationResult: d.evaluationResult, manifestSummary: d.manifestSummary,
    trainingDataResult: d.trainingDataResult, testingDataResult: d.testingDataResult, trainingEndMs: d.trainingEndMs,
  };
}

function firstAsset(list: AssetList | undefined): S3ObjectRef | undefined {
  return list?.Assets?.[0]?.GroundTruthManifest?.S3Object;
}

/** Plans every file the copy writes, and the results detail the new version will show. */
export function planOutputs(src: ResultsSnapshot, dest: { bucket: string; prefix?: string; projectName: string; versionName: string }) {
  const key = (kind: OutputKind) => outputKey(dest.prefix, kind, dest.projectName, dest.versionName);
  const files: OutputFile[] = [];
  const map = (kind: OutputKind, from: S3ObjectRef | undefined): S3ObjectRef | undefined => {
    if (!from) return undefined;
    const to = { Bucket: dest.bucket, Name: key(kind) };
    files.push({ kind, from, to });
    return to;
  };
  const assets = (ref: S3ObjectRef | undefined): AssetList | undefined => (ref ? { Assets: [{ GroundTruthManifest: { S3Object: ref } }] } : undefined);
  const summary = map('EvaluationResultSummary', src.evaluationResult?.Summary?.S3Object);
  const manifest = map('ManifestSummary', src.manifestSummary?.S3Object);
  const trainOut = map('TrainingGroundTruth', firstAsset(src.trainingDataResult?.Output));
  const trainVal = map('TrainingManifestWithValidation', firstAsset(src.trainingDataResult?.Validation));
  const testOut = map('TestingGroundTruth', firstAsset(src.testingDataResult?.Output));
  const testVal = map('TestingManifestWithValidation', firstAsset(src.testingDataResult?.Validation));
  const detail: ResultsSnapshot = {
    trainingEndMs: src.trainingEndMs,
    evaluationResult: src.evaluationResult ? { F1Score: src.evaluationResult.F1Score, Summary: summary && { S3Object: summary } } : undefined,
    manifestSummary: manifest && { S3Object: manifest },
    trainingDataResult: src.trainingDataResult ? { Output: assets(trainOut), Validation: assets(trainVal) } : undefined,
    testingDataResult: src.testingDataResult ? { Output: assets(testOut), Validation: assets(testVal) } : undefined,
  };
  return { files, detail };
}

export class OutputCopyError extends Error {}

/** Copies the planned files, sealed under `destKey`; idempotent (a resumed copy rewrites the same objects). */
/** `as`: whose rights the destination files are written with (the account copying). */
export async function copyOutputs(sealed: SealedObjects, files: OutputFile[], newVersionArn: string, destKey: KeyRecord, as?: Caller): Promise<void> {
  for (const f of files) {
    let bytes: Buffer | undefined;
    try {
      bytes = await sealed.getAsService(f.from.Bucket, f.from.Name);
    } catch (e) {
      throw new OutputCopyError(`The training output s3://${f.from.Bucket}/${f.from.Name} of the source model version could not be opened: ${(e as Error).message}`);
    }
    if (!bytes) throw new OutputCopyError(`The training output s3://${f.from.Bucket}/${f.from.Name} of the source model version could not be read.`);
    let out: Buffer | string = bytes;
    if (f.kind === 'EvaluationResultSummary') {
      let summary: { EvaluationDetails?: Record<string, unknown> };
      try { summary = JSON.parse(bytes.toString('utf8')); } catch { throw new OutputCopyError(`The evaluation summary s3://${f.from.Bucket}/${f.from.Name} is not valid JSON.`); }
      summary.EvaluationDetails = { ...(summary.EvaluationDetails ?? {}), ProjectVersionArn: newVersionArn };
      out = JSON.stringify(summary);
    }
    await sealed.put(destKey, f.to.Bucket, f.to.Name, out, as);
  }
}
