// `--output table`: the boxed layout of the AWS CLI. Sections are built from the response (a
// dict's scalar keys become a header and one row, each nested member a section one level deeper,
// a list of dicts one row per element); when the widest section does not fit the terminal (80
// columns when stdout is not a terminal) single-row sections turn vertical; columns are then
// scaled to the table width with Python's round-half-to-even.
import { pyStr, PyFloat } from '../pyjson.js';

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Uint8Array);
const isScalar = (v: unknown) => !Array.isArray(v) && !isDict(v);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const truthy = (v: unknown) => !(v === null || v === undefined || v === false || v === '' || v === 0 ||
  (v instanceof PyFloat && v.value === 0) || (Array.isArray(v) && !v.length) || (isDict(v) && !Object.keys(v).length));

/** Display width: East Asian wide, fullwidth and ambiguous characters take two columns. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ||
      (c >= 0x1f300 && c <= 0x1f64f) || (c >= 0x20000 && c <= 0x3fffd) ||
      (c >= 0xa1 && c <= 0xff && [0xa1, 0xa4, 0xa7, 0xa8, 0xaa, 0xad, 0xae, 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xbc, 0xbd, 0xbe, 0xbf, 0xc6, 0xd0, 0xd7, 0xd8, 0xde, 0xdf, 0xe0, 0xe1, 0xe6, 0xe8, 0xe9, 0xea, 0xec, 0xed, 0xf0, 0xf2, 0xf3, 0xf7, 0xf8, 0xf9, 0xfa, 0xfc, 0xfe].includes(c)) ||
      (c >= 0x2010 && c <= 0x203e && [0x2010, 0x2013, 0x2014, 0x2015, 0x2016, 0x2018, 0x2019, 0x201c, 0x201d, 0x2020, 0x2021, 0x2022, 0x2024, 0x2025, 0x2026, 0x2027, 0x2030, 0x2032, 0x2033, 0x2035, 0x203b, 0x203e].includes(c)) ||
      (c >= 0x2460 && c <= 0x24e9) || (c >= 0x2500 && c <= 0x257f) || (c >= 0x25a0 && c <= 0x25ff);
    w += wide ? 2 : 1;
  }
  return w;
}

function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (Math.abs(d - 0.5) < 1e-12) return f % 2 === 0 ? f : f + 1;
  return Math.round(x);
}

class Section {
  title = '';
  headers: string[] = [];
  rows: string[][] = [];
  widths: number[] = [];
  constructor(readonly indent: number) {}
  private track(cells: string[]) {
    cells.forEach((c, i) => { this.widths[i] = Math.max(this.widths[i] ?? 0, textWidth(c)); });
  }
  setHeader(h: string[]) { this.headers = h.map(pyStr); this.track(this.headers); }
  addRow(r: unknown[]) { const row = r.map(pyStr); this.rows.push(row); this.track(row); }
  columnWidths(padding: number, total?: number): number[] {
    const raw = this.widths.map((w) => w + padding);
    if (total === undefined || !raw.length) return raw;
    const sum = raw.reduce((a, b) => a + b, 0);
    const scaled = raw.map((w) => pyRound((total / sum) * w));
    let off = scaled.reduce((a, b) => a + b, 0) - total;
    while (off !== 0) {
      const order = [...scaled.keys()];
      if (off < 0) order.reverse();
      for (const i of order) {
        if (off > 0) { scaled[i]--; off--; } else { scaled[i]++; off++; }
        if (off === 0) break;
      }
    }
    return scaled;
  }
  totalWidth(): number {
    const cols = this.columnWidths(4).reduce((a, b) => a + b, 0) + 2 + 2 * this.indent;
    return Math.max(textWidth(this.title) + 2 + 2 * this.indent, cols);
  }
}

export interface TableStyle { color: boolean }

export function formatTable(title: string, data: unknown, terminalWidth: number, style: TableStyle): string {
  const sections: Section[] = [];
  let cur: Section | undefined;
  const newSection = (t: string, indent: number) => { cur = new Section(indent); cur.title = t; sections.push(cur); };
  const groupKeys = (d: Record<string, unknown>) => {
    const keys = Object.keys(d).sort(byCodePoint);
    return [keys.filter((k) => isScalar(d[k])), keys.filter((k) => !isScalar(d[k]))];
  };
  const build = (t: string | undefined, v: unknown, indent: number): boolean => {
    if (!truthy(v)) return false;
    if (t !== undefined) newSection(t, indent);
    if (Array.isArray(v)) {
      if (isDict(v[0])) fromList(v as Record<string, unknown>[], indent, t ?? '');
      else for (const it of v) {
        if (isScalar(it)) cur!.addRow([it]);
        else if (Array.isArray(it) && it.every(isScalar)) cur!.addRow(it);
        else build(undefined, it, 0);
      }
    }
    if (isDict(v)) fromDict(v, indent);
    return true;
  };
  const fromDict = (d: Record<string, unknown>, indent: number) => {
    const [scalars, more] = groupKeys(d);
    if (scalars.length === 1) cur!.addRow([scalars[0], d[scalars[0]]]);
    else if (scalars.length) { cur!.setHeader(scalars); cur!.addRow(scalars.map((k) => d[k])); }
    for (const k of more) build(k, d[k], indent + 1);
  };
  const fromList = (list: Record<string, unknown>[], indent: number, t: string) => {
    const hs = new Set<string>();
    const ms = new Set<string>();
    for (const el of list) {
      if (!isDict(el)) continue;
      const [s, m] = groupKeys(el);
      s.forEach((k) => hs.add(k));
      m.forEach((k) => ms.add(k));
    }
    const headers = [...hs].sort(byCodePoint);
    const more = [...ms].sort(byCodePoint);
    cur!.setHeader(headers);
    list.forEach((el, i) => {
      if (i > 0 && more.length) { newSection(t, indent); cur!.setHeader(headers); }
      cur!.addRow(headers.map((h) => (h in el ? el[h] : '')));
      for (const k of more) if (k in el) build(k, el[k], indent + 1);
    });
  };
  if (!build(title, data, 0)) return '';

  let width = Math.max(...sections.map((s) => s.totalWidth()));
  if (width > terminalWidth) {
    for (let i = 0; i < sections.length; i++) {
      const s = sections[i];
      if (s.rows.length === 1 && s.headers.length) {
        const v = new Section(s.indent);
        v.title = s.title;
        s.headers.forEach((h, j) => v.addRow([h, s.rows[0][j]]));
        sections[i] = v;
      }
    }
    width = Math.max(...sections.map((s) => s.totalWidth()));
  }

  const C = style.color;
  const bold = (t: string) => (C ? `\x1b[1m${t}\x1b[0m` : t);
  const rowStyle = (t: string) => (C ? `\x1b[1m\x1b[34m${t}\x1b[0m` : t);
  const pipe = C ? '\x1b[2m\x1b[33m|\x1b[0m' : '|';
  const out: string[] = ['-'.repeat(width) + '\n'];
  const center = (text: string, tlen: number, len: number, left: string) => {
    const start = Math.floor(len / 2) - Math.floor(tlen / 2) - 1;
    const sofar = left.length + start + tlen;
    return left + ' '.repeat(start) + text + ' '.repeat(Math.max(0, len - 1 - sofar)) + '|';
  };
  const alignLeft = (text: string, tlen: number, len: number, left: string) => {
    const pad = len - (tlen + 2 + left.length + 1) >= 0 ? 2 : 0;
    return left + ' '.repeat(pad) + text + ' '.repeat(Math.max(0, len - left.length - pad - tlen - 1)) + '|';
  };
  const lineBreak = (ws: number[]) => ws.map((w, i) => (i === 0 ? `+${'-'.repeat(w - 2)}+` : `${'-'.repeat(w - 1)}+`)).join('');
  for (const s of sections) {
    const w = width - 2 * s.indent;
    const emit = (line: string) => out.push(pipe.repeat(s.indent) + line + pipe.repeat(s.indent) + '\n');
    if (s.title) {
      emit(center(bold(s.title), textWidth(s.title), w, '|'));
      if (!s.headers.length && !s.rows.length) emit(`+${'-'.repeat(w - 2)}+`);
    }
    if (s.headers.length) {
      const ws = s.columnWidths(4, w);
      emit(lineBreak(ws));
      emit(s.headers.map((h, i) => center(bold(h), textWidth(h), ws[i], i === 0 ? '|' : '')).join(''));
    }
    if (s.rows.length) {
      const ws = s.columnWidths(4, w);
      if (!ws.length) continue;
      emit(lineBreak(ws));
      for (const r of s.rows) emit(r.map((c, i) => alignLeft(rowStyle(c), textWidth(c), ws[i], i === 0 ? '|' : '')).join(''));
      emit(lineBreak(ws));
    }
  }
  return out.join('');
}
