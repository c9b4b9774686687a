// `osprey kms …`: manages the embedded key service's keys by opening the server's data dir
// directly (SQLite in WAL mode, so it works while the server runs; the server reads keys from the
// database on every use). Key material is sealed with the same master key the server derives.
// Output is JSON shaped like the AWS CLI's `aws kms` output. See docs/kms.md.
import { readFileSync } from 'node:fs';
import type { KeyRecord } from '../storage/ports.js';

const USAGE = `Usage: osprey kms <command> [options]

Commands:
  create-key      [--description D] [--policy JSON|file://F] [--key-id UUID]
  create-alias    --alias-name alias/NAME --target-key-id KEY
  list-keys
  list-aliases
  describe-key    --key-id KEY            (key ID, key ARN, alias name or alias ARN)
  put-key-policy  --key-id KEY --policy JSON|file://F   (--policy default restores the default)
  get-key-policy  --key-id KEY
  enable-key | disable-key --key-id KEY

Common options:
  --account-id ID   account that owns the key (default: OSPREY_ACCOUNT_ID or 000000000000)
  --region R        (default: the server's region, us-east-1)
  --data-dir DIR    the server's data dir (default: OSPREY_DATA_DIR or ./data)
  --config FILE     the server's config file (for masterKey / dataDir)
`;

class UsageError extends Error {}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument ${a}`);
    const [flag, inline] = a.slice(2).split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${flag} needs a value`);
    out[flag] = value;
  }
  return out;
}

function readPolicy(value: string): string {
  return value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value;
}

function metadata(k: KeyRecord) {
  return {
    AWSAccountId: k.accountId, KeyId: k.keyId, Arn: k.arn, CreationDate: k.createdAt.getTime() / 1000, Enabled: k.enabled,
    Description: k.description, KeyUsage: 'ENCRYPT_DECRYPT', KeyState: k.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS', KeyManager: k.managed ? 'AWS' : 'CUSTOMER', KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  };
}

export async function runKmsCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  let db: { close(): Promise<void> } | undefined;
  try {
    const opts = parseArgs(rest);
    const { loadConfig } = await import('../config.js');
    const { openMetadata } = await import('../storage/metadata.js');
    const { KeyService } = await import('../domain/keys/service.js');
    const { keyPolicyCheck, checkKeyPolicy } = await import('../domain/keys/policy.js');
    const { loadServerSecret, kmsMasterKey } = await import('../domain/keys/master.js');
    const { randomIds } = await import('../domain/shared/ids.js');
    const flags: Record<string, string> = {};
    if (opts['data-dir']) flags.dataDir = opts['data-dir'];
    if (opts.config) flags.config = opts.config;
    const config = loadConfig(flags);
    const scope = { accountId: opts['account-id'] ?? process.env.OSPREY_ACCOUNT_ID ?? '000000000000', region: opts.region ?? config.region };
    if (!/^\d{12}$/.test(scope.accountId)) throw new UsageError('--account-id must be 12 digits');
    const secret = loadServerSecret(config.dataDir, config.masterKey);
    // The server's metadata: SQLite in the data dir, or PostgreSQL with OSPREY_DATABASE_URL / the config file.
    const stores = await openMetadata(config);
    db = stores;
    const store = stores.keys;
    const keys = new KeyService({ keys: store, masterKey: kmsMasterKey(secret), clock: { now: () => new Date() }, ids: randomIds, policyCheck: keyPolicyCheck });
    const need = (name: string) => { const v = opts[name]; if (v === undefined) throw new UsageError(`${command} needs --${name}`); return v; };
    const find = async (id: string): Promise<KeyRecord> => {
      const k = (await keys.lookup(scope, id)) ?? (/^[0-9a-f-]{36}$/.test(id) ? await store.get(id) : undefined);
      if (!k) throw new NotFound(`Key '${id}' does not exist in ${scope.accountId}/${scope.region}`);
      return k;
    };
    const policyText = (v: string) => {
      const text = readPolicy(v);
      try { return checkKeyPolicy(text); } catch (e) { throw new UsageError(`MalformedPolicyDocumentException: ${(e as Error).message}`); }
    };
    let out: unknown;
    switch (command) {
      case 'create-key': {
        const k = await keys.createKey(scope, { description: opts.description, policy: opts.policy && policyText(opts.policy), keyId: opts['key-id'] });
        out = { KeyMetadata: metadata(k) };
        break;
      }
      case 'create-alias': await keys.createAlias(scope, need('alias-name'), need('target-key-id')); break;
      case 'list-keys': out = { Keys: (await keys.listKeys(scope)).map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })) }; break;
      case 'list-aliases':
        out = { Aliases: (await keys.listAliases(scope)).map((a) => ({ AliasName: a.aliasName, AliasArn: `arn:aws:kms:${scope.region}:${scope.accountId}:${a.aliasName}`, TargetKeyId: a.keyId })) };
        break;
      case 'describe-key': out = { KeyMetadata: metadata(await find(need('key-id'))) }; break;
      case 'put-key-policy': {
        const k = await find(need('key-id'));
        const p = need('policy');
        await keys.putKeyPolicy(k.keyId, p === 'default' ? undefined : policyText(p));
        break;
      }
      case 'get-key-policy': {
        const { defaultKeyPolicy } = await import('../domain/keys/policy.js');
        const k = await find(need('key-id'));
        out = { Policy: k.policy ?? defaultKeyPolicy(k.accountId), PolicyName: 'default' };
        break;
      }
      case 'enable-key': case 'disable-key': await keys.setEnabled((await find(need('key-id'))).keyId, command === 'enable-key'); break;
      default: throw new UsageError(`unknown command ${command}`);
    }
    if (out !== undefined) process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`osprey kms: ${e.message}\n\n${USAGE}`); return 2; }
    if (e instanceof NotFound) { process.stderr.write(`osprey kms: NotFoundException: ${e.message}\n`); return 254; }
    const name = (e as { code?: string }).code ?? (e as Error).name;
    process.stderr.write(`osprey kms: ${name}: ${(e as Error).message}\n`);
    return 254;
  } finally {
    await db?.close();
  }
}

class NotFound extends Error {}
