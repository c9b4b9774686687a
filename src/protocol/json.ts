// AWS JSON 1.1 body encoding: timestamps leave as epoch seconds (JSON numbers, ms precision),
// Buffers as base64, absent members are left out rather than written as null.
import { ServiceError } from './errors.js';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';

// Hot path (every response): indexed loops and for-in avoid the allocations of map/Object.entries.
function toWire(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value ?? undefined;
  if (value instanceof Date) return value.getTime() / 1000;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = toWire(value[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const k in value) {
    const w = toWire((value as Record<string, unknown>)[k]);
    if (w !== undefined) out[k] = w;
  }
  return out;
}

export function encodeOutput(output: unknown): string {
  return JSON.stringify(toWire(output ?? {}) ?? {});
}

export function encodeError(err: ServiceError, requestId: string): string {
  return JSON.stringify({ __type: err.code, Code: err.code, Message: err.message, Logref: requestId });
}
