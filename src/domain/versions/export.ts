// ExportProjectVersion (an Osprey extension, docs/export.md): hands a trained model version to its owner as a
// standard TensorFlow.js model. The caller must own the version (identity policies: an explicit
// rekognition:ExportProjectVersion, see api/extensions.ts) and be allowed kms:Decrypt on the model's key.
import { AccessDenied, InvalidParameter, ResourceNotReady, ServiceError } from '../../protocol/errors.js';
import type { ModelVault } from '../keys/vault.js';
import type { Caller } from '../shared/scope.js';
import { COPYABLE } from './lifecycle.js';
import type { VersionService } from './service.js';

export interface ExportedModel { format: 'tfjs-layers-model'; files: { path: string; bytes: Buffer }[] }

export class ExportService {
  constructor(private readonly deps: { versions: VersionService; vault: ModelVault }) {}

  /**
   * Errors: InvalidParameterException (not a version ARN), AccessDeniedException (another account's version, or no
   * kms:Decrypt on its key, or the key is disabled/gone), ResourceNotFoundException, ResourceNotReadyException
   * (no trained model: training or copying in progress or failed, deleting).
   */
  async export(caller: Caller, arn: string): Promise<ExportedModel> {
    const v = await this.deps.versions.get(caller, arn, 'ExportProjectVersion');
    if (!COPYABLE.includes(v.status) || !v.modelSha256) {
      throw ResourceNotReady(`The model version ${arn} has no trained model to export (status ${v.status}).`);
    }
    let model: Buffer;
    try {
      model = await this.deps.vault.openFor(caller, v);
    } catch (e) {
      if (e instanceof ServiceError && e.code.startsWith('KMS.')) throw AccessDenied(e.message);
      throw e;
    }
    const { exportTfjsModel, ExportError } = await import('../../ml/export.js');
    try {
      return { format: 'tfjs-layers-model', files: await exportTfjsModel(model, v.arn) };
    } catch (e) {
      if (e instanceof ExportError) throw InvalidParameter(`The model version ${arn} cannot be exported: ${e.message}`);
      throw e;
    }
  }
}
