// Client-side validation with the AWS CLI's rules: required and unknown members, Python types,
// minimum lengths, sizes and values (never maxima, patterns or enums). All problems are reported
// together under "Parameter validation failed:".
import { shape, type Shape } from '../api/index.js';
import { pyRepr, pyTypeName, PyFloat } from './pyjson.js';

const VALID_TYPES: Record<string, string> = {
  string: "<class 'str'>",
  integer: "<class 'int'>",
  long: "<class 'int'>",
  float: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  double: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  boolean: "<class 'bool'>",
  blob: "<class 'bytes'>, <class 'bytearray'>, file-like object",
  timestamp: "<class 'datetime.datetime'>, timestamp-string",
  list: "<class 'list'>, <class 'tuple'>",
  map: "<class 'dict'>",
  structure: "<class 'dict'>",
};

function typeOk(v: unknown, s: Shape): boolean {
  const t = pyTypeName(v);
  switch (s.type) {
    case 'string': return t === 'str';
    case 'integer': case 'long': return t === 'int';
    case 'float': case 'double': return t === 'float' || t === 'int';
    case 'boolean': return t === 'bool';
    case 'blob': return t === 'bytes' || t === 'str';
    case 'timestamp': return t === 'str';
    case 'list': return t === 'list';
    default: return t === 'dict';
  }
}

export function validateInput(input: unknown, inputShape: string): string[] {
  const errors: string[] = [];
  const walk = (v: unknown, s: Shape, name: string) => {
    if (!typeOk(v, s)) {
      errors.push(`Invalid type for parameter ${name}, value: ${pyRepr(v)}, type: <class '${pyTypeName(v)}'>, valid types: ${VALID_TYPES[s.type]}`);
      return;
    }
    switch (s.type) {
      case 'structure': {
        const o = v as Record<string, unknown>;
        for (const r of s.required ?? []) {
          if (!(r in o)) errors.push(`Missing required parameter in ${name || 'input'}: "${r}"`);
        }
        const members = s.members ?? {};
        const known: string[] = [];
        for (const k of Object.keys(o)) {
          if (!(k in members)) errors.push(`Unknown parameter in ${name || 'input'}: "${k}", must be one of: ${Object.keys(members).join(', ')}`);
          else known.push(k);
        }
        for (const k of known) walk(o[k], shape(members[k].shape), name ? `${name}.${k}` : k);
        break;
      }
      case 'list': {
        const a = v as unknown[];
        if (s.min !== undefined && a.length < s.min) errors.push(`Invalid length for parameter ${name}, value: ${a.length}, valid min length: ${s.min}`);
        a.forEach((x, i) => walk(x, shape(s.member!.shape), `${name}[${i}]`));
        break;
      }
      case 'map': {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (s.min !== undefined && keys.length < s.min) errors.push(`Invalid length for parameter ${name}, value: ${keys.length}, valid min length: ${s.min}`);
        for (const k of keys) {
          walk(k, shape(s.key!.shape), `${name} (key: ${k})`);
          walk(o[k], shape(s.value!.shape), `${name}.${k}`);
        }
        break;
      }
      case 'string': case 'blob': {
        const len = typeof v === 'string' ? [...v].length : (v as Uint8Array).length;
        if (s.min !== undefined && len < s.min) errors.push(`Invalid length for parameter ${name}, value: ${len}, valid min length: ${s.min}`);
        break;
      }
      case 'integer': case 'long': case 'float': case 'double': {
        const n = v instanceof PyFloat ? v.value : (v as number);
        if (s.min !== undefined && n < s.min) errors.push(`Invalid value for parameter ${name}, value: ${pyRepr(v)}, valid min value: ${s.min}`);
        break;
      }
    }
  };
  walk(input, shape(inputShape), '');
  return errors;
}
