// The AWS CLI's shorthand syntax (`S3Bucket=b,S3KeyPrefix=p`, `k=[a,b]`, `k={x=y}`), parsed by a
// small recursive-descent parser that knows nothing of the service model. The model pass that
// fixes types afterwards lives in params.ts. Grammar and error texts: docs/cli.md, "Shorthand".
import { readFileSync } from 'node:fs';
import type { Era } from './errors.js';

export type SH = string | SH[] | { [k: string]: SH } | Uint8Array;

export class ShorthandSyntaxError extends Error {
  constructor(readonly input: string, readonly expected: string, readonly received: string, readonly index: number, era: Era) {
    super(`Expected: '${expected}', received: '${received}' for input:\n${location(input, index, era === 'C')}`);
  }
}

export class DuplicateKeyError extends Error {
  constructor(key: string, input: string, index: number) {
    super(`Second instance of key "${key}" encountered for input:\n${location(input, index, false)}\n` +
      'This is often because there is a preceding "," instead of a space.');
  }
}

/** Raised for `k@=file://missing` (v2 reports it without the "Error parsing parameter" prefix, rc 255). */
export class ParamFileError extends Error {}

function location(input: string, index: number, leadingSpace: boolean): string {
  const lineStart = input.lastIndexOf('\n', index - 1) + 1;
  let lineEnd = input.indexOf('\n', index);
  if (lineEnd < 0) lineEnd = input.length;
  return (leadingSpace ? ' ' : '') + input.slice(lineStart, lineEnd) + '\n' + ' '.repeat(index - lineStart) + '^';
}

