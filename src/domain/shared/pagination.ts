// Opaque, checked pagination tokens: an offset bound to the operation, the caller's scope and the
// filters, authenticated with the server's key. A tampered, foreign or mismatched token is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidPaginationToken } from '../../protocol/errors.js';

const TOKEN_TTL_MS = 24 * 3600 * 1000;

export class Paginator {
  constructor(private readonly key: Buffer, private readonly now: () => Date = () => new Date()) {}

  /** One HMAC binds the body to the context: a token used with other filters or scope fails the check. */
  private mac(context: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(context).update('\n').update(body).digest().subarray(0, 16);
  }

  /** context = everything the listing depends on (operation, scope, filters). */
  issue(context: string, offset: number): string {
    const body = `{"o":${offset},"t":${this.now().getTime()}}`;
    return Buffer.concat([this.mac(context, body), Buffer.from(body)]).toString('base64url');
  }

  offset(context: string, token: string | undefined): number {
    if (token === undefined) return 0;
    const raw = Buffer.from(token, 'base64url');
    const bad = () => InvalidPaginationToken('Invalid pagination token');
    if (raw.length < 17 || raw.toString('base64url') !== token) throw bad();
    const body = raw.subarray(16).toString();
    if (!timingSafeEqual(raw.subarray(0, 16), this.mac(context, body))) throw bad();
    const parsed = JSON.parse(body) as { o: number; t: number };
    if (this.now().getTime() - parsed.t > TOKEN_TTL_MS) throw InvalidPaginationToken('Pagination token expired');
    return parsed.o;
  }

  /** Slices one page out of a full, ordered result list. */
  page<T>(context: string, items: T[], maxResults: number, token: string | undefined): { items: T[]; nextToken?: string } {
    const start = this.offset(context, token);
    const end = start + maxResults;
    return { items: items.slice(start, end), nextToken: end < items.length ? this.issue(context, end) : undefined };
  }
}
