// The web console's static files (built from web/ by `npm run build` into dist/console/). The
// console is a client of the public APIs; serving its files is the server's only part in it.
//
// Which requests are the console's: unsigned GET/HEAD of `/console` and `/console/…` (no
// Authorization header, no X-Amz-Signature query parameter), and an unsigned GET of `/`, which
// redirects there. Every S3 client signs, so a bucket named "console" stays reachable through the
// S3 API (path-style `/console/<key>`); an anonymous browser gets the console instead (Osprey's
// S3 route grants no anonymous access anyway). docs/console.md.
//
// `/console/assets/<file>`: Vite's content-hashed files, cached for a year; a missing one is 404.
// Any other path under `/console/` is a page of the single-page app: index.html, never cached.
// Names are decoded once and must stay inside the console folder (no `..`, backslash or NUL).
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', ico: 'image/x-icon', json: 'application/json', map: 'application/json',
  woff2: 'font/woff2', txt: 'text/plain; charset=utf-8',
};

/** The page policy: everything from this origin only; images may be blob: URLs (signed fetches). */
const CSP = "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

interface Cached { body: Buffer; gzip?: Buffer; type: string }

/** True when the request carries SigV4 (header or query string): then it is an S3 request. */
function isSigned(req: IncomingMessage, query: string): boolean {
  return req.headers.authorization !== undefined || /(^|&)X-Amz-(Signature|Credential)=/i.test(query);
}

/**
 * Returns a handler that answers the console's requests and returns true, or returns false for
 * any other request (left to the S3 and JSON routes). `dir` is the built console (dist/console).
 */
export function consoleRoute(dir: string): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(dir);
  const cache = new Map<string, Cached | null>();

  const load = async (file: string): Promise<Cached | null> => {
    if (cache.has(file)) return cache.get(file)!;
    let entry: Cached | null = null;
    try {
      const body = await readFile(file);
      const type = TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
      entry = { body, type, gzip: /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024 ? gzipSync(body) : undefined };
    } catch { entry = null; }
    if (entry) cache.set(file, entry); // a missing file may appear after a rebuild: not cached
    return entry;
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, f: Cached, headers: Record<string, string>) => {
    const gzip = f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? f.gzip! : f.body;
    res.writeHead(status, {
      'content-type': f.type, 'content-length': body.length, 'x-content-type-options': 'nosniff', vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}), ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const text = (req: IncomingMessage, res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) =>
    send(req, res, status, { body: Buffer.from(message + '\n'), type: TYPES.txt }, headers);

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    if (isSigned(req, query)) return false;
    if (path === '/' || path === '/console') {
      res.writeHead(302, { location: '/console/', 'content-length': 0 }).end();
      return true;
    }
    if (!path.startsWith('/console/')) return false;

    let rel: string;
    try { rel = decodeURIComponent(path.slice('/console/'.length)); } catch { text(req, res, 400, 'Bad request: the path is not valid percent-encoding.'); return true; }
    if (rel.split('/').some((s) => s === '..' || s === '.') || /[\\\0]/.test(rel)) {
      text(req, res, 400, 'Bad request: . and .. segments, backslashes and NUL are not allowed in the path.');
      return true;
    }
    const index = await load(join(root, 'index.html'));
    if (!index) {
      text(req, res, 404, 'The console is not built: run `npm run build` (it builds web/ into dist/console/).');
      return true;
    }
    if (rel.startsWith('assets/')) {
      const file = resolve(root, rel);
      const f = file.startsWith(root + sep) ? await load(file) : null;
      if (!f) text(req, res, 404, `Not found: /console/${rel}`);
      else send(req, res, 200, f, { 'cache-control': 'public, max-age=31536000, immutable' });
      return true;
    }
    if (rel === 'favicon.svg') {
      const f = await load(join(root, 'favicon.svg'));
      if (f) { send(req, res, 200, f, { 'cache-control': 'public, max-age=86400' }); return true; }
    }
    send(req, res, 200, index, { 'cache-control': 'no-cache', 'content-security-policy': CSP, 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    return true;
  };
}

/** dist/console/, found from this file's place in src/ (tsx) or dist/ (built). */
export function defaultConsoleDir(): string {
  return resolve(import.meta.dirname, '..', '..', 'dist', 'console');
}
