// The server secret (configured masterKey, base64 32 bytes, or <dataDir>/master.key generated once)
// and the keys derived from it by purpose. Shared by the composition root and by tools that open a
// data dir directly (osprey kms), so both always derive the same keys.
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

/** A 32-byte key for one purpose (HKDF-SHA256), so no two uses share key material. */
export function subkey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), purpose, 32));
}

export function kmsMasterKey(secret: Buffer): Buffer {
  return subkey(secret, 'osprey-kms-master');
}
