// From option values to the operation's input: paramfiles (`file://`, `fileb://`), JSON or
// shorthand, the model pass that fixes scalar types, `--cli-input-json/yaml`, and blobs under
// `--cli-binary-format`.
import { readFileSync } from 'node:fs';
import { shape, type Shape } from '../api/index.js';
import type { CommandSpec, OptSpec } from './commands.js';
import { GeneralError, ParamError, type Era } from './errors.js';
import { parsePyJson, PyJsonError, PyFloat, type PyValue } from './pyjson.js';
import { parseShorthand, ParamFileError, osErrorText, type SH } from './shorthand.js';
import { parsePyInt, parsePyFloat } from './argv.js';

export type Input = Record<string, unknown>;

export interface ParamContext { era: Era; binaryFormat: 'base64' | 'raw-in-base64-out' }

/** `file://` → text, `fileb://` → bytes, anything else unchanged. */
export function loadParamFile(value: string, flag: string): string | Uint8Array {
  const m = /^(fileb?):\/\/(.*)$/s.exec(value);
  if (!m) return value;
  try {
    const buf = readFileSync(m[2]);
    return m[1] === 'fileb' ? new Uint8Array(buf) : buf.toString('utf8');
  } catch (e) {
    throw new ParamError(`Error parsing parameter '${flag}': Unable to load paramfile ${value}: ${osErrorText(e, m[2])}`);
  }
}

function intOrThrow(v: string): number {
  const n = parsePyInt(v);
  if (n === undefined) throw new GeneralError(`invalid literal for int() with base 10: ${pyQ(v)}`);
  return n;
}

function pyQ(s: string): string { return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s}'`; }

/** The model pass after shorthand: lists from scalars, numbers and booleans from strings. */
export function fixTypes(value: unknown, s: Shape): unknown {
  switch (s.type) {
    case 'structure': {
      if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return value;
      const o = value as Record<string, unknown>;
      for (const [m, ref] of Object.entries(s.members ?? {})) if (Object.prototype.hasOwnProperty.call(o, m)) o[m] = fixTypes(o[m], shape(ref.shape));
      return o;
    }
    case 'list': {
      const arr = Array.isArray(value) ? value : [value];
      return arr.map((x) => fixTypes(x, shape(s.member!.shape)));
    }
    case 'map': {
      if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
      const o = value as Record<string, unknown>;
      for (const k of Object.keys(o)) o[k] = fixTypes(o[k], shape(s.value!.shape));
      return o;
    }
    case 'integer': case 'long':
      return typeof value === 'string' ? intOrThrow(value) : value;
    case 'float': case 'double': {
      if (typeof value !== 'string') return value;
      const f = parsePyFloat(value);
      if (f === undefined) throw new GeneralError(`could not convert string to float: ${pyQ(value)}`);
      return Number.isInteger(f) ? new PyFloat(f) : f;
    }
    case 'boolean':
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      return value;
    default:
      return value;
  }
}

function parseJsonParam(text: string, flag: string): PyValue {
  try {
    return parsePyJson(text);
  } catch (e) {
    if (e instanceof PyJsonError) throw new ParamError(`Error parsing parameter '${flag}': Invalid JSON: ${e.message}\nJSON received: ${text}`);
    throw e;
  }
}

