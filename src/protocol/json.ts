// AWS JSON 1.1 body encoding: timestamps leave as epoch seconds (JSON numbers, ms precision),
// Buffers as base64, absent members are left out rather than written as null.
//
// The text is built in one walk (no intermediate wire copy for JSON.stringify). A value marked by
// frozenWire() can no longer change, so its text is remembered by identity: a handler that hands out
// the same frozen wire object for an unchanged record (DescribeProjects pages stay cached until the
// database changes) pays for its encoding once. Everything else is encoded afresh on every response.
import { ServiceError } from './errors.js';

export const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Values marked by frozenWire(): null until first encoded, then their JSON text. */
const frozenText = new WeakMap<object, string | null>();

/** Deep-freezes a wire value and lets the encoder remember its text. Returns the value. */
export function frozenWire<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value) && !(value instanceof Date) && !frozenText.has(value)) {
    for (const k in value) frozenWire(value[k]);
    Object.freeze(value);
    frozenText.set(value, null);
  }
  return value;
}

// The same text JSON.stringify writes; most strings (ARNs, names, enums) need no escaping.
function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** The JSON text of a value, or undefined for a member to leave out. */
function encode(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string': return quote(value);
    case 'number': return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean': return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return undefined;
      if (value instanceof Date) return String(value.getTime() / 1000);
      if (Buffer.isBuffer(value)) return `"${value.toString('base64')}"`;
      const remembered = frozenText.get(value);
      if (remembered) return remembered;
      const text = Array.isArray(value) ? encodeArray(value) : encodeObject(value as Record<string, unknown>);
      // Number() flattens the string once here, not on every response that reuses it.
      if (remembered === null) { Number(text); frozenText.set(value, text); }
      return text;
    }
    default: return undefined;
  }
}

function encodeArray(value: unknown[]): string {
  let out = '[';
  for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (encode(value[i]) ?? 'null');
  return `${out}]`;
}

function encodeObject(value: Record<string, unknown>): string {
  let out = '';
  for (const k in value) {
    const member = encode(value[k]);
    if (member !== undefined) out += `${out === '' ? '{' : ','}${quote(k)}:${member}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

export function encodeOutput(output: unknown): string {
  return encode(output ?? {}) ?? '{}';
}

export function encodeError(err: ServiceError, requestId: string): string {
  return JSON.stringify({ __type: err.code, Code: err.code, Message: err.message, Logref: requestId });
}

/**
 * The deepest nesting of arrays and objects a request body (or a manifest line) may have: 1000
 * levels, the default of Jackson's StreamReadConstraints that AWS's Java services parse with. The
 * deepest Custom Labels input is 7 levels; the bound keeps every later walk over the value
 * (validation, error messages, re-encoding) far from the stack's limit.
 */
export const MAX_JSON_NESTING = 1000;

/** The nesting depth of a parsed JSON value, counted without recursion; stops once past `max`. */
export function jsonNesting(value: unknown, max = MAX_JSON_NESTING): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    const d = depth + 1;
    if (d > deepest) deepest = d;
    if (deepest > max) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, d]);
    }
  }
  return deepest;
}
