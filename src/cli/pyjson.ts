// Python-compatible JSON values. The AWS CLI is written in Python, so what it prints depends on
// Python's number model: a JSON literal with a fraction or exponent is a float and prints as
// `95.0`, `1e-05`, `1.2345678901234567e+19`; an integer literal prints as written. JavaScript's
// JSON.parse forgets that difference, so floats whose value is integral are boxed in PyFloat.

export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string { return pyFloatRepr(this.value); }
  valueOf(): number { return this.value; }
}

export type PyValue = null | boolean | number | string | PyFloat | Uint8Array | PyValue[] | { [k: string]: PyValue };

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

/** Python's float.__repr__ (shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const exp = x.toExponential(); // shortest digits: d.ddde±N
  const m = /^-?(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(exp)!;
  const digits = m[1] + (m[2] ?? '');
  const e = parseInt(m[3], 10);
  if (e >= -5 && e < 16) {
    // Python switches to exponent notation below 1e-4
    if (e < -4) return sign + digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e-0' + String(-e);
    if (e < 0) return sign + '0.' + '0'.repeat(-e - 1) + digits;
    const intPart = digits.length > e + 1 ? digits.slice(0, e + 1) : digits + '0'.repeat(e + 1 - digits.length);
    const frac = digits.length > e + 1 ? digits.slice(e + 1) : '0';
    return sign + intPart + '.' + frac;
  }
  const mant = digits[0] + (digits.length > 1 ? '.' + digits.slice(1) : '');
  const ee = Math.abs(e) < 10 ? '0' + Math.abs(e) : String(Math.abs(e));
  return sign + mant + 'e' + (e < 0 ? '-' : '+') + ee;
}

/** str() of a Python value as the text formatter prints it. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? bigIntStr(v) : pyFloatRepr(v);
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

function bigIntStr(n: number): string {
  return Math.abs(n) >= 1e21 ? BigInt(n).toString() : String(n);
}

function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

/** repr() of a Python value, as used in validation messages (`['a', 'b']`, `{'a': 1}`, `b'..'`). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof Uint8Array) {
    let out = "b'";
    for (const c of v) {
      if (c === 0x5c) out += '\\\\';
      else if (c === 0x27) out += "\\'";
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0d) out += '\\r';
      else if (c === 0x09) out += '\\t';
      else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
      else out += String.fromCharCode(c);
    }
    return out + "'";
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (typeof v === 'object' && !(v instanceof PyFloat)) {
    return '{' + Object.entries(v as object).map(([k, x]) => pyStrRepr(k) + ': ' + pyRepr(x)).join(', ') + '}';
  }
  return pyStr(v);
}

/** Python type name for `type: <class '…'>` messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof PyFloat) return 'float';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

// ---------------------------------------------------------------------------------------------
// A JSON parser that keeps float-ness and reports errors the way Python's json module does.

export class PyJsonError extends Error {
  constructor(readonly msg: string, readonly pos: number, readonly doc: string) {
    super(`${msg}: ${lineCol(doc, pos)}`);
  }
}

function lineCol(doc: string, pos: number): string {
  const before = doc.slice(0, pos);
  const line = before.split('\n').length;
  const col = line === 1 ? pos + 1 : pos - before.lastIndexOf('\n');
  return `line ${line} column ${col} (char ${pos})`;
}

const WS = /[ \t\n\r]*/y;

export function parsePyJson(doc: string): PyValue {
  let i = 0;
  const ws = () => { WS.lastIndex = i; WS.exec(doc); i = WS.lastIndex; };
  const fail = (msg: string, at = i): never => { throw new PyJsonError(msg, at, doc); };
  const value = (): PyValue => {
    ws();
    const c = doc[i];
    if (c === '{') {
      i++; ws();
      const obj: Record<string, PyValue> = {};
      if (doc[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (doc[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str();
        ws();
        if (doc[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        ws();
        if (i >= doc.length) fail('Expecting value');
        Object.defineProperty(obj, k, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (doc[i] === ',') { i++; ws(); if (doc[i] !== '"') fail('Expecting property name enclosed in double quotes'); continue; }
        if (doc[i] === '}') { i++; return obj; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++; ws();
      const arr: PyValue[] = [];
      if (doc[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        if (doc[i] === ',') { i++; continue; }
        if (doc[i] === ']') { i++; return arr; }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    const num = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
    num.lastIndex = i;
    const m = num.exec(doc);
    if (m && m[0] !== '-') {
      i = num.lastIndex;
      const n = Number(m[0]);
      return m[1] || m[2] ? (Number.isInteger(n) ? new PyFloat(n) : n) : n;
    }
    for (const [lit, v] of [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (doc.startsWith(lit, i)) { i += lit.length; return typeof v === 'number' ? new PyFloat(v) : v; }
    }
    return fail('Expecting value');
  };
  const str = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= doc.length) fail('Unterminated string starting at', start);
      const c = doc[i];
      if (c === '"') { i++; return out; }
      if (c === '\\') {
        const e = doc[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = doc.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\uXXXX escape', i + 1);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
          continue;
        }
        if (e === undefined || !(e in map)) fail('Invalid \\escape', i);
        out += map[e!];
        i += 2;
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('Invalid control character at', i);
      out += c;
      i++;
    }
  };
  ws();
  const v = value();
  ws();
  if (i < doc.length) fail('Extra data');
  return v;
}

/** json.dumps(v, indent=4, ensure_ascii=False) as the AWS CLI v2 prints it. */
export function dumpPyJson(v: unknown, indent = 4, level = 0): string {
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (v instanceof PyFloat) return floatJson(v.value);
  if (typeof v === 'number') return Number.isInteger(v) ? bigIntStr(v) : floatJson(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return JSON.stringify(Buffer.from(v).toString('base64'));
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return '[\n' + v.map((x) => pad + dumpPyJson(x, indent, level + 1)).join(',\n') + '\n' + end + ']';
  }
  const entries = Object.entries(v as object);
  if (entries.length === 0) return '{}';
  return '{\n' + entries.map(([k, x]) => pad + JSON.stringify(k) + ': ' + dumpPyJson(x, indent, level + 1)).join(',\n') + '\n' + end + '}';
}

function floatJson(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

/** Strip PyFloat boxes (for JMESPath and the SDK). */
export function unbox(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value;
  if (Array.isArray(v)) return v.map(unbox);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = unbox(x);
    return o;
  }
  return v;
}
