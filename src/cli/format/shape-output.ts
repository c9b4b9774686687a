// The response as the AWS CLI sees it before formatting: structure members in model order, members
// the model does not know and JSON nulls dropped, map keys in wire order, timestamps rendered per
// cli_timestamp_format (v2 default iso8601, like Python's datetime.isoformat() in UTC).
import { shape, type Shape } from '../../api/index.js';
import { PyFloat } from '../pyjson.js';

export function isoTimestamp(v: unknown): string {
  let secs: number;
  if (v instanceof PyFloat) secs = v.value;
  else if (typeof v === 'number') secs = v;
  else {
    const d = new Date(String(v));
    if (Number.isNaN(d.getTime())) return String(v);
    secs = d.getTime() / 1000;
  }
  let whole = Math.floor(secs);
  let micro = Math.round((secs - whole) * 1e6);
  if (micro === 1e6) { whole += 1; micro = 0; }
  const iso = new Date(whole * 1000).toISOString().slice(0, 19);
  return iso + (micro ? '.' + String(micro).padStart(6, '0') : '') + '+00:00';
}

export function shapeOutput(v: unknown, s: Shape, tsFormat: string): unknown {
  if (v === null || v === undefined) return undefined;
  switch (s.type) {
    case 'structure': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const o = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [m, ref] of Object.entries(s.members ?? {})) {
        if (!Object.prototype.hasOwnProperty.call(o, m)) continue;
        const x = shapeOutput(o[m], shape(ref.shape), tsFormat);
        if (x !== undefined) out[m] = x;
      }
      return out;
    }
    case 'list':
      return Array.isArray(v) ? v.map((x) => shapeOutput(x, shape(s.member!.shape), tsFormat) ?? null) : v;
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as object)) {
        const y = shapeOutput(x, shape(s.value!.shape), tsFormat);
        if (y !== undefined) Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'timestamp':
      return tsFormat === 'wire' ? v : isoTimestamp(v);
    case 'blob':
      return v; // base64 text on the wire, printed as such
    default:
      return v;
  }
}
