// The embedded key service (KMS-style): keys with a key ID, an ARN and aliases; key material sealed
// at rest with the server master key; data keys for envelope encryption. KmsKeyId is accepted in
// the four forms the AWS CLI names: key ID, key ARN, alias name, alias ARN.
import { AccessDenied, InvalidParameter, ServiceError } from '../../protocol/errors.js';
import type { KeyRecord, KeyStore } from '../../storage/ports.js';
import type { Clock } from '../shared/clock.js';
import type { Ids } from '../shared/ids.js';
import type { Caller, Scope } from '../shared/scope.js';
import { newDataKey, open, seal } from './crypto.js';

export const DEFAULT_ALIAS = 'alias/aws/rekognition';

export type KeyAction = 'kms:GenerateDataKey' | 'kms:Decrypt' | 'kms:DescribeKey' | 'kms:CreateGrant';

/** Decides whether a principal may use a key (key policies); the default lets the owning account in. */
export type KeyPolicyCheck = (key: KeyRecord, caller: Caller, action: KeyAction) => boolean;

export const ownerOnly: KeyPolicyCheck = (key, caller) => key.accountId === caller.accountId;

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const ALIAS_ARN = /^arn:[a-z-]+:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;

export class KeyService {
  constructor(private readonly deps: {
    keys: KeyStore; masterKey: Buffer; clock: Clock; ids: Ids; policyCheck?: KeyPolicyCheck;
  }) {}

  private aad(keyId: string): Buffer { return Buffer.from(`osprey-kms-key:${keyId}`); }

  async createKey(scope: Scope, opts: { description?: string; policy?: string; managed?: boolean; keyId?: string } = {}): Promise<KeyRecord> {
    if (opts.keyId !== undefined && !KEY_ID.test(opts.keyId)) throw InvalidParameter(`Key ID ${opts.keyId} must be a lower-case UUID.`);
    const keyId = opts.keyId ?? this.deps.ids.uuid();
    const record: KeyRecord = {
      keyId, arn: `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`, accountId: scope.accountId, region: scope.region,
      description: opts.description ?? '', managed: opts.managed ?? false, enabled: true,
      sealedMaterial: seal(this.deps.masterKey, newDataKey(), this.aad(keyId)), policy: opts.policy, createdAt: this.deps.clock.now(),
    };
    await this.deps.keys.insert(record);
    return record;
  }

