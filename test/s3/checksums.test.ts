// S3 additional checksums (x-amz-checksum-* headers and aws-chunked trailers, signed and unsigned),
// ListObjects' Owner, and the pipeline's S3 authorize stage, on a strict-mode server that verifies
// every signature. Expected CRCs come from node:zlib and node:crypto, not from the server's library.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { spawnSync } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { missingTools, TOOLS } from '../helpers/tools.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { awsS3, type Creds } from '../helpers/clients.js';

const A = { accessKeyId: 'AKIACHECKSUMOWNER001', secretAccessKey: 'owner-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/owner' };
/** Same account, an identity policy that allows reading objects only. */
const READER = {
  accessKeyId: 'AKIACHECKSUMREADER01', secretAccessKey: 'reader-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/reader',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::sums/*' }] },
};
const V2 = '/usr/bin/aws';
const needV2 = { skip: missingTools(TOOLS.awsV2()) };

let server: TestServer;
let work: string;
const crc32Base64 = (b: Buffer) => { const out = Buffer.alloc(4); out.writeUInt32BE(crc32(b)); return out.toString('base64'); };
const sha256Base64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

before(async () => {
  server = await startServer({ args: ['--auth', 'strict'], config: { credentials: [A, READER] } });
  work = mkdtempSync(join(tmpdir(), 'osprey-s3-sums-'));
  assert.equal(awsS3(server.url, ['s3', 'mb', 's3://sums'], A).code, 0);
});
after(async () => { await server?.stop(); server?.cleanup(); });

interface Raw { status: number; headers: Record<string, string | string[] | undefined>; body: string; bytes?: Buffer }

/** Signs the request head with SigV4 (header auth) and sends `body` as it is. */
async function send(method: string, path: string, body: Buffer | string, headers: Record<string, string>, creds: Creds = A): Promise<Raw & { signature: string; amzDate: string }> {
  const host = `127.0.0.1:${server.port}`;
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey! }, uriEscapePath: false });
  const [p, q] = path.split('?');
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host, path: p!, query: Object.fromEntries(new URLSearchParams(q ?? '')), headers: { host, ...headers }, body: '' });
  const signature = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]!;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { ...signed.headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => { chunks.push(c); });
      res.on('end', () => { const bytes = Buffer.concat(chunks); resolve({ status: res.statusCode!, headers: res.headers, body: bytes.toString('utf8'), bytes, signature, amzDate: signed.headers['x-amz-date']! }); });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const code = (r: Raw) => /<Code>(\w+)<\/Code>/.exec(r.body)?.[1];

