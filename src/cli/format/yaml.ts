// `--output yaml`: the YAML AWS CLI v2 prints (its emitter is ruamel.yaml's safe dumper): block
// style, sorted mapping keys, sequences at their key's column, strings quoted only when a plain
// scalar would read back as something else, long plain strings folded past column 80.
import { PyFloat, pyFloatRepr, dumpPyJson } from '../pyjson.js';

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Uint8Array);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// strings a YAML 1.2 reader would resolve to another type
const IMPLICIT = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:~|null|Null|NULL)?$/,
  /^[-+]?[0-9_]+$/, /^0o[0-7_]+$/, /^0x[0-9a-fA-F_]+$/, /^[-+]?0b[01_]+$/,
  /^[-+]?(?:\.[0-9_]+|[0-9_]+(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  /^[-+]?\.(?:inf|Inf|INF)$/, /^\.(?:nan|NaN|NAN)$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/,
  /^<<$/, /^=$/,
];

type Style = 'plain' | 'single' | 'double';

function styleFor(s: string): Style {
  if (/[\n\r\u0085\u2028\u2029]/.test(s) || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(s)) return 'double';
  if (IMPLICIT.some((re) => re.test(s))) return 'single';
  if (/^\s|\s$/.test(s)) return 'single';
  if (/^[#,\[\]{}&*!|>'"%@`]/.test(s)) return 'single';
  if (/^[-?:](\s|$)/.test(s)) return 'single';
  if (/^(?:---|\.\.\.)(?:\s|$)/.test(s)) return 'single';
  if (/: |:$| #/.test(s)) return 'single';
  if (/\t/.test(s)) return 'single';
  return 'plain';
}

function fold(text: string, column: number, indent: number): string {
  // break at single spaces once the line has run past column 80
  let out = '';
  let col = column;
  const parts = text.split(/( +)/);
  for (const p of parts) {
    if (p === ' ' && col > 80) { out += '\n' + ' '.repeat(indent); col = indent; continue; }
    out += p;
    col += p.length;
  }
  return out;
}

function scalar(v: unknown, column: number, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))) {
    const x = typeof v === 'number' ? v : v.value;
    if (Number.isNaN(x)) return '.nan';
    if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
    return pyFloatRepr(x);
  }
  if (typeof v === 'number') return String(v);
  const s = v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v);
  switch (styleFor(s)) {
    case 'plain': return fold(s, column, indent);
    case 'single': return fold(`'${s.replace(/'/g, "''")}'`, column, indent);
    default: return JSON.stringify(s).replace(/\u2028/g, '\\L').replace(/\u2029/g, '\\P');
  }
}

function emit(v: unknown, indent: number, out: string[], inlineFirst: boolean): void {
  const pad = ' '.repeat(indent);
  if (isDict(v)) {
    const keys = Object.keys(v).sort(byCodePoint);
    keys.forEach((k, i) => {
      const prefix = i === 0 && inlineFirst ? '' : pad;
      const x = v[k];
      const keyText = styleFor(k) === 'plain' ? k : `'${k.replace(/'/g, "''")}'`;
      if (isDict(x) && Object.keys(x).length) {
        out.push(`${prefix}${keyText}:\n`);
        emit(x, indent + 2, out, false);
      } else if (Array.isArray(x) && x.length) {
        out.push(`${prefix}${keyText}:\n`);
        emit(x, indent, out, false);
      } else {
        out.push(`${prefix}${keyText}: ${leaf(x, indent + keyText.length + 2, indent + 2)}\n`);
      }
    });
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      const prefix = i === 0 && inlineFirst ? '' : pad;
      if ((isDict(x) && Object.keys(x).length) || (Array.isArray(x) && x.length)) {
        out.push(`${prefix}- `);
        emit(x, indent + 2, out, true);
      } else {
        out.push(`${prefix}- ${leaf(x, indent + 2, indent + 2)}\n`);
      }
    });
  }
}

function leaf(x: unknown, column: number, indent: number): string {
  if (isDict(x)) return '{}';
  if (Array.isArray(x)) return '[]';
  return scalar(x, column, indent);
}

export function formatYaml(data: unknown): string {
  if (!isDict(data) && !Array.isArray(data)) return dumpPyJson(data) + '\n';
  if (isDict(data) && !Object.keys(data).length) return '{}\n';
  if (Array.isArray(data) && !data.length) return '[]\n';
  const out: string[] = [];
  emit(data, 0, out, false);
  return out.join('');
}
