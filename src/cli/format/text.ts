// `--output text`: tab-separated lines, scalars of a dict on one line in sorted key order, nested
// members after their parent, identifiers from upper-cased key names (docs/cli.md, "text").
import { pyStr, PyFloat } from '../pyjson.js';
import { GeneralError } from '../errors.js';

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Uint8Array);
const isComplex = (v: unknown) => Array.isArray(v) || isDict(v);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function pyTypeNameOf(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return Array.isArray(v) ? 'list' : 'dict';
}

export function formatText(data: unknown): string {
  const out: string[] = [];
  const item = (v: unknown, ident?: string, scalarKeys?: string[]) => {
    if (isDict(v)) dict(v, ident, scalarKeys);
    else if (Array.isArray(v)) list(v, ident);
    else out.push(pyStr(v) + '\n');
  };
  const scalarList = (els: unknown[], ident?: string) => {
    if (ident !== undefined) for (const e of els) out.push(`${ident.toUpperCase()}\t${pyStr(e)}\n`);
    else out.push(els.map(pyStr).join('\t') + '\n');
  };
  const list = (v: unknown[], ident?: string) => {
    if (!v.length) return;
    if (v.some(isDict)) {
      const keys = new Set<string>();
      for (const el of v) {
        if (!isDict(el)) throw new GeneralError(`'${pyTypeNameOf(el)}' object has no attribute 'items'`);
        for (const [k, x] of Object.entries(el)) if (!isComplex(x)) keys.add(k);
      }
      const sorted = [...keys].sort(byCodePoint);
      for (const el of v) item(el, ident, sorted);
    } else if (v.some(Array.isArray)) {
      const scalars = v.filter((x) => !isComplex(x));
      if (scalars.length) scalarList(scalars, ident);
      for (const x of v.filter(isComplex)) item(x, ident);
    } else scalarList(v, ident);
  };
  const dict = (v: Record<string, unknown>, ident?: string, scalarKeys?: string[]) => {
    const scalars: string[] = [];
    const nested: [string, unknown][] = [];
    if (!scalarKeys) {
      for (const k of Object.keys(v).sort(byCodePoint)) {
        if (isComplex(v[k])) nested.push([k, v[k]]);
        else scalars.push(pyStr(v[k]));
      }
    } else {
      for (const k of scalarKeys) scalars.push(k in v ? pyStr(v[k]) : '');
      for (const k of Object.keys(v).filter((k) => !scalarKeys.includes(k)).sort(byCodePoint)) nested.push([k, v[k]]);
    }
    if (scalars.length) out.push((ident !== undefined ? [ident.toUpperCase(), ...scalars] : scalars).join('\t') + '\n');
    for (const [k, x] of nested) item(x, k);
  };
  item(data);
  return out.join('');
}
