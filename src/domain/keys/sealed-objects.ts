// Envelope encryption of the files Osprey writes into bucket folders (training output files and the
// files a copy writes): each object is sealed with its own AES-256-GCM data key, wrapped by the
// version's KMS key, in one self-describing file, written atomically by the object store:
//
//   osprey-sealed-object v1\n            magic line
//   alg: AES-256-GCM\n
//   key: arn:aws:kms:<region>:<account>:key/<id>\n
//   data-key: <base64 of the wrapped data key>\n
//   \n                                   end of the header
//   nonce (12) | tag (16) | ciphertext  AES-256-GCM, the header bytes as additional data
//
// The header is text so `head -4` says which key protects a file; it is authenticated with the
// ciphertext, so it cannot be swapped. Objects without the magic line are plain (images, manifests
// users drop in, output files of data dirs from before sealing) and are read as they are.
import { createHash } from 'node:crypto';
import type { ObjectFiles } from '../s3/service.js';
import type { KeyRecord } from '../../storage/ports.js';
import type { Caller } from '../shared/scope.js';
import { open, seal } from './crypto.js';
import type { KeyService } from './service.js';

export const SEALED_MAGIC = 'osprey-sealed-object v1\n';
const MAGIC = Buffer.from(SEALED_MAGIC);
const MAX_HEADER = 4096;
const GCM_OVERHEAD = 28; // nonce 12 + tag 16
const KEY_ARN = /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;

export interface SealedHeader {
  keyArn: string;
  wrappedDataKey: Buffer;
  /** Bytes of the header, the additional authenticated data. */
  headerLength: number;
  plaintextLength: number;
}

/** A sealed object's bytes: header + AES-256-GCM(dataKey, plaintext). */
export function sealObject(keyArn: string, wrappedDataKey: Buffer, dataKey: Buffer, plaintext: Buffer): Buffer {
  const header = Buffer.from(`${SEALED_MAGIC}alg: AES-256-GCM\nkey: ${keyArn}\ndata-key: ${wrappedDataKey.toString('base64')}\n\n`);
  return Buffer.concat([header, seal(dataKey, plaintext, header)]);
}

/** The header of a sealed object, or undefined when the bytes are not one (a plain object). */
export function sealedHeader(bytes: Buffer): SealedHeader | undefined {
  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const end = bytes.indexOf('\n\n', MAGIC.length - 1);
  if (end < 0 || end > MAX_HEADER) return undefined;
  const fields = new Map<string, string>();
  for (const line of bytes.toString('utf8', MAGIC.length, end).split('\n')) {
    const colon = line.indexOf(': ');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
  }
  const keyArn = fields.get('key');
  const dataKey = fields.get('data-key');
  if (fields.get('alg') !== 'AES-256-GCM' || !keyArn || !KEY_ARN.test(keyArn) || !dataKey || !/^[A-Za-z0-9+/]+={0,2}$/.test(dataKey)) return undefined;
  const headerLength = end + 2;
  if (bytes.length < headerLength + GCM_OVERHEAD) return undefined;
  return { keyArn, wrappedDataKey: Buffer.from(dataKey, 'base64'), headerLength, plaintextLength: bytes.length - headerLength - GCM_OVERHEAD };
}

/** Opens a sealed object with its unwrapped data key; throws DecryptError if it was tampered with. */
export function openObject(bytes: Buffer, header: SealedHeader, dataKey: Buffer): Buffer {
  return open(dataKey, bytes.subarray(header.headerLength), bytes.subarray(0, header.headerLength));
}

/** Writes one file sealed under a key chosen beforehand. */
export type SealedWriter = (bucket: string, name: string, body: Buffer | string) => Promise<void>;

/** An object as stored: its bytes and, for a sealed one, its header. */
export interface StoredObject { bytes: Buffer; sealed?: SealedHeader }

export function describeStored(bytes: Buffer): StoredObject {
  return { bytes, sealed: sealedHeader(bytes) };
}

/** MD5 of the stored bytes, the ETag the S3 route answers with (S3 ETags of KMS-encrypted objects are not plaintext MD5s either). */
export function storedEtag(bytes: Buffer): string {
  return `"${createHash('md5').update(bytes).digest('hex')}"`;
}

/**
 * Writes and reads sealed objects. Two kinds of readers: the service itself (a copy reading the
 * source's files: like the model's data key, it is opened under the grant the version's owner gave
 * at training time, without a policy check), and callers (GetObject, a manifest named in a request),
 * who must be allowed kms:Decrypt by the key's policy.
 */
export class SealedObjects {
  constructor(private readonly keys: KeyService, private readonly objects: ObjectFiles) {}

  /** Seals `body` with a fresh data key wrapped by `key` and writes it atomically. */
  async put(key: KeyRecord, bucket: string, name: string, body: Buffer | string, as?: Caller): Promise<void> {
    const dataKey = this.keys.generateDataKey(key);
    const contentType = name.endsWith('.json') || name.endsWith('.manifest') ? 'application/json' : 'binary/octet-stream';
    await this.objects.put(bucket, name, sealObject(key.arn, dataKey.wrapped, dataKey.plaintext, Buffer.from(body)), { contentType, sseKeyArn: key.arn }, as);
  }

  /**
   * A writer that seals every file under the version's key: `kmsKeyId`, or the owner's
   * alias/aws/rekognition when absent (resolved once, as for the model: the owner must be allowed
   * kms:GenerateDataKey and kms:Decrypt).
   */
  async writerFor(owner: Caller, kmsKeyId: string | undefined): Promise<SealedWriter> {
    const key = await this.keys.resolveForUse(owner, kmsKeyId, ['kms:GenerateDataKey', 'kms:Decrypt']);
    return (bucket, name, body) => this.put(key, bucket, name, body, owner);
  }

  /** The stored object, unopened (undefined when missing or, as `as`, not readable). */
  async stored(bucket: string, name: string, as?: Caller): Promise<StoredObject | undefined> {
    const bytes = await this.objects.get(bucket, name, as);
    return bytes === undefined ? undefined : describeStored(bytes);
  }

  /** Plaintext of a stored object for the service itself (no policy check); undefined when missing. */
  async getAsService(bucket: string, name: string): Promise<Buffer | undefined> {
    const o = await this.stored(bucket, name);
    if (!o?.sealed) return o?.bytes;
    return openObject(o.bytes, o.sealed, await this.keys.unwrapDataKey(o.sealed.keyArn, o.sealed.wrappedDataKey));
  }

  /** Plaintext for a caller: sealed objects need kms:Decrypt on their key (AccessDeniedException otherwise). */
  async openFor(caller: Caller, o: StoredObject): Promise<Buffer> {
    if (!o.sealed) return o.bytes;
    return openObject(o.bytes, o.sealed, await this.keys.unwrapDataKeyFor(caller, o.sealed.keyArn, o.sealed.wrappedDataKey));
  }

  /** Plaintext for a caller; undefined when missing. */
  async getAs(caller: Caller, bucket: string, name: string): Promise<Buffer | undefined> {
    const o = await this.stored(bucket, name, caller);
    return o === undefined ? undefined : this.openFor(caller, o);
  }
}