  async createAlias(scope: Scope, aliasName: string, keyIdOrArn: string): Promise<void> {
    if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
      throw InvalidParameter(`Alias ${aliasName} must start with alias/, use letters, digits, /, _ or -, and not start with alias/aws/.`);
    }
    const key = await this.lookup(scope, keyIdOrArn);
    if (!key || key.accountId !== scope.accountId) throw InvalidParameter(`Key ${keyIdOrArn} does not exist in account ${scope.accountId}.`);
    if (!(await this.deps.keys.putAlias(scope, aliasName, key.keyId))) throw InvalidParameter(`Alias ${aliasName} already exists.`);
  }

  /** The AWS-managed key used when no KmsKeyId is given; created on first use. */
  async defaultKey(scope: Scope): Promise<KeyRecord> {
    const existing = await this.deps.keys.resolveAlias(scope, DEFAULT_ALIAS);
    if (existing) return (await this.deps.keys.get(existing))!;
    const key = await this.createKey(scope, { description: 'Default key that protects Rekognition Custom Labels artifacts', managed: true });
    if (!(await this.deps.keys.putAlias(scope, DEFAULT_ALIAS, key.keyId))) {
      // Another request created it first: use theirs.
      return (await this.deps.keys.get((await this.deps.keys.resolveAlias(scope, DEFAULT_ALIAS))!))!;
    }
    return key;
  }

  /** Finds a key by any of the four forms; undefined if there is none. */
  async lookup(scope: Scope, kmsKeyId: string): Promise<KeyRecord | undefined> {
    let m: RegExpExecArray | null;
    if (KEY_ARN.test(kmsKeyId)) return this.byArn(kmsKeyId);
    if ((m = ALIAS_ARN.exec(kmsKeyId))) {
      const id = await this.deps.keys.resolveAlias({ region: m[1], accountId: m[2] }, m[3]);
      return id ? this.deps.keys.get(id) : undefined;
    }
    if (kmsKeyId.startsWith('alias/')) {
      const id = await this.deps.keys.resolveAlias(scope, kmsKeyId);
      return id ? this.deps.keys.get(id) : undefined;
    }
    if (KEY_ID.test(kmsKeyId)) {
      const key = await this.deps.keys.get(kmsKeyId);
      return key && key.accountId === scope.accountId && key.region === scope.region ? key : undefined;
    }
    return undefined;
  }

  /**
   * Resolves a KmsKeyId for a caller who wants to use it for `actions`, or the default key when
   * none is given. Unknown → InvalidParameterException; not usable → AccessDeniedException.
   */
  async resolveForUse(caller: Caller, kmsKeyId: string | undefined, actions: KeyAction[]): Promise<KeyRecord> {
    if (kmsKeyId === undefined) return this.defaultKey(caller);
    const key = await this.lookup(caller, kmsKeyId);
    if (!key) throw InvalidParameter(`The KMS key ${kmsKeyId} does not exist or is not in region ${caller.region}.`);
    if (!key.enabled) throw InvalidParameter(`The KMS key ${key.arn} is disabled.`);
    for (const action of actions) this.assertAllowed(key, caller, action);
    return key;
  }

  private async byArn(keyArn: string): Promise<KeyRecord | undefined> {
    const m = KEY_ARN.exec(keyArn);
    const key = m ? await this.deps.keys.get(m[3]) : undefined;
    return key && key.arn === keyArn ? key : undefined;
  }

  private assertAllowed(key: KeyRecord, caller: Caller, action: KeyAction): void {
    if (!(this.deps.policyCheck ?? ownerOnly)(key, caller, action)) {
      throw AccessDenied(`User: ${caller.principalArn} is not authorized to perform: ${action} on resource: ${key.arn}`);
    }
  }

  /** Management (osprey kms, config file): key policy, enable/disable, listings. */
  async putKeyPolicy(keyId: string, policy: string | undefined): Promise<void> { await this.deps.keys.update(keyId, { policy }); }
  async setEnabled(keyId: string, enabled: boolean): Promise<void> { await this.deps.keys.update(keyId, { enabled }); }
  async listKeys(scope: Scope): Promise<KeyRecord[]> { return this.deps.keys.list(scope); }
  async listAliases(scope: Scope): Promise<{ aliasName: string; keyId: string }[]> { return this.deps.keys.aliases(scope); }

  private material(key: KeyRecord): Buffer { return open(this.deps.masterKey, key.sealedMaterial, this.aad(key.keyId)); }

  /** A fresh data key: the plaintext to use now and the copy wrapped by `key` to keep. */
  generateDataKey(key: KeyRecord): { plaintext: Buffer; wrapped: Buffer } {
    const plaintext = newDataKey();
    return { plaintext, wrapped: seal(this.material(key), plaintext, Buffer.from(key.arn)) };
  }

  async unwrapDataKey(keyArn: string, wrapped: Buffer): Promise<Buffer> {
    const key = await this.byArn(keyArn);
    if (!key) throw new Error(`KMS key ${keyArn} no longer exists`);
    if (!key.enabled) throw new Error(`KMS key ${keyArn} is disabled`);
    return open(this.material(key), wrapped, Buffer.from(key.arn));
  }

  /**
   * Unwraps a data key for a caller reading sealed data (GetObject of a sealed output file): the key
   * policy must let the caller kms:Decrypt. Errors are S3's for SSE-KMS objects: a missing key is
   * KMS.NotFoundException, a disabled one KMS.DisabledException, a refusal AccessDeniedException.
   */
  async unwrapDataKeyFor(caller: Caller, keyArn: string, wrapped: Buffer): Promise<Buffer> {
    const key = await this.byArn(keyArn);
    if (!key) throw new ServiceError('KMS.NotFoundException', `The KMS key ${keyArn} does not exist.`, 400);
    this.assertAllowed(key, caller, 'kms:Decrypt');
    if (!key.enabled) throw new ServiceError('KMS.DisabledException', `The KMS key ${key.arn} is disabled.`, 400);
    return open(this.material(key), wrapped, Buffer.from(key.arn));
  }

  /** Re-wraps a data key under another key without touching the data it protects. */
  async rewrapDataKey(fromKeyArn: string, wrapped: Buffer, to: KeyRecord): Promise<Buffer> {
    const plaintext = await this.unwrapDataKey(fromKeyArn, wrapped);
    return seal(this.material(to), plaintext, Buffer.from(to.arn));
  }
}
