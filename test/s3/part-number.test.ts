// GetObject / HeadObject with partNumber on the embedded store: a multipart object's part as uploaded
// (206, Content-Range, x-amz-mp-parts-count), any other object as its one part, InvalidPartNumber past the
// last part, and Range with partNumber refused (as S3, which multipart download clients rely on).
// Not run against the 2-node cluster: moto_server, its S3 service, answers a multipart part with the whole object.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); server?.cleanup(); });

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

test('partNumber reads one part: 206 with its range and the parts count; a single-part object is one part', async () => {
  const url = (path: string) => `${server.url}/parts${path}`;
  assert.equal((await fetch(url(''), { method: 'PUT' })).status, 200);
  const parts = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024 + 17), randomBytes(1000)];
  const created = await (await fetch(url('/big?uploads'), { method: 'POST' })).text();
  const uploadId = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec(created)![1]!);
  for (const [i, p] of parts.entries()) assert.equal((await fetch(url(`/big?partNumber=${i + 1}&uploadId=${uploadId}`), { method: 'PUT', body: p })).status, 200);
  const xml = `<CompleteMultipartUpload>${parts.map((p, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>"${md5(p)}"</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  assert.equal((await fetch(url(`/big?uploadId=${uploadId}`), { method: 'POST', body: xml })).status, 200);
  const total = parts.reduce((n, p) => n + p.length, 0);
  let offset = 0;
  for (const [i, p] of parts.entries()) {
    const r = await fetch(url(`/big?partNumber=${i + 1}`));
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes ${offset}-${offset + p.length - 1}/${total}`);
    assert.equal(r.headers.get('x-amz-mp-parts-count'), '3');
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(p), `part ${i + 1}'s bytes`);
    offset += p.length;
  }
  const head = await fetch(url('/big?partNumber=2'), { method: 'HEAD' });
  assert.deepEqual([head.status, head.headers.get('content-length'), head.headers.get('x-amz-mp-parts-count')], [206, String(parts[1]!.length), '3']);
  const past = await fetch(url('/big?partNumber=4'));
  assert.deepEqual([past.status, /<Code>(\w+)<\/Code>/.exec(await past.text())?.[1]], [416, 'InvalidPartNumber']);
  const both = await fetch(url('/big?partNumber=1'), { headers: { range: 'bytes=0-1' } });
  assert.deepEqual([both.status, /<Code>(\w+)<\/Code>/.exec(await both.text())?.[1]], [400, 'InvalidRequest']);
  // A single-part object is one part, without a parts count.
  assert.equal((await fetch(url('/small'), { method: 'PUT', body: 'hello' })).status, 200);
  const one = await fetch(url('/small?partNumber=1'));
  assert.deepEqual([one.status, one.headers.get('content-range'), one.headers.get('x-amz-mp-parts-count'), await one.text()], [206, 'bytes 0-4/5', null, 'hello']);
  assert.equal((await fetch(url('/small?partNumber=2'))).status, 416);
});