// Character classes (the AWS CLI's, as documented facts): a value may start with anything but
// whitespace, quotes, ',', '=', '[' or '{'; a first value continues with anything but quotes, ','
// ']' and '}'; a list continuation value additionally stops at '='.
const isStart = (c: string) => !(/\s/.test(c) || `"',=[{`.includes(c));
const isFirstFollow = (c: string) => !`"',]}`.includes(c);
const isSecondFollow = (c: string) => !`"',=`.includes(c);
const isKeyChar = (c: string) => /[A-Za-z0-9_.#/:-]/.test(c);

export interface ShorthandOptions { era: Era; allowAtEquals: boolean }

class Syntax extends Error {}

export function parseShorthand(input: string, opts: ShorthandOptions = { era: 'C', allowAtEquals: true }): Record<string, SH> {
  let i = 0;
  const n = input.length;
  const eof = () => i >= n;
  const err = (expected: string, received?: string): never => {
    const e = new ShorthandSyntaxError(input, expected, received ?? (eof() ? 'EOF' : input[i]), i, opts.era);
    throw Object.assign(e, { syntax: true });
  };
  const skipWs = () => { while (i < n && /\s/.test(input[i])) i++; };
  const expect = (ch: string, ws: boolean) => {
    if (ws) skipWs();
    if (eof()) err(ch, 'EOF');
    if (input[i] !== ch) err(ch);
    i++;
    if (ws) skipWs();
  };

  const word = (name: string, follow: (c: string) => boolean): string => {
    const start = i;
    const escComma = () => input[i] === '\\' && input[i + 1] === ',';
    if (escComma()) i += 2;
    else if (!eof() && isStart(input[i])) i++;
    else if (name === 'first') return ''; // an empty first value is allowed
    else err(`<${name}>`, '<none>');
    while (!eof()) {
      if (escComma()) { i += 2; continue; }
      if (!follow(input[i])) break;
      i++;
    }
    return input.slice(start, i).replace(/\\,/g, ',').trim();
  };
  const quoted = (q: string, name: string): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (eof()) { i = start; err(`<${name}>`, '<none>'); }
      const c = input[i];
      if (c === '\\' && (input[i + 1] === q || input[i + 1] === '\\')) { out += input[i + 1]; i += 2; continue; }
      if (c === q) { i++; return out; }
      out += c;
      i++;
    }
  };
  const scalar = (name: 'first' | 'second'): string => {
    if (input[i] === "'") return quoted("'", 'single quoted');
    if (input[i] === '"') return quoted('"', 'double quoted');
    return word(name, name === 'first' ? isFirstFollow : isSecondFollow);
  };

  const key = (): string => {
    const start = i;
    while (!eof() && isKeyChar(input[i])) i++;
    return input.slice(start, i);
  };
  /** '=' or '@='; returns true for '@=' (load a paramfile). */
  const assign = (): boolean => {
    skipWs();
    if (opts.allowAtEquals && input[i] === '@' && input[i + 1] === '=') { i += 2; skipWs(); return true; }
    expect('=', true);
    return false;
  };
  const fromFile = (v: SH, at: boolean): SH => {
    if (!at || typeof v !== 'string') return v;
    const m = /^(fileb?):\/\/(.*)$/s.exec(v);
    if (!m) return v;
    try {
      const buf = readFileSync(m[2]);
      return m[1] === 'fileb' ? new Uint8Array(buf) : buf.toString('utf8');
    } catch (e) {
      throw new ParamFileError(`Unable to load paramfile ${v}: ${osErrorText(e, m[2])}`);
    }
  };

  const explicitValue = (): SH => {
    skipWs();
    if (input[i] === '[') return list();
    if (input[i] === '{') return hash();
    return scalar('first');
  };
  const list = (): SH[] => {
    expect('[', true);
    const out: SH[] = [];
    while (!eof() && input[i] !== ']') {
      out.push(explicitValue());
      skipWs();
      if (!eof() && input[i] !== ']') { expect(',', true); }
    }
    expect(']', false);
    return out;
  };
  const hash = (): Record<string, SH> => {
    expect('{', true);
    const out: Record<string, SH> = {};
    while (!eof() && input[i] !== '}') {
      const k = key();
      const at = assign();
      setKey(out, k, fromFile(explicitValue(), at));
      skipWs();
      if (!eof() && input[i] !== '}') expect(',', true);
    }
    expect('}', false);
    return out;
  };
  const csv = (): SH => {
    const first = scalar('first');
    skipWs();
    if (eof() || input[i] !== ',') return first;
    expect(',', true);
    const items: SH[] = [first];
    for (;;) {
      const mark = i;
      try {
        const v = scalar('second');
        skipWs();
        if (eof()) { items.push(v); break; }
        expect(',', true);
        items.push(v);
      } catch (e) {
        if (!(e as { syntax?: boolean }).syntax || eof()) throw e;
        // what looked like another list item was the next key: return to the comma before it
        i = mark;
        while (i > 0 && input[i] !== ',') i--;
        break;
      }
    }
    return items.length === 1 ? first : items;
  };
  const values = (): SH => {
    if (eof()) return '';
    if (input[i] === '[') return list();
    if (input[i] === '{') return hash();
    return csv();
  };

  const out: Record<string, SH> = {};
  let last = 0;
  for (;;) {
    if (i > 0) expect(',', true);
    const k = key();
    const at = assign();
    const v = fromFile(values(), at);
    if (Object.prototype.hasOwnProperty.call(out, k)) throw new DuplicateKeyError(k, input, last + 1);
    setKey(out, k, v);
    last = i;
    if (eof()) break;
  }
  return out;
}

function setKey(o: Record<string, SH>, k: string, v: SH): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Python's OSError text: `[Errno 2] No such file or directory: 'x'`. */
export function osErrorText(e: unknown, path: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  const table: Record<string, [number, string]> = {
    ENOENT: [2, 'No such file or directory'], EACCES: [13, 'Permission denied'], EISDIR: [21, 'Is a directory'],
    ENOTDIR: [20, 'Not a directory'],
  };
  const [no, text] = table[code ?? ''] ?? [5, (e as Error).message];
  return `[Errno ${no}] ${text}: ${pyQuote(path)}`;
}

function pyQuote(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
