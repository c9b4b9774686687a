import type { Scope } from '../../domain/shared/scope.js';
import type { KeyRecord, KeyStore } from '../ports.js';
import { statement, type Db } from './database.js';

interface Row { key_id: string; arn: string; account_id: string; region: string; description: string; managed: number; enabled: number; sealed_material: Buffer; policy: string | null; created_ms: number }

const toRecord = (r: Row): KeyRecord => ({
  keyId: r.key_id, arn: r.arn, accountId: r.account_id, region: r.region, description: r.description, managed: r.managed === 1,
  enabled: r.enabled === 1, sealedMaterial: r.sealed_material, policy: r.policy ?? undefined, createdAt: new Date(r.created_ms),
});

export class SqliteKeyStore implements KeyStore {
  constructor(private readonly db: Db) {}

  async insert(k: KeyRecord) {
    statement(this.db, `INSERT INTO kms_keys (key_id, arn, account_id, region, description, managed, enabled, sealed_material, policy, created_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(k.keyId, k.arn, k.accountId, k.region, k.description, k.managed ? 1 : 0, k.enabled ? 1 : 0,
      k.sealedMaterial, k.policy ?? null, k.createdAt.getTime());
  }

  async get(keyId: string) {
    const r = statement(this.db, 'SELECT * FROM kms_keys WHERE key_id = ?').get(keyId) as Row | undefined;
    return r && toRecord(r);
  }

  async list(scope: Scope) {
    return (statement(this.db, 'SELECT * FROM kms_keys WHERE account_id = ? AND region = ? ORDER BY created_ms').all(scope.accountId, scope.region) as Row[]).map(toRecord);
  }

  async update(keyId: string, patch: Partial<Pick<KeyRecord, 'enabled' | 'policy' | 'description'>>) {
    const k = await this.get(keyId);
    if (!k) return;
    const next = { ...k, ...patch };
    statement(this.db, 'UPDATE kms_keys SET enabled = ?, policy = ?, description = ? WHERE key_id = ?')
      .run(next.enabled ? 1 : 0, next.policy ?? null, next.description, keyId);
  }

  async putAlias(scope: Scope, aliasName: string, keyId: string) {
    return statement(this.db, 'INSERT INTO kms_aliases (account_id, region, alias_name, key_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      .run(scope.accountId, scope.region, aliasName, keyId).changes === 1;
  }

  async resolveAlias(scope: Scope, aliasName: string) {
    return statement(this.db, 'SELECT key_id FROM kms_aliases WHERE account_id = ? AND region = ? AND alias_name = ?').pluck()
      .get(scope.accountId, scope.region, aliasName) as string | undefined;
  }

  async aliases(scope: Scope) {
    return (statement(this.db, 'SELECT alias_name, key_id FROM kms_aliases WHERE account_id = ? AND region = ? ORDER BY alias_name')
      .all(scope.accountId, scope.region) as { alias_name: string; key_id: string }[]).map((r) => ({ aliasName: r.alias_name, keyId: r.key_id }));
  }

  async deleteAlias(scope: Scope, aliasName: string) {
    statement(this.db, 'DELETE FROM kms_aliases WHERE account_id = ? AND region = ? AND alias_name = ?').run(scope.accountId, scope.region, aliasName);
  }
}
