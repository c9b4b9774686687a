// AWS JSON 1.1 body encoding: timestamps leave as epoch seconds (JSON numbers, ms precision),
// Buffers as base64, absent members are left out rather than written as null.
import { ServiceError } from './errors.js';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';

function toWire(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Date) return Math.round(value.getTime()) / 1000;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(toWire);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const w = toWire(v);
      if (w !== undefined) out[k] = w;
    }
    return out;
  }
  return value;
}

export function encodeOutput(output: unknown): string {
  return JSON.stringify(toWire(output ?? {}) ?? {});
}

export function encodeError(err: ServiceError, requestId: string): string {
  return JSON.stringify({ __type: err.code, Code: err.code, Message: err.message, Logref: requestId });
}
