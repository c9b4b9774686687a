// Client-side pagination like the AWS CLI: follow NextToken, stop after --max-items, and hand
// back a resume token (base64 of `{"NextToken": …, "boto_truncate_amount": n}`) for --starting-token.
import type { CommandSpec } from './commands.js';
import type { Input } from './params.js';

export interface Pages {
  pages: AsyncIterable<Record<string, unknown>>;
  resumeToken(): string | undefined;
}

export function encodeToken(t: Record<string, unknown>): string {
  const body = '{' + Object.entries(t).map(([k, v]) => `${JSON.stringify(k)}: ${asciiJson(v)}`).join(', ') + '}';
  return Buffer.from(body, 'utf8').toString('base64');
}

function asciiJson(v: unknown): string {
  return JSON.stringify(v ?? null).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

export function decodeToken(tok: string): { token: unknown; skip: number } {
  try {
    const text = Buffer.from(tok, 'base64').toString('utf8');
    const o = JSON.parse(text);
    if (o && typeof o === 'object' && !Array.isArray(o) && 'NextToken' in o) return { token: o.NextToken, skip: Number(o.boto_truncate_amount ?? 0) };
  } catch { /* a raw service token */ }
  return { token: tok, skip: 0 };
}

export function paginateAll(cmd: CommandSpec, input: Input, call: (i: Input) => Promise<Record<string, unknown>>,
  opts: { startingToken?: string; maxItems?: number }): Pages {
  const p = cmd.paginator!;
  let resume: string | undefined;
  async function* gen() {
    let token: unknown;
    let skip = 0;
    if (opts.startingToken !== undefined) ({ token, skip } = decodeToken(opts.startingToken));
    let count = 0;
    for (;;) {
      const req: Input = { ...input };
      if (token !== undefined && token !== null) req[p.inputToken] = token;
      const page = await call(req);
      let items = Array.isArray(page[p.resultKey]) ? page[p.resultKey] as unknown[] : [];
      const priorSkip = skip;
      if (skip) { items = items.slice(skip); page[p.resultKey] = items; skip = 0; }
      const next = page[p.outputToken];
      if (opts.maxItems !== undefined && count + items.length >= opts.maxItems) {
        const take = Math.max(0, opts.maxItems - count);
        if (take < items.length) {
          page[p.resultKey] = items.slice(0, take);
          resume = encodeToken({ NextToken: token ?? null, boto_truncate_amount: take + priorSkip });
        } else if (next !== undefined && next !== null) {
          resume = encodeToken({ NextToken: next });
        }
        yield page;
        return;
      }
      count += items.length;
      yield page;
      if (next === undefined || next === null || next === '') return;
      token = next;
    }
  }
  return { pages: gen(), resumeToken: () => resume };
}
