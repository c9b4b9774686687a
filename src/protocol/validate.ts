// Validates a decoded JSON input against its shape in the operation table, the way AWS JSON
// services report it: type mismatches are SerializationException, constraint breaks are one
// ValidationException listing every violation ("2 validation errors detected: …").
// Blobs arrive as base64 strings and leave as Buffers; unknown members and nulls are dropped.
import { shape as getShape, type Shape } from '../api/index.js';
import { Serialization, Validation } from './errors.js';

const patternCache = new Map<string, RegExp>();
// Model patterns are whole-value matches (as the service's Java validators apply them), so anchor them.
function compile(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    const anchored = `^(?:${pattern})$`;
    try { re = new RegExp(anchored, 'u'); } catch { re = new RegExp(anchored); }
    patternCache.set(pattern, re);
  }
  return re;
}

// Checked without a repeated group: a backtracking pattern overflows the stack on multi-MB images.
function isBase64(value: string): boolean {
  return value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value);
}

function lowerFirst(s: string): string { return s.charAt(0).toLowerCase() + s.slice(1); }

/** Rendering of an offending value is bounded: nesting below SHOW_DEPTH is elided, the text cut at SHOW_CHARS. */
const SHOW_DEPTH = 8;
const SHOW_CHARS = 512;

/**
 * The offending value as a message shows it: strings bare (cut at 128 characters), lists as
 * [a, b], maps and structures as JSON. Bounded in depth and length whatever the value.
 */
function show(value: unknown): string {
  let text = '';
  const put = (s: string) => { text += s; };
  const walk = (v: unknown, depth: number, json: boolean): void => {
    if (Buffer.isBuffer(v)) return put('java.nio.HeapByteBuffer');
    if (typeof v === 'string') {
      const cut = v.length > 128 ? `${v.slice(0, 128)}…` : v;
      return put(json ? JSON.stringify(cut) : cut);
    }
    if (typeof v !== 'object' || v === null) return put(String(v));
    const list = Array.isArray(v);
    const entries: [string | undefined, unknown][] = list ? v.map((x) => [undefined, x]) : Object.entries(v);
    if (depth >= SHOW_DEPTH && entries.length > 0) return put(list ? '[…]' : '{…}');
    put(list ? '[' : '{');
    for (const [i, [k, x]] of entries.entries()) {
      if (text.length > SHOW_CHARS) break;
      if (i > 0) put(list && !json ? ', ' : ',');
      if (k !== undefined) put(`${JSON.stringify(k)}:`);
      walk(x, depth + 1, json || !list);
    }
    put(list ? ']' : '}');
  };
  walk(value, 0, false);
  return text.length > SHOW_CHARS ? `${text.slice(0, SHOW_CHARS)}…` : text;
}

class Walker {
  readonly violations: string[] = [];

  violate(value: unknown, path: string, constraint: string): void {
    const shown = value === null || value === undefined ? 'null' : `'${show(value)}'`;
    this.violations.push(`Value ${shown} at '${path}' failed to satisfy constraint: ${constraint}`);
  }

  walk(value: unknown, shapeName: string, path: string): unknown {
    const s = getShape(shapeName);
    switch (s.type) {
      case 'structure': return this.structure(value, s, path);
      case 'list': return this.list(value, s, path);
      case 'map': return this.map(value, s, path);
      case 'string': return this.string(value, s, path);
      case 'integer': case 'long': return this.number(value, s, path, true);
      case 'float': case 'double': return this.number(value, s, path, false);
      case 'boolean':
        if (typeof value !== 'boolean') throw Serialization(`Expected a boolean at '${path}'`);
        return value;
      case 'blob': return this.blob(value, s, path);
      case 'timestamp':
        if (typeof value !== 'number') throw Serialization(`Expected a timestamp (epoch seconds) at '${path}'`);
        return new Date(value * 1000);
    }
  }

  structure(value: unknown, s: Shape, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw Serialization(`Expected a structure at '${path || 'request'}'`);
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(s.members ?? {})) {
      const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
      const v = input[name];
      if (v === undefined || v === null) {
        if (s.required?.includes(name)) this.violate(null, memberPath, 'Member must not be null');
        continue;
      }
      out[name] = this.walk(v, ref.shape, memberPath);
    }
    return out;
  }

  list(value: unknown, s: Shape, path: string): unknown[] {
    if (!Array.isArray(value)) throw Serialization(`Expected a list at '${path}'`);
    this.size(value, value.length, s, path, 'length');
    return value.map((v, i) => this.walk(v, s.member!.shape, `${path}.${i + 1}.member`));
  }

  map(value: unknown, s: Shape, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw Serialization(`Expected a map at '${path}'`);
    const entries = Object.entries(value as Record<string, unknown>);
    this.size(value, entries.length, s, path, 'length');
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      this.string(k, getShape(s.key!.shape), `${path}.key`);
      if (v === null) { this.violate(null, `${path}.${k}.value`, 'Member must not be null'); continue; }
      out[k] = this.walk(v, s.value!.shape, `${path}.${k}.value`);
    }
    return out;
  }

  string(value: unknown, s: Shape, path: string): string {
    if (typeof value !== 'string') throw Serialization(`Expected a string at '${path}'`);
    this.size(value, [...value].length, s, path, 'length');
    if (s.enum && !s.enum.includes(value)) this.violate(value, path, `Member must satisfy enum value set: [${s.enum.join(', ')}]`);
    if (s.pattern && !compile(s.pattern).test(value)) this.violate(value, path, `Member must satisfy regular expression pattern: ${s.pattern}`);
    return value;
  }

  number(value: unknown, s: Shape, path: string, integer: boolean): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw Serialization(`Expected ${integer ? 'an integer' : 'a number'} at '${path}'`);
    }
    if (s.min !== undefined && value < s.min) this.violate(value, path, `Member must have value greater than or equal to ${s.min}`);
    if (s.max !== undefined && value > s.max) this.violate(value, path, `Member must have value less than or equal to ${s.max}`);
    return value;
  }

  blob(value: unknown, s: Shape, path: string): Buffer {
    if (typeof value !== 'string') throw Serialization(`Expected base64-encoded binary data at '${path}'`);
    const bytes = Buffer.from(value, 'base64');
    // Canonical base64 re-encodes to itself (one native pass over a multi-MB image); only other
    // strings pay for the pattern, which also accepts non-zero padding bits.
    if (bytes.toString('base64') !== value && !isBase64(value)) throw Serialization(`Expected base64-encoded binary data at '${path}'`);
    this.size(bytes, bytes.length, s, path, 'length');
    return bytes;
  }

  size(value: unknown, n: number, s: Shape, path: string, what: 'length'): void {
    if (s.min !== undefined && n < s.min) this.violate(value, path, `Member must have ${what} greater than or equal to ${s.min}`);
    if (s.max !== undefined && n > s.max) this.violate(value, path, `Member must have ${what} less than or equal to ${s.max}`);
  }
}

/** Returns the input with blobs decoded, or throws SerializationException / ValidationException. */
export function validateInput(shapeName: string, value: unknown): Record<string, unknown> {
  const walker = new Walker();
  const out = walker.structure(value, getShape(shapeName), '');
  const n = walker.violations.length;
  if (n > 0) {
    throw Validation(`${n} validation error${n > 1 ? 's' : ''} detected: ${walker.violations.join('; ')}`);
  }
  return out;
}
