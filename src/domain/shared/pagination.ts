// Opaque, checked pagination tokens. A token holds the position of the last item of the page it
// follows (the sort key of that row: creation time and name, a label name, an entry's insertion
// position), so a create or delete between two pages neither repeats nor skips an item. The
// position is bound to the operation, the caller's scope and the filters, and authenticated with
// the server's key: a tampered, foreign, expired or mismatched token is InvalidPaginationTokenException.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidPaginationToken } from '../../protocol/errors.js';
import type { CreatedPosition } from '../../storage/ports.js';

const TOKEN_TTL_MS = 24 * 3600 * 1000;
/** Issue times are kept to the minute, so the same page asked again within it gets the same token. */
const ISSUE_GRANULARITY_MS = 60_000;
const MEMO_ENTRIES = 1000;
/** Bumped when the token body changes, so tokens of an earlier format fail the check. */
const FORMAT = 'osprey-page-v2';

export class Paginator {
  // An HMAC costs more than the rest of a cached DescribeProjects page: tokens issued and tokens
  // verified are remembered (bounded), keyed by everything they depend on.
  private readonly issued = new Map<string, string>();
  private readonly verified = new Map<string, { p: unknown; t: number }>();

  constructor(private readonly key: Buffer, private readonly now: () => Date = () => new Date()) {}

  /** One HMAC binds the body to the context: a token used with other filters or scope fails the check. */
  private mac(context: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(FORMAT).update('\n').update(context).update('\n').update(body).digest().subarray(0, 16);
  }

  /**
   * A token for the page that follows `position`. context = everything the listing depends on
   * (operation, scope, filters); position = any JSON value (the last item's sort key).
   */
  issue(context: string, position: unknown): string {
    const t = Math.floor(this.now().getTime() / ISSUE_GRANULARITY_MS) * ISSUE_GRANULARITY_MS;
    const p = JSON.stringify(position);
    const memo = `${p}\n${t}\n${context}`;
    let token = this.issued.get(memo);
    if (token === undefined) {
      const body = `{"p":${p},"t":${t}}`;
      token = Buffer.concat([this.mac(context, body), Buffer.from(body)]).toString('base64url');
      remember(this.issued, memo, token);
    }
    return token;
  }

  /** The position a token was issued for; undefined when there is no token (the first page). */
  position<P>(context: string, token: string | undefined): P | undefined {
    if (token === undefined) return undefined;
    const memo = `${token}\n${context}`;
    let parsed = this.verified.get(memo);
    if (parsed === undefined) {
      parsed = this.verify(context, token);
      remember(this.verified, memo, parsed);
    }
    if (this.now().getTime() - parsed.t > TOKEN_TTL_MS) throw InvalidPaginationToken('Pagination token expired');
    return parsed.p as P;
  }

  private verify(context: string, token: string): { p: unknown; t: number } {
    const raw = Buffer.from(token, 'base64url');
    const bad = () => InvalidPaginationToken('Invalid pagination token');
    if (raw.length < 17 || raw.toString('base64url') !== token) throw bad();
    const body = raw.subarray(16).toString();
    if (!timingSafeEqual(raw.subarray(0, 16), this.mac(context, body))) throw bad();
    return JSON.parse(body) as { p: unknown; t: number };
  }

  /**
   * One page of a keyset listing: `fetch(after, limit + 1)` returns the items that follow `after`
   * in the listing's order; the token of the next page holds `keyOf(last item on this page)`.
   */
  async page<T, P>(context: string, token: string | undefined, limit: number,
    fetch: (after: P | undefined, limit: number) => Promise<T[]>, keyOf: (item: T) => P): Promise<{ items: T[]; nextToken?: string }> {
    const rows = await fetch(this.position<P>(context, token), limit + 1);
    const items = rows.slice(0, limit);
    const more = rows.length > limit && items.length > 0;
    return { items, nextToken: more ? this.issue(context, keyOf(items[items.length - 1])) : undefined };
  }
}

/** Turns a CreatedPosition into JSON for a token and back. */
export const createdPosition = {
  key: (r: CreatedPosition): [number, string] => [r.createdAt.getTime(), r.name],
  after: (p: [number, string] | undefined): CreatedPosition | undefined => p && { createdAt: new Date(p[0]), name: p[1] },
};

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_ENTRIES) memo.clear();
  memo.set(key, value);
}