function complexValue(opt: OptSpec, raw: string | string[], ctx: ParamContext): unknown {
  const s = shape(opt.shapeName!);
  const parseOne = (text: string | Uint8Array, target: Shape): unknown => {
    if (text instanceof Uint8Array) text = Buffer.from(text).toString('utf8');
    if (/^\s*[[{]/.test(text)) return parseJsonParam(text, opt.flag);
    let parsed: Record<string, SH>;
    try {
      parsed = parseShorthand(text, { era: ctx.era, allowAtEquals: true });
    } catch (e) {
      if (e instanceof ParamFileError) throw new GeneralError(e.message);
      throw new ParamError(`Error parsing parameter '${opt.flag}': ${(e as Error).message}`);
    }
    return fixTypes(parsed, target);
  };
  if (Array.isArray(raw)) {
    // lists of structures: one shorthand value per word, or a JSON list in the first word
    const member = shape(s.member!.shape);
    if (raw.length === 1) {
      const v = loadParamFile(raw[0], opt.flag);
      const t = typeof v === 'string' ? v : Buffer.from(v).toString('utf8');
      if (/^\s*\[/.test(t)) return parseJsonParam(t, opt.flag);
      return [parseOne(t, member)];
    }
    if (/^\s*\[/.test(raw[0])) return parseJsonParam(raw[0], opt.flag);
    return raw.map((r) => parseOne(r, member));
  }
  return parseOne(loadParamFile(raw, opt.flag), s);
}

function scalarValue(opt: OptSpec, raw: string | string[] | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  if (Array.isArray(raw)) {
    const member = shape(shape(opt.shapeName!).member!.shape);
    return raw.map((r) => {
      const v = loadParamFile(r, opt.flag);
      if (typeof v !== 'string') return v;
      if (member.type === 'integer' || member.type === 'long') return intOrThrow(v);
      if (member.type === 'float' || member.type === 'double') return parsePyFloat(v);
      return v;
    });
  }
  const v = loadParamFile(raw, opt.flag);
  if (typeof v !== 'string') return v;
  switch (opt.kind) {
    case 'integer': return intOrThrow(v);
    case 'float': { const f = parsePyFloat(v)!; return Number.isInteger(f) ? new PyFloat(f) : f; }
    default: return v;
  }
}

/** Option values (in option order) as the operation's input members. */
export function buildInput(cmd: CommandSpec, values: Map<OptSpec, string | string[] | boolean>, ctx: ParamContext): Input {
  const input: Input = {};
  for (const opt of cmd.options) {
    if (!values.has(opt) || !opt.member) continue;
    const raw = values.get(opt)!;
    if (opt.member.includes('.')) continue; // merged below
    input[opt.member] = opt.kind === 'complex' ? complexValue(opt, raw as string | string[], ctx) : scalarValue(opt, raw);
  }
  for (const opt of cmd.options) {
    if (!values.has(opt) || !opt.member?.includes('.')) continue;
    const [outer, inner] = opt.member.split('.');
    const v = loadParamFile(values.get(opt) as string, opt.flag);
    const cur = input[outer];
    const target = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur as Record<string, unknown> : {};
    target[inner] = v;
    input[outer] = target;
  }
  return input;
}

/** `--cli-input-json` / `--cli-input-yaml`: the document, with command-line members on top. */
export async function mergeCliInput(input: Input, json: string | undefined, yaml: string | undefined): Promise<Input> {
  if (json === undefined && yaml === undefined) return input;
  if (json !== undefined && yaml !== undefined) throw new ParamError('Only one --cli-input- parameter may be specified.');
  let doc: unknown;
  if (json !== undefined) {
    const flag = 'cli-input-json';
    const text = loadParamFile(json, `--${flag}`);
    try {
      doc = parsePyJson(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
    } catch {
      throw new ParamError(`Error parsing parameter '${flag}': Invalid JSON received.`);
    }
  } else {
    const text = loadParamFile(yaml!, '--cli-input-yaml');
    const { parse } = await import('yaml');
    try {
      doc = parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'), { intAsBigInt: false });
    } catch {
      throw new ParamError(`Error parsing parameter 'cli-input-yaml': Invalid YAML received.`);
    }
    doc = boxYamlFloats(doc);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ParamError(`Invalid type for parameter input, value: ${String(doc)}, type: <class '${Array.isArray(doc) ? 'list' : typeof doc}'>, valid types: <class 'dict'>`);
  }
  return { ...(doc as Input), ...input };
}

function boxYamlFloats(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(boxYamlFloats);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = boxYamlFloats((v as Record<string, unknown>)[k]);
  }
  return v;
}

/** Python's lenient base64 decoding: characters outside the alphabet are dropped, padding is checked. */
export function pyB64Decode(s: string): Uint8Array | undefined {
  const clean = s.replace(/[^A-Za-z0-9+/=]/g, '');
  const firstPad = clean.indexOf('=');
  const data = firstPad < 0 ? clean : clean.slice(0, firstPad);
  const pads = firstPad < 0 ? 0 : clean.slice(firstPad).replace(/[^=]/g, '').length;
  const r = data.length % 4;
  if (r === 1 || (r === 2 && pads < 2) || (r === 3 && pads < 1)) return undefined;
  return new Uint8Array(Buffer.from(data, 'base64'));
}

/** Blob members given as strings: base64-decoded (v2 default) or taken as UTF-8 bytes. */
export function applyBinaryFormat(value: unknown, s: Shape, ctx: ParamContext): unknown {
  if (s.type === 'blob') {
    if (typeof value !== 'string') return value;
    if (ctx.binaryFormat === 'raw-in-base64-out') return new Uint8Array(Buffer.from(value, 'utf8'));
    const b = pyB64Decode(value);
    if (!b) throw new GeneralError(`Invalid base64: ${JSON.stringify(value)}`);
    return b;
  }
  if (s.type === 'structure' && value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const [m, ref] of Object.entries(s.members ?? {})) if (m in o) o[m] = applyBinaryFormat(o[m], shape(ref.shape), ctx);
  } else if (s.type === 'list' && Array.isArray(value)) {
    return value.map((x) => applyBinaryFormat(x, shape(s.member!.shape), ctx));
  } else if (s.type === 'map' && value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = applyBinaryFormat(o[k], shape(s.value!.shape), ctx);
  }
  return value;
}
