// Where the training output files go (spec §9.1): <S3KeyPrefix>/<Kind>-<project>-<version>.json
// in OutputConfig.S3Bucket. Each file is sealed under the version's key (src/domain/keys/
// sealed-objects.ts) and written atomically by the object store.
import type { SealedWriter } from '../../keys/sealed-objects.js';
import type { AssetList, S3ObjectRef } from '../../../storage/ports.js';

export type OutputKind =
  | 'EvaluationResultSummary' | 'ManifestSummary' | 'TrainingGroundTruth' | 'TestingGroundTruth'
  | 'TrainingManifestWithValidation' | 'TestingManifestWithValidation';

export const OUTPUT_KINDS: OutputKind[] = [
  'EvaluationResultSummary', 'ManifestSummary', 'TrainingGroundTruth', 'TestingGroundTruth',
  'TrainingManifestWithValidation', 'TestingManifestWithValidation',
];

/** The prefix is joined with `/` only when non-empty; trailing slashes are dropped to avoid `//`. */
export function outputKey(prefix: string | undefined, kind: OutputKind, project: string, version: string): string {
  const p = (prefix ?? '').replace(/\/+$/, '');
  return `${p ? `${p}/` : ''}${kind}-${project}-${version}.json`;
}

export class Outputs {
  constructor(
    private readonly writer: SealedWriter,
    private readonly target: { bucket: string; prefix?: string; project: string; version: string },
  ) {}

  ref(kind: OutputKind): S3ObjectRef {
    return { Bucket: this.target.bucket, Name: outputKey(this.target.prefix, kind, this.target.project, this.target.version) };
  }

  asset(kind: OutputKind): AssetList {
    return { Assets: [{ GroundTruthManifest: { S3Object: this.ref(kind) } }] };
  }

  async write(kind: OutputKind, body: string | object): Promise<void> {
    const r = this.ref(kind);
    await this.writer(r.Bucket, r.Name, typeof body === 'string' ? body : JSON.stringify(body, null, 1));
  }
}
