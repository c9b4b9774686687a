// The server's only part in the console: src/server/console-route.ts serves the built files under
// /console/ to unsigned GET/HEAD requests and leaves every signed request (S3 path-style
// /console/<key>, a bucket may be named "console") to the other routes.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { consoleRoute } from '../../src/server/console-route.js';
import { tempDir } from '../helpers/tmp.js';

let dir: string;
let server: Server;
let base: string;
const JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;

async function listen(d: string): Promise<[Server, string]> {
  const route = consoleRoute(d);
  const s = createServer(async (req, res) => {
    if (await route(req, res)) return;
    res.writeHead(418, { 'content-type': 'text/plain' }).end('not the console'); // what the S3/JSON routes would get
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  return [s, `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`];
}

before(async () => {
  dir = tempDir('osprey-console-route-');
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), JS);
  writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'not an asset');
  [server, base] = await listen(dir);
});

after(() => { server.close(); rmSync(dir, { recursive: true, force: true }); });

test('pages: / and /console redirect to /console/; every page URL is index.html, never cached, with a strict CSP', async () => {
  for (const p of ['/', '/console']) {
    const r = await fetch(base + p, { redirect: 'manual' });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), '/console/');
  }
  for (const p of ['/console/', '/console/projects/shapes', '/console/projects/a.b/versions/v1/try?x=1', '/console/secret.txt']) {
    const r = await fetch(base + p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.match(r.headers.get('content-security-policy')!, /default-src 'self'.*connect-src 'self'/);
    assert.equal(await r.text(), '<!doctype html><title>console</title>');
  }
});

test('assets: content types, immutable caching, gzip when asked, HEAD without a body, 404 for a missing one', async () => {
  const js = await fetch(`${base}/console/assets/index-abc.js`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.equal(js.headers.get('content-encoding'), null);
  assert.equal(await js.text(), JS);
  const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
    import('node:http').then(({ get }) => get(`${base}/console/assets/index-abc.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) })).on('error', reject);
    }));
  });
  assert.equal(raw.headers['content-encoding'], 'gzip');
  assert.ok(raw.body.length < JS.length / 10);
  assert.equal(gunzipSync(raw.body).toString(), JS);
  assert.equal((await fetch(`${base}/console/assets/index-abc.css`)).headers.get('content-type'), 'text/css; charset=utf-8');
  const head = await fetch(`${base}/console/assets/index-abc.css`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '6');
  const missing = await fetch(`${base}/console/assets/nope.js`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8');
});

test('no path leaves the console folder: .., encoded .., backslashes and NUL are 400', async () => {
  const { request } = await import('node:http');
  const raw = (path: string) => new Promise<number>((resolve, reject) => {
    const u = new URL(base);
    request({ host: u.hostname, port: u.port, path, method: 'GET' }, (res) => { res.resume(); resolve(res.statusCode!); }).on('error', reject).end();
  });
  for (const p of ['/console/assets/../secret.txt', '/console/assets/%2e%2e/secret.txt', '/console/..%2f..%2fetc/passwd', '/console/assets/a%5c..%5csecret.txt', '/console/assets/a%00.js', '/console/%zz']) {
    assert.equal(await raw(p), 400, p);
  }
});

test('signed requests, other methods and other paths are not the console (S3 path-style /console/<key> keeps working)', async () => {
  const signed = await fetch(`${base}/console/photo.png`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA/20250101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' } });
  assert.equal(signed.status, 418);
  const presigned = await fetch(`${base}/console/photo.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00`);
  assert.equal(presigned.status, 418);
  assert.equal((await fetch(`${base}/console/x`, { method: 'PUT', body: 'x' })).status, 418);
  assert.equal((await fetch(`${base}/consoles/x`)).status, 418);
  assert.equal((await fetch(`${base}/imgs/console/x`)).status, 418);
});

test('a server without the built console says how to build it', async () => {
  const [s, b] = await listen(join(dir, 'not-built'));
  try {
    const r = await fetch(`${b}/console/projects`);
    assert.equal(r.status, 404);
    assert.match(await r.text(), /npm run build/);
  } finally { s.close(); }
});
