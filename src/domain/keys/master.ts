// The server secret and the KMS master key derived from it, for tools that open a data dir
// directly (osprey kms). Must derive exactly what the composition root derives: configured
// masterKey (base64, 32 bytes) or <dataDir>/master.key, then HKDF-SHA256 with the purpose label.
// test/kms/cli.test.ts holds the two together (a key made by the CLI is usable by the server).
import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadServerSecret(dataDir: string, masterKey?: string): Buffer {
  if (masterKey) {
    const key = Buffer.from(masterKey, 'base64');
    if (key.length !== 32) throw new Error('masterKey must be 32 bytes, base64-encoded');
    return key;
  }
  const file = join(dataDir, 'master.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  return key;
}

export function kmsMasterKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'osprey-kms-master', 32));
}