test('x-amz-checksum-* headers: verified (BadDigest and nothing stored on a mismatch), echoed, returned with x-amz-checksum-mode', async () => {
  const data = randomBytes(3000);
  const put = await send('PUT', '/sums/header-crc32', data, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-checksum-crc32': crc32Base64(data) });
  assert.equal(put.status, 200, put.body);
  assert.equal(put.headers['x-amz-checksum-crc32'], crc32Base64(data));
  const bad = await send('PUT', '/sums/header-bad', data, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-checksum-sha256': sha256Base64(Buffer.from('other')) });
  assert.deepEqual([bad.status, code(bad)], [400, 'BadDigest']);
  assert.equal((await send('HEAD', '/sums/header-bad', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).status, 404, 'nothing stored');
  const malformed = await send('PUT', '/sums/header-bad', data, { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-checksum-crc32': 'not-base64!' });
  assert.deepEqual([malformed.status, code(malformed)], [400, 'InvalidRequest']);
  const get = await send('GET', '/sums/header-crc32', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-checksum-mode': 'ENABLED' });
  assert.equal(get.headers['x-amz-checksum-crc32'], crc32Base64(data));
  const plain = await send('GET', '/sums/header-crc32', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
  assert.equal(plain.headers['x-amz-checksum-crc32'], undefined, 'only when asked for');
});

test('multipart: each part\'s checksum is verified and echoed; CompleteMultipartUpload\'s checksum header is the whole object\'s, not its XML\'s', async () => {
  const h = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  const created = await send('POST', '/sums/mp?uploads', '', { ...h, 'x-amz-checksum-algorithm': 'CRC32' });
  assert.equal(created.status, 200, created.body);
  const uploadId = /<UploadId>([^<]+)</.exec(created.body)![1]!;
  const data = randomBytes(10_000);
  const q = `uploadId=${encodeURIComponent(uploadId)}`;
  const bad = await send('PUT', `/sums/mp?partNumber=1&${q}`, data, { ...h, 'x-amz-checksum-crc32': crc32Base64(Buffer.from('other')) });
  assert.deepEqual([bad.status, code(bad)], [400, 'BadDigest']);
  const part = await send('PUT', `/sums/mp?partNumber=1&${q}`, data, { ...h, 'x-amz-checksum-crc32': crc32Base64(data) });
  assert.equal(part.status, 200, part.body);
  assert.equal(part.headers['x-amz-checksum-crc32'], crc32Base64(data));
  const xml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${part.headers.etag}</ETag><ChecksumCRC32>${crc32Base64(data)}</ChecksumCRC32></Part></CompleteMultipartUpload>`;
  const done = await send('POST', `/sums/mp?${q}`, xml, { ...h, 'x-amz-checksum-crc32': crc32Base64(data), 'x-amz-checksum-type': 'FULL_OBJECT' });
  assert.equal(done.status, 200, done.body);
  const got = await send('GET', '/sums/mp', '', h);
  assert.deepEqual(got.bytes, data);
});

/** An aws-chunked body signed as STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (S3 API Reference, "Signature calculations for trailing headers"). */
function signedTrailerBody(data: Buffer, chunkSize: number, trailer: [string, string], seed: string, amzDate: string, secret: string, tamper?: 'chunk' | 'trailer'): Buffer {
  const date = amzDate.slice(0, 8);
  const scope = `${date}/us-east-1/s3/aws4_request`;
  const hmac = (k: Buffer | string, s: string) => createHmac('sha256', k).update(s).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), 'us-east-1'), 's3'), 'aws4_request');
  const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const parts: Buffer[] = [];
  let previous = seed;
  const pieces = [];
  for (let at = 0; at < data.length; at += chunkSize) pieces.push(data.subarray(at, at + chunkSize));
  pieces.push(Buffer.alloc(0));
  for (const piece of pieces) {
    let sig = hmac(key, ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, hex(''), hex(piece)].join('\n')).toString('hex');
    previous = sig;
    if (tamper === 'chunk' && piece.length > 0) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    parts.push(Buffer.from(`${piece.length.toString(16)};chunk-signature=${sig}\r\n`), piece, piece.length ? Buffer.from('\r\n') : Buffer.alloc(0));
  }
  let trailerSig = hmac(key, ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, hex(`${trailer[0]}:${trailer[1]}\n`)].join('\n')).toString('hex');
  if (tamper === 'trailer') trailerSig = trailerSig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  parts.push(Buffer.from(`${trailer[0]}:${trailer[1]}\r\nx-amz-trailer-signature:${trailerSig}\r\n\r\n`));
  return Buffer.concat(parts);
}

test('signed aws-chunked bodies with a trailing checksum: every chunk signature and the trailer signature are verified', async () => {
  const data = randomBytes(70_000);
  const put = async (key: string, trailerValue: string, tamper?: 'chunk' | 'trailer') => {
    const headers = {
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    // The seed signature is the request's own, so the head is signed first, then the body built from it.
    const host = `127.0.0.1:${server.port}`;
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: A.accessKeyId, secretAccessKey: A.secretAccessKey }, uriEscapePath: false });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: host, path: `/sums/${key}`, query: {}, headers: { host, ...headers }, body: '' });
    const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization!)![1]!;
    const body = signedTrailerBody(data, 32 * 1024, ['x-amz-checksum-crc32', trailerValue], seed, signed.headers['x-amz-date']!, A.secretAccessKey, tamper);
    return new Promise<Raw>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'PUT', path: `/sums/${key}`, headers: { ...signed.headers, 'content-length': body.length } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const ok = await put('signed-ok', crc32Base64(data));
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.headers['x-amz-checksum-crc32'], crc32Base64(data));
  const got = await send('GET', '/sums/signed-ok', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' });
  assert.deepEqual(got.bytes, data, 'the decoded bytes, without chunk framing or trailers');
  const head = await send('HEAD', '/sums/signed-ok', '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-checksum-mode': 'ENABLED' });
  assert.equal(head.headers['content-length'], String(data.length));
  assert.equal(head.headers['x-amz-checksum-crc32'], crc32Base64(data));
  for (const [key, value, tamper, want] of [
    ['bad-trailer-sig', crc32Base64(data), 'trailer', [403, 'SignatureDoesNotMatch']],
    ['bad-chunk-sig', crc32Base64(data), 'chunk', [403, 'SignatureDoesNotMatch']],
    ['bad-crc', crc32Base64(Buffer.from('x')), undefined, [400, 'BadDigest']],
  ] as const) {
    const r = await put(key, value, tamper);
    assert.deepEqual([r.status, code(r)], want, `${key}: ${r.body}`);
    assert.equal((await send('HEAD', `/sums/${key}`, '', { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).status, 404, `${key}: nothing stored`);
  }
});

test('@aws-sdk/client-s3: streamed PutObjects with a trailing CRC32C / CRC64NVME (STREAMING-UNSIGNED-PAYLOAD-TRAILER), read back with checksum validation', async () => {
  const s3 = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: A, maxAttempts: 1 });
  try {
    const data = randomBytes(200_000);
    for (const algorithm of ['CRC32C', 'CRC64NVME'] as const) {
      const field = `Checksum${algorithm}` as const;
      const key = `sdk/${algorithm}`;
      const put = await s3.send(new PutObjectCommand({ Bucket: 'sums', Key: key, Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]), ContentLength: data.length, ChecksumAlgorithm: algorithm }));
      assert.ok(put[field], `the server echoes the ${algorithm}`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'sums', Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(got[field], put[field]);
      assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), data); // the SDK validates the checksum as it reads
    }
    const known = await s3.send(new PutObjectCommand({ Bucket: 'sums', Key: 'sdk/known', Body: Buffer.from('123456789'), ChecksumAlgorithm: 'CRC32C' }));
    assert.equal(known.ChecksumCRC32C, Buffer.from('e3069283', 'hex').toString('base64'), 'CRC32C check value of "123456789"');
  } finally { s3.destroy(); }
});

test('AWS CLI v2: put-object --checksum-algorithm CRC32/CRC32C/SHA256 (header checksums), get-object --checksum-mode ENABLED validates', needV2, () => {
  assert.ok(existsSync(V2), 'AWS CLI v2 at /usr/bin/aws');
  const env = { ...process.env, AWS_ACCESS_KEY_ID: A.accessKeyId, AWS_SECRET_ACCESS_KEY: A.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' };
  const v2 = (args: string[]) => {
    const r = spawnSync(V2, ['--endpoint-url', server.url, ...args], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout || '{}');
  };
  const data = randomBytes(100_000);
  const file = join(work, 'v2.bin');
  writeFileSync(file, data);
  const crc = v2(['s3api', 'put-object', '--bucket', 'sums', '--key', 'v2/crc32', '--body', file, '--checksum-algorithm', 'CRC32']);
  assert.equal(crc.ChecksumCRC32, crc32Base64(data));
  const got = v2(['s3api', 'get-object', '--bucket', 'sums', '--key', 'v2/crc32', '--checksum-mode', 'ENABLED', join(work, 'v2.out')]);
  assert.equal(got.ChecksumCRC32, crc32Base64(data));
  const sha = v2(['s3api', 'put-object', '--bucket', 'sums', '--key', 'v2/sha', '--body', file, '--checksum-algorithm', 'SHA256']);
  assert.equal(sha.ChecksumSHA256, sha256Base64(data));
  const c = v2(['s3api', 'put-object', '--bucket', 'sums', '--key', 'v2/crc32c', '--body', file, '--checksum-algorithm', 'CRC32C']);
  const head = v2(['s3api', 'head-object', '--bucket', 'sums', '--key', 'v2/crc32c', '--checksum-mode', 'ENABLED']);
  assert.equal(head.ChecksumCRC32C, c.ChecksumCRC32C);
});

test('ListObjects (V1) lists each object\'s Owner as S3 does; ListObjectsV2 only with fetch-owner', () => {
  assert.equal(awsS3(server.url, ['s3api', 'put-object', '--bucket', 'sums', '--key', 'owned.txt'], A).code, 0);
  const v1 = awsS3(server.url, ['s3api', 'list-objects', '--bucket', 'sums', '--prefix', 'owned'], A).json;
  assert.deepEqual(v1.Contents.map((c: any) => [c.Key, c.Owner]), [['owned.txt', { ID: A.accountId, DisplayName: A.accountId }]]);
  assert.deepEqual(Object.keys(v1.Contents[0]).sort(), ['ETag', 'Key', 'LastModified', 'Owner', 'Size', 'StorageClass']);
  const v2 = awsS3(server.url, ['s3api', 'list-objects-v2', '--bucket', 'sums', '--prefix', 'owned'], A).json;
  assert.equal(v2.Contents[0].Owner, undefined);
  const fetched = awsS3(server.url, ['s3api', 'list-objects-v2', '--bucket', 'sums', '--prefix', 'owned', '--fetch-owner'], A).json;
  assert.deepEqual(fetched.Contents[0].Owner, { ID: A.accountId, DisplayName: A.accountId });
});

test('the authorize stage: an identity policy allowing s3:GetObject only reads; every other action is AccessDenied', async () => {
  assert.equal(awsS3(server.url, ['s3api', 'put-object', '--bucket', 'sums', '--key', 'readable'], A).code, 0);
  const h = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  assert.equal((await send('GET', '/sums/readable', '', h, READER)).status, 200);
  for (const [method, path, body] of [
    ['PUT', '/sums/readable', 'overwrite'], ['DELETE', '/sums/readable', ''], ['GET', '/sums?list-type=2', ''], ['GET', '/sums', ''],
    ['HEAD', '/sums', ''], ['GET', '/', ''], ['PUT', '/reader-bucket', ''], ['GET', '/sums?location', ''], ['POST', '/sums/readable?uploads', ''],
  ] as const) {
    const r = await send(method, path, body, h, READER);
    assert.equal(r.status, 403, `${method} ${path}: ${r.body}`);
  }
  const copy = await send('PUT', '/sums/copied', '', { ...h, 'x-amz-copy-source': '/sums/readable' }, READER);
  assert.equal(copy.status, 403, 'a copy needs s3:PutObject on the target too');
  const del = await send('POST', '/sums?delete', '<Delete><Object><Key>readable</Key></Object></Delete>', { ...h, 'content-md5': createHash('md5').update('<Delete><Object><Key>readable</Key></Object></Delete>').digest('base64') }, READER);
  assert.equal(del.status, 200);
  assert.match(del.body, /<Error><Key>readable<\/Key><Code>AccessDenied<\/Code>/, 'DeleteObjects decides each key');
  assert.equal((await send('GET', '/sums/readable', '', h, A)).status, 200, 'still there');
  assert.equal((await send('GET', '/missing-bucket/x', '', h, READER)).status, 404, 'NoSuchBucket first');
});
