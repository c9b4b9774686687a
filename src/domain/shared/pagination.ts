// Opaque, checked pagination tokens: an offset bound to the operation, the caller's scope and the
// filters, authenticated with the server's key. A tampered, foreign or mismatched token is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidPaginationToken } from '../../protocol/errors.js';

const TOKEN_TTL_MS = 24 * 3600 * 1000;

export class Paginator {
  constructor(private readonly key: Buffer, private readonly now: () => Date = () => new Date()) {}

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16);
  }

  /** context = everything the listing depends on (operation, scope, filters). */
  issue(context: string, offset: number): string {
    const body = JSON.stringify({ o: offset, t: this.now().getTime(), c: createHmac('sha256', this.key).update(context).digest('base64url').slice(0, 16) });
    return Buffer.concat([this.mac(body), Buffer.from(body)]).toString('base64url');
  }

  offset(context: string, token: string | undefined): number {
    if (token === undefined) return 0;
    const raw = Buffer.from(token, 'base64url');
    const bad = () => InvalidPaginationToken('Invalid pagination token');
    if (raw.length < 17 || raw.toString('base64url') !== token) throw bad();
    const mac = raw.subarray(0, 16);
    const body = raw.subarray(16).toString();
    if (!timingSafeEqual(mac, this.mac(body))) throw bad();
    const parsed = JSON.parse(body) as { o: number; t: number; c: string };
    if (parsed.c !== createHmac('sha256', this.key).update(context).digest('base64url').slice(0, 16)) throw bad();
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
