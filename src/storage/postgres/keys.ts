// KMS keys and aliases in PostgreSQL; the alias primary key keeps alias names unique per scope.
import type { Scope } from '../../domain/shared/scope.js';
import type { KeyRecord, KeyStore } from '../ports.js';
import type { Pool } from './database.js';

interface Row { key_id: string; arn: string; account_id: string; region: string; description: string; managed: boolean; enabled: boolean; sealed_material: Buffer; policy: string | null; created_ms: number }

const toRecord = (r: Row): KeyRecord => ({
  keyId: r.key_id, arn: r.arn, accountId: r.account_id, region: r.region, description: r.description, managed: r.managed,
  enabled: r.enabled, sealedMaterial: r.sealed_material, policy: r.policy ?? undefined, createdAt: new Date(r.created_ms),
});

export class PgKeyStore implements KeyStore {
  constructor(private readonly pool: Pool) {}

  async insert(k: KeyRecord) {
    await this.pool.query(`INSERT INTO kms_keys (key_id, arn, account_id, region, description, managed, enabled, sealed_material, policy, created_ms)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [k.keyId, k.arn, k.accountId, k.region, k.description, k.managed, k.enabled, k.sealedMaterial, k.policy ?? null, k.createdAt.getTime()]);
  }

  async get(keyId: string) {
    const r = (await this.pool.query<Row>('SELECT * FROM kms_keys WHERE key_id = $1', [keyId])).rows[0];
    return r && toRecord(r);
  }

  async list(scope: Scope) {
    return (await this.pool.query<Row>('SELECT * FROM kms_keys WHERE account_id = $1 AND region = $2 ORDER BY created_ms', [scope.accountId, scope.region])).rows.map(toRecord);
  }

  async update(keyId: string, patch: Partial<Pick<KeyRecord, 'enabled' | 'policy' | 'description'>>) {
    // One statement: a field left out of the patch keeps its current value.
    await this.pool.query(`UPDATE kms_keys SET enabled = CASE WHEN $2 THEN $3 ELSE enabled END, policy = CASE WHEN $4 THEN $5 ELSE policy END,
      description = CASE WHEN $6 THEN $7 ELSE description END WHERE key_id = $1`,
    [keyId, 'enabled' in patch, patch.enabled ?? false, 'policy' in patch, patch.policy ?? null, 'description' in patch, patch.description ?? '']);
  }

  async putAlias(scope: Scope, aliasName: string, keyId: string) {
    return (await this.pool.query('INSERT INTO kms_aliases (account_id, region, alias_name, key_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [scope.accountId, scope.region, aliasName, keyId])).rowCount === 1;
  }

  async resolveAlias(scope: Scope, aliasName: string) {
    return (await this.pool.query<{ key_id: string }>('SELECT key_id FROM kms_aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3',
      [scope.accountId, scope.region, aliasName])).rows[0]?.key_id;
  }

  async aliases(scope: Scope) {
    return (await this.pool.query<{ alias_name: string; key_id: string }>(`SELECT alias_name, key_id FROM kms_aliases WHERE account_id = $1 AND region = $2
      ORDER BY alias_name COLLATE "C"`, [scope.accountId, scope.region])).rows.map((r) => ({ aliasName: r.alias_name, keyId: r.key_id }));
  }

  async deleteAlias(scope: Scope, aliasName: string) {
    await this.pool.query('DELETE FROM kms_aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3', [scope.accountId, scope.region, aliasName]);
  }
}
