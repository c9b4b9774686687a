// Envelope encryption of model artifacts: each model is sealed with its own AES-256-GCM data key,
// the data key is wrapped by a KMS key, and the sealed bytes become an immutable content-addressed
// blob. A copy under another key re-wraps the data key and shares the blob.
import type { BlobStore } from '../../storage/ports.js';
import type { VersionRecord } from '../../storage/ports.js';
import type { Caller } from '../shared/scope.js';
import { open, seal } from './crypto.js';
import type { KeyService } from './service.js';

export interface ModelEncryption { keyArn: string; wrappedDataKey: string }

export interface ModelVault {
  seal(owner: Caller, bytes: Buffer, kmsKeyId?: string): Promise<{ sha256: string; encryption: ModelEncryption }>;
  open(v: VersionRecord): Promise<Buffer>;
  /** As open, for a caller taking the model out (ExportProjectVersion): the key policy must allow them kms:Decrypt. */
  openFor(caller: Caller, v: VersionRecord): Promise<Buffer>;
}

const AAD = Buffer.from('osprey-model-v1');

export class KmsModelVault implements ModelVault {
  constructor(private readonly keys: KeyService, private readonly blobs: BlobStore) {}

  async seal(owner: Caller, bytes: Buffer, kmsKeyId?: string) {
    const key = await this.keys.resolveForUse(owner, kmsKeyId, ['kms:GenerateDataKey', 'kms:Decrypt']);
    const dataKey = this.keys.generateDataKey(key);
    const sha256 = await this.blobs.put(seal(dataKey.plaintext, bytes, AAD));
    return { sha256, encryption: { keyArn: key.arn, wrappedDataKey: dataKey.wrapped.toString('base64') } };
  }

  async open(v: VersionRecord): Promise<Buffer> {
    const enc = v.detail.modelEncryption;
    if (!v.modelSha256 || !enc) throw new Error(`model version ${v.arn} has no model`);
    const dataKey = await this.keys.unwrapDataKey(enc.keyArn, Buffer.from(enc.wrappedDataKey, 'base64'));
    return open(dataKey, await this.blobs.get(v.modelSha256), AAD);
  }

  async openFor(caller: Caller, v: VersionRecord): Promise<Buffer> {
    const enc = v.detail.modelEncryption;
    if (!v.modelSha256 || !enc) throw new Error(`model version ${v.arn} has no model`);
    const dataKey = await this.keys.unwrapDataKeyFor(caller, enc.keyArn, Buffer.from(enc.wrappedDataKey, 'base64'));
    return open(dataKey, await this.blobs.get(v.modelSha256), AAD);
  }
}
