// Opaque, checked pagination tokens: an offset bound to the operation, the caller's scope and the
// filters, authenticated with the server's key. A tampered, foreign or mismatched token is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidPaginationToken } from '../../protocol/errors.js';

const TOKEN_TTL_MS = 24 * 3600 * 1000;
/** Issue times are kept to the minute, so the same page asked again within it gets the same token. */
const ISSUE_GRANULARITY_MS = 60_000;
const MEMO_ENTRIES = 1000;

export class Paginator {
  // An HMAC costs more than the rest of a cached DescribeProjects page: tokens issued and tokens
  // verified are remembered (bounded), keyed by everything they depend on.
  private readonly issued = new Map<string, string>();
  private readonly verified = new Map<string, { o: number; t: number }>();

  constructor(private readonly key: Buffer, private readonly now: () => Date = () => new Date()) {}

  /** One HMAC binds the body to the context: a token used with other filters or scope fails the check. */
  private mac(context: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(context).update('\n').update(body).digest().subarray(0, 16);
  }

  /** context = everything the listing depends on (operation, scope, filters). */
  issue(context: string, offset: number): string {
    const t = Math.floor(this.now().getTime() / ISSUE_GRANULARITY_MS) * ISSUE_GRANULARITY_MS;
    const memo = `${offset}\n${t}\n${context}`;
    let token = this.issued.get(memo);
    if (token === undefined) {
      const body = `{"o":${offset},"t":${t}}`;
      token = Buffer.concat([this.mac(context, body), Buffer.from(body)]).toString('base64url');
      remember(this.issued, memo, token);
    }
    return token;
  }

  offset(context: string, token: string | undefined): number {
    if (token === undefined) return 0;
    const memo = `${token}\n${context}`;
    let parsed = this.verified.get(memo);
    if (parsed === undefined) {
      parsed = this.verify(context, token);
      remember(this.verified, memo, parsed);
    }
    if (this.now().getTime() - parsed.t > TOKEN_TTL_MS) throw InvalidPaginationToken('Pagination token expired');
    return parsed.o;
  }

  private verify(context: string, token: string): { o: number; t: number } {
    const raw = Buffer.from(token, 'base64url');
    const bad = () => InvalidPaginationToken('Invalid pagination token');
    if (raw.length < 17 || raw.toString('base64url') !== token) throw bad();
    const body = raw.subarray(16).toString();
    if (!timingSafeEqual(raw.subarray(0, 16), this.mac(context, body))) throw bad();
    return JSON.parse(body) as { o: number; t: number };
  }

  /** Slices one page out of a full, ordered result list. */
  page<T>(context: string, items: T[], maxResults: number, token: string | undefined): { items: T[]; nextToken?: string } {
    const start = this.offset(context, token);
    const end = start + maxResults;
    return { items: items.slice(start, end), nextToken: end < items.length ? this.issue(context, end) : undefined };
  }
}

function remember<V>(memo: Map<string, V>, key: string, value: V): void {
  if (memo.size >= MEMO_ENTRIES) memo.clear();
  memo.set(key, value);
}
