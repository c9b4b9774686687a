// Keys declared in the config file (`keys: [...]`, see docs/kms.md), applied at start-up.
// Idempotent: a key is identified by its keyId, so restarting with the same file changes nothing;
// a changed policy or a new alias is applied, an alias that points at another key is an error.
import type { KeyService } from './service.js';
import { checkKeyPolicy } from './policy.js';

export interface ConfiguredKey {
  keyId: string;
  accountId: string;
  region?: string;
  description?: string;
  aliases?: string[];
  /** Key policy as an object or JSON text; absent = default (owning account only). */
  policy?: unknown;
  enabled?: boolean;
}

export class KeyConfigError extends Error {}

function asKey(raw: unknown, i: number): ConfiguredKey {
  const k = raw as Partial<ConfiguredKey> | null;
  if (!k || typeof k !== 'object') throw new KeyConfigError(`keys[${i}] must be an object`);
  if (typeof k.keyId !== 'string') throw new KeyConfigError(`keys[${i}].keyId is required (a UUID)`);
  if (typeof k.accountId !== 'string' || !/^\d{12}$/.test(k.accountId)) throw new KeyConfigError(`keys[${i}].accountId must be 12 digits`);
  if (k.aliases !== undefined && (!Array.isArray(k.aliases) || k.aliases.some((a) => typeof a !== 'string'))) throw new KeyConfigError(`keys[${i}].aliases must be a list of strings`);
  return k as ConfiguredKey;
}

export async function applyConfiguredKeys(keys: KeyService, list: unknown[], defaultRegion: string): Promise<void> {
  for (const [i, raw] of list.entries()) {
    const k = asKey(raw, i);
    const scope = { accountId: k.accountId, region: k.region ?? defaultRegion };
    let policy: string | undefined;
    try {
      policy = k.policy === undefined ? undefined : checkKeyPolicy(typeof k.policy === 'string' ? k.policy : JSON.stringify(k.policy));
    } catch (e) {
      throw new KeyConfigError(`keys[${i}].policy is invalid: ${(e as Error).message}`);
    }
    const existing = await keys.lookup(scope, k.keyId);
    if (!existing) await keys.createKey(scope, { keyId: k.keyId, description: k.description, policy });
    else if (existing.policy !== policy) await keys.putKeyPolicy(k.keyId, policy);
    if (k.enabled !== undefined) await keys.setEnabled(k.keyId, k.enabled);
    for (const alias of k.aliases ?? []) {
      const target = await keys.lookup(scope, alias);
      if (target?.keyId === k.keyId) continue;
      if (target) throw new KeyConfigError(`keys[${i}]: alias ${alias} already points at key ${target.keyId}`);
      await keys.createAlias(scope, alias, k.keyId);
    }
  }
}
