// Metadata of objects that arrive without an HTTP request (files of legacy bucket folders): a
// content type from the name, and the key of a sealed output file (SSE-KMS) from its header.
import type { ObjectMeta } from '../../storage/ports.js';
import { SEALED_MAGIC } from '../keys/sealed-objects.js';

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json', manifest: 'application/json', jsonl: 'application/json',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', txt: 'text/plain',
};

export function contentTypeFor(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()] ?? 'binary/octet-stream';
}

export function objectMetaFor(key: string, head: Buffer): ObjectMeta {
  const text = head.toString('latin1');
  const keyArn = text.startsWith(SEALED_MAGIC) ? /\nkey: (arn:[^\n]+)\n/.exec(text)?.[1] : undefined;
  return { contentType: contentTypeFor(key), ...(keyArn ? { sseKeyArn: keyArn } : {}) };
}
