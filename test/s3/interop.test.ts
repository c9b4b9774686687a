// The S3 API through clients nobody here wrote: aws CLI v1 and v2, boto3 and @aws-sdk/client-s3
// (path-style, as a browser console uses it), against a strict-mode server that verifies every
// signature (header, UNSIGNED-PAYLOAD, aws-chunked streaming, presigned v2 and v4).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { missingTools, TOOLS } from '../helpers/tools.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { awsS3, boto3Script, type Creds } from '../helpers/clients.js';

const A: Creds & { accountId: string; principalArn: string } = { accessKeyId: 'AKIAS3OWNER00000001', secretAccessKey: 'owner-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/owner' };
const B: Creds & { accountId: string; principalArn: string } = { accessKeyId: 'AKIAS3OTHER00000001', secretAccessKey: 'other-secret', accountId: '444455556666', principalArn: 'arn:aws:iam::444455556666:user/other' };
const V2 = '/usr/bin/aws';

let server: TestServer;
let work: string;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

before(async () => {
  server = await startServer({ args: ['--auth', 'strict'], config: { credentials: [A, B] } });
  work = mkdtempSync(join(tmpdir(), 'osprey-s3-'));
});
after(async () => { await server?.stop(); server?.cleanup(); });

test('aws CLI v1: mb, sync, ls, cp of a 20 MB file (multipart) with its MD5, presign, rm, rb', () => {
  const src = join(work, 'images');
  mkdirSync(join(src, 'cats'), { recursive: true });
  for (const n of ['a.jpg', 'cats/b c.jpg', 'cats/ü.png']) writeFileSync(join(src, n), randomBytes(1000));
  const big = randomBytes(20 * 1024 * 1024);
  writeFileSync(join(work, 'big.bin'), big);
  const ok = (args: string[]) => { const r = awsS3(server.url, args, A); assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`); return r.stdout; };
  ok(['s3', 'mb', 's3://photos']);
  ok(['s3', 'sync', src, 's3://photos/train/']);
  assert.match(ok(['s3', 'ls', 's3://photos/']), /PRE train\//);
  const all = ok(['s3', 'ls', 's3://photos/', '--recursive']);
  for (const k of ['train/a.jpg', 'train/cats/b c.jpg', 'train/cats/ü.png']) assert.ok(all.includes(k), `${k} in ${all}`);
  ok(['s3', 'cp', join(work, 'big.bin'), 's3://photos/big.bin']);
  ok(['s3', 'cp', 's3://photos/big.bin', join(work, 'big.out')]);
  assert.equal(md5(readFileSync(join(work, 'big.out'))), md5(big));
  const head = awsS3(server.url, ['s3api', 'head-object', '--bucket', 'photos', '--key', 'big.bin'], A).json;
  assert.match(head.ETag, /^"[0-9a-f]{32}-\d+"$/, 'a multipart ETag');
  // An S3-to-S3 copy of an object over the CLI's 8 MB threshold is a multipart upload of UploadPartCopy parts.
  ok(['s3', 'cp', 's3://photos/big.bin', 's3://photos/copies/big.bin']);
  ok(['s3', 'cp', 's3://photos/copies/big.bin', join(work, 'big.copy.out')]);
  assert.equal(md5(readFileSync(join(work, 'big.copy.out'))), md5(big), 'the copy has the same bytes');
  assert.match(awsS3(server.url, ['s3api', 'head-object', '--bucket', 'photos', '--key', 'copies/big.bin'], A).json.ETag, /^"[0-9a-f]{32}-\d+"$/);
  const url = ok(['s3', 'presign', 's3://photos/train/a.jpg']).trim();
  const fetched = spawnSync('curl', ['-s', '-o', join(work, 'presigned'), '-w', '%{http_code}', url], { encoding: 'utf8' });
  assert.equal(fetched.stdout, '200');
  assert.deepEqual(readFileSync(join(work, 'presigned')), readFileSync(join(src, 'a.jpg')));
  const tampered = spawnSync('curl', ['-s', '-w', '%{http_code}', url.replace('a.jpg', 'cats/ü.png')], { encoding: 'utf8' });
  assert.match(tampered.stdout, /SignatureDoesNotMatch[\s\S]*403$/);
  const rb = awsS3(server.url, ['s3', 'rb', 's3://photos'], A);
  assert.notEqual(rb.code, 0);
  assert.match(rb.stderr, /BucketNotEmpty/);
  ok(['s3', 'rm', '--recursive', 's3://photos/']);
  ok(['s3', 'rb', 's3://photos']);
  assert.doesNotMatch(ok(['s3', 'ls']), /photos/);
});

test('aws CLI v2: the same round trip, with its own signing and checksums', { skip: missingTools(TOOLS.awsV2()) }, () => {
  assert.ok(existsSync(V2), 'AWS CLI v2 at /usr/bin/aws');
  const env = { ...process.env, AWS_ACCESS_KEY_ID: A.accessKeyId, AWS_SECRET_ACCESS_KEY: A.secretAccessKey!, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '' };
  const v2 = (args: string[]) => {
    const r = spawnSync(V2, ['--endpoint-url', server.url, ...args], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const big = randomBytes(20 * 1024 * 1024 + 17);
  writeFileSync(join(work, 'big2.bin'), big);
  v2(['s3', 'mb', 's3://v2-bucket']);
  v2(['s3', 'cp', join(work, 'big2.bin'), 's3://v2-bucket/dir/big.bin']);
  v2(['s3', 'cp', join(work, 'presigned'), 's3://v2-bucket/small']);
  assert.match(v2(['s3', 'ls', 's3://v2-bucket', '--recursive']), /dir\/big\.bin[\s\S]*small/);
  v2(['s3', 'cp', 's3://v2-bucket/dir/big.bin', join(work, 'big2.out')]);
  assert.equal(md5(readFileSync(join(work, 'big2.out'))), md5(big));
  const url = v2(['s3', 'presign', 's3://v2-bucket/small']).trim();
  assert.match(url, /X-Amz-Signature=/);
  assert.equal(spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', url], { encoding: 'utf8' }).stdout, '200');
  v2(['s3', 'rm', '--recursive', 's3://v2-bucket/']);
  v2(['s3', 'rb', 's3://v2-bucket']);
});

test('boto3: metadata, ranges, conditional GET, copy, DeleteObjects, paging, key edge cases, S3 errors', () => {
  const out = boto3Script(server.url, `
s3.create_bucket(Bucket='edge')
keys = ['a', 'a/b', 'a/b/', 'x/../y', 'd//e', 'sp ace', 'ünïcødé/🐟', '..', 'q+r=s&t']
for k in keys:
    s3.put_object(Bucket='edge', Key=k, Body=('body ' + k).encode(), ContentType='text/plain', Metadata={'who': 'me'})
got = {k: s3.get_object(Bucket='edge', Key=k)['Body'].read().decode() for k in keys}
h = s3.head_object(Bucket='edge', Key='a/b')
rng = s3.get_object(Bucket='edge', Key='sp ace', Range='bytes=1-3')
try:
    s3.get_object(Bucket='edge', Key='a', IfNoneMatch=s3.head_object(Bucket='edge', Key='a')['ETag'])
    cond = 'no-error'
except botocore.exceptions.ClientError as e:
    cond = e.response['ResponseMetadata']['HTTPStatusCode']
s3.copy_object(Bucket='edge', Key='copied', CopySource={'Bucket': 'edge', 'Key': 'ünïcødé/🐟'})
pages = [[o['Key'] for o in p.get('Contents', [])] + [c['Prefix'] for c in p.get('CommonPrefixes', [])]
         for p in s3.get_paginator('list_objects_v2').paginate(Bucket='edge', Delimiter='/', PaginationConfig={'PageSize': 2})]
v1 = [o['Key'] for p in s3.get_paginator('list_objects').paginate(Bucket='edge', PaginationConfig={'PageSize': 3}) for o in p.get('Contents', [])]
deleted = s3.delete_objects(Bucket='edge', Delete={'Objects': [{'Key': 'copied'}, {'Key': 'never-there'}]})
errors = {}
def err(name, f):
    try:
        f(); errors[name] = 'no-error'
    except botocore.exceptions.ClientError as e:
        errors[name] = [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode']]
err('nokey', lambda: s3.get_object(Bucket='edge', Key='nope'))
err('nobucket', lambda: s3.get_object(Bucket='no-such-bucket-here', Key='x'))
err('badname', lambda: s3.create_bucket(Bucket='Bad_Name'))
err('notempty', lambda: s3.delete_bucket(Bucket='edge'))
err('range', lambda: s3.get_object(Bucket='edge', Key='a', Range='bytes=100-200'))
err('md5', lambda: s3.put_object(Bucket='edge', Key='m', Body=b'abc', ContentMD5='AAAAAAAAAAAAAAAAAAAAAA=='))
err('noupload', lambda: s3.upload_part(Bucket='edge', Key='m', UploadId='nope', PartNumber=1, Body=b'x'))
err('partnumber', lambda: s3.upload_part(Bucket='edge', Key='m', UploadId='nope', PartNumber=10001, Body=b'x'))
err('acl', lambda: s3.get_bucket_acl(Bucket='edge'))
up = s3.create_multipart_upload(Bucket='edge', Key='mp')['UploadId']
err('badxml', lambda: s3.complete_multipart_upload(Bucket='edge', Key='mp', UploadId=up, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': '"0"'}]}))
s3.abort_multipart_upload(Bucket='edge', Key='mp', UploadId=up)
uploads = s3.list_multipart_uploads(Bucket='edge').get('Uploads', [])
out = {'keys': keys, 'got': got, 'meta': h['Metadata'], 'ctype': h['ContentType'], 'range': rng['Body'].read().decode(), 'rangeStatus': rng['ResponseMetadata']['HTTPStatusCode'],
       'cond': cond, 'pages': pages, 'v1': v1, 'deleted': sorted(d['Key'] for d in deleted.get('Deleted', [])), 'errors': errors, 'uploads': uploads,
       'loc': s3.get_bucket_location(Bucket='edge').get('LocationConstraint')}
`, A);
  for (const k of out.keys) assert.equal(out.got[k], `body ${k}`, k);
  assert.deepEqual([out.meta, out.ctype, out.range, out.rangeStatus, out.cond], [{ who: 'me' }, 'text/plain', 'ody', 206, 304]);
  assert.deepEqual(out.pages.flat().sort(), ['..', 'a', 'a/', 'copied', 'd/', 'q+r=s&t', 'sp ace', 'x/', 'ünïcødé/']);
  assert.ok(out.pages.every((p: string[]) => p.length <= 2));
  assert.deepEqual(out.v1, ['..', 'a', 'a/b', 'a/b/', 'copied', 'd//e', 'q+r=s&t', 'sp ace', 'x/../y', 'ünïcødé/🐟']);
  assert.deepEqual(out.deleted, ['copied', 'never-there']);
  assert.deepEqual(out.errors, {
    nokey: ['NoSuchKey', 404], nobucket: ['NoSuchBucket', 404], badname: ['InvalidBucketName', 400], notempty: ['BucketNotEmpty', 409],
    range: ['InvalidRange', 416], md5: ['BadDigest', 400], noupload: ['NoSuchUpload', 404], partnumber: ['InvalidArgument', 400],
    acl: ['NotImplemented', 400], badxml: ['InvalidPart', 400],
  });
  assert.deepEqual([out.uploads, out.loc], [[], null]);
});

test('buckets have owners: names are global; another account needs a bucket policy, and a Deny wins', () => {
  awsS3(server.url, ['s3', 'mb', 's3://owned'], A);
  writeFileSync(join(work, 'o.txt'), 'owned by A');
  assert.equal(awsS3(server.url, ['s3', 'cp', join(work, 'o.txt'), 's3://owned/dir/o.txt'], A).code, 0);
  const asB = (args: string[]) => awsS3(server.url, args, B);
  assert.match(asB(['s3', 'mb', 's3://owned']).stderr, /BucketAlreadyExists/);
  assert.match(awsS3(server.url, ['s3', 'mb', 's3://owned'], A).stderr + 'ok', /ok/, 'creating your own bucket again in us-east-1 succeeds');
  assert.match(asB(['s3', 'ls', 's3://owned/']).stderr, /AccessDenied/);
  assert.match(asB(['s3', 'cp', 's3://owned/dir/o.txt', '-']).stderr, /403|AccessDenied|Forbidden/);
  assert.match(asB(['s3', 'cp', join(work, 'o.txt'), 's3://owned/dir/o.txt']).stderr, /AccessDenied/);
  assert.doesNotMatch(asB(['s3', 'ls']).stdout, /owned/);
  const policy = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const grant = { Effect: 'Allow', Principal: { AWS: B.accountId }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::owned/*' };
  assert.match(asB(['s3api', 'put-bucket-policy', '--bucket', 'owned', '--policy', policy([grant])]).stderr, /AccessDenied/);
  assert.equal(awsS3(server.url, ['s3api', 'put-bucket-policy', '--bucket', 'owned', '--policy', policy([grant])], A).code, 0);
  assert.deepEqual(JSON.parse(awsS3(server.url, ['s3api', 'get-bucket-policy', '--bucket', 'owned'], A).json.Policy).Statement, [grant]);
  const read = asB(['s3', 'cp', 's3://owned/dir/o.txt', '-']);
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, 'owned by A');
  assert.match(asB(['s3', 'ls', 's3://owned/']).stderr, /AccessDenied/, 'GetObject does not grant ListBucket');
  const deny = { Effect: 'Deny', Principal: { AWS: B.principalArn }, Action: 's3:*', Resource: 'arn:aws:s3:::owned/dir/*' };
  assert.equal(awsS3(server.url, ['s3api', 'put-bucket-policy', '--bucket', 'owned', '--policy', policy([grant, deny])], A).code, 0);
  assert.match(asB(['s3', 'cp', 's3://owned/dir/o.txt', '-']).stderr, /403|AccessDenied|Forbidden/);
  const bad = awsS3(server.url, ['s3api', 'put-bucket-policy', '--bucket', 'owned', '--policy', policy([{ ...grant, Resource: 'arn:aws:s3:::other/*' }])], A);
  assert.match(bad.stderr, /MalformedPolicy/);
});

test('@aws-sdk/client-s3 with forcePathStyle (as the browser console): PutObject, GetObject, ListObjectsV2', async () => {
  const client = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: A.accessKeyId, secretAccessKey: A.secretAccessKey! } });
  awsS3(server.url, ['s3', 'mb', 's3://sdk-bucket'], A);
  const body = randomBytes(70_000);
  const put = await client.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'up/img.jpg', Body: body, ContentType: 'image/jpeg' }));
  assert.equal(put.ETag, `"${md5(body)}"`);
  const got = await client.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'up/img.jpg' }));
  assert.equal(got.ContentType, 'image/jpeg');
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), body);
  // A body larger than the embedded store keeps in its index, sent aws-chunked with a trailing checksum (the SDK's default).
  const large = randomBytes(300 * 1024);
  assert.equal((await client.send(new PutObjectCommand({ Bucket: 'sdk-bucket', Key: 'up/large.bin', Body: large }))).ETag, `"${md5(large)}"`);
  const gotLarge = await client.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'up/large.bin' }));
  assert.ok(Buffer.from(await gotLarge.Body!.transformToByteArray()).equals(large));
  const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sdk-bucket', Prefix: 'up/' }));
  assert.deepEqual(listed.Contents?.map((o) => [o.Key, o.Size]), [['up/img.jpg', body.length], ['up/large.bin', large.length]]);
  const wrong = new S3Client({ endpoint: server.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: A.accessKeyId, secretAccessKey: 'wrong' } });
  await assert.rejects(wrong.send(new GetObjectCommand({ Bucket: 'sdk-bucket', Key: 'up/img.jpg' })), (e: Error) => e.name === 'SignatureDoesNotMatch');
  client.destroy();
  wrong.destroy();
});

/** A signed path-style request; its status and response headers. */
async function fetchSigned(method: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const host = `127.0.0.1:${server.port}`;
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: A.accessKeyId, secretAccessKey: A.secretAccessKey! }, uriEscapePath: false });
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host, path, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: signed.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A SigV4-signed raw request with the given Host (virtual-hosted style needs no DNS this way). */
async function signedRaw(method: string, host: string, path: string, body = '', extra: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Sha256 } = await import('@aws-crypto/sha256-js');
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: A.accessKeyId, secretAccessKey: A.secretAccessKey! }, uriEscapePath: false });
  const [p, q] = path.split('?');
  const query = Object.fromEntries(new URLSearchParams(q ?? ''));
  const signed = await signer.sign({ method, protocol: 'http:', hostname: host, path: p!, query, headers: { host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, body });
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { ...signed.headers, 'content-length': Buffer.byteLength(body), ...extra } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Skipped through the 2-node cluster's test proxy (OSPREY_TEST_CLUSTER): a raw request with a declared length
// over the limit and no body is refused by the node from its headers, and the test proxy does not relay that.
test('virtual-hosted-style requests (bucket.localhost:port) and S3 XML errors for bad input', { skip: process.env.OSPREY_TEST_CLUSTER ? 'the test proxy does not relay a refusal sent before the body' : false }, async () => {
  const host = `vhost-bucket.localhost:${server.port}`;
  assert.equal((await signedRaw('PUT', host, '/')).status, 200);
  assert.equal((await signedRaw('PUT', host, '/dir/k%20ey.txt', 'hello')).status, 200);
  assert.equal((await signedRaw('GET', host, '/dir/k%20ey.txt')).body, 'hello');
  const listed = await signedRaw('GET', host, '/?list-type=2&prefix=dir%2F');
  assert.match(listed.body, /<ListBucketResult xmlns="http:\/\/s3\.amazonaws\.com\/doc\/2006-03-01\/"><Name>vhost-bucket<\/Name>[\s\S]*<Key>dir\/k ey\.txt<\/Key>/);
  const path = `/vhost-bucket/dir/k%20ey.txt`;
  const local = `127.0.0.1:${server.port}`;
  assert.equal((await signedRaw('GET', local, path)).body, 'hello', 'the same object path-style');
  const bad = await signedRaw('POST', host, '/?delete', '<Delete><Object><Key>x</Key></Object');
  assert.equal(bad.status, 400);
  assert.match(bad.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>MalformedXML<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><\/Error>$/);
  const badName = await signedRaw('PUT', local, '/-bad-', '');
  assert.match(badName.body, /<Code>InvalidBucketName<\/Code>/);
  const noUpload = await signedRaw('POST', local, `${path}?uploadId=nope`, '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>');
  assert.deepEqual([noUpload.status, /<Code>(\w+)<\/Code>/.exec(noUpload.body)?.[1]], [404, 'NoSuchUpload']);
  const huge = await signedRaw('PUT', local, '/vhost-bucket/huge', '', { 'content-length': String(6 * 1024 ** 3) });
  assert.deepEqual([huge.status, /<Code>(\w+)<\/Code>/.exec(huge.body)?.[1]], [400, 'EntityTooLarge']);
  assert.equal((await signedRaw('HEAD', local, '/vhost-bucket/huge')).status, 404, 'nothing visible');
  const versioning = await signedRaw('GET', local, '/vhost-bucket?versioning');
  assert.deepEqual([versioning.status, /<Code>(\w+)<\/Code>/.exec(versioning.body)?.[1]], [400, 'NotImplemented']);
});

test('conditional writes, versionIds, copy-source conditions, Content-MD5 of small bodies, metadata size and XML with a DOCTYPE', async () => {
  const local = `127.0.0.1:${server.port}`;
  const code = (r: { body: string }) => /<Code>(\w+)<\/Code>/.exec(r.body)?.[1];
  assert.equal((await signedRaw('PUT', local, '/conditions')).status, 200);
  assert.equal((await signedRaw('PUT', local, '/conditions/k', 'first')).status, 200);
  const etag = md5(Buffer.from('first'));
  // If-None-Match: * never replaces; If-Match replaces only the object it names.
  const clobber = await signedRaw('PUT', local, '/conditions/k', 'CLOBBER', { 'if-none-match': '*' });
  assert.deepEqual([clobber.status, code(clobber)], [412, 'PreconditionFailed']);
  const stale = await signedRaw('PUT', local, '/conditions/k', 'CLOBBER', { 'if-match': '"0123456789abcdef0123456789abcdef"' });
  assert.deepEqual([stale.status, code(stale)], [412, 'PreconditionFailed']);
  assert.equal((await signedRaw('GET', local, '/conditions/k')).body, 'first', 'both refused writes left the object as it was');
  const missing = await signedRaw('PUT', local, '/conditions/none', 'x', { 'if-match': `"${etag}"` });
  assert.deepEqual([missing.status, code(missing)], [404, 'NoSuchKey']);
  assert.equal((await signedRaw('PUT', local, '/conditions/k', 'second', { 'if-match': `"${etag}"` })).status, 200);
  assert.equal((await signedRaw('PUT', local, '/conditions/new', 'n', { 'if-none-match': '*' })).status, 200);
  assert.equal((await signedRaw('GET', local, '/conditions/k')).body, 'second');
  // CompleteMultipartUpload with If-None-Match: * on an existing key: refused, and the upload stays open.
  const created = await signedRaw('POST', local, '/conditions/k?uploads');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1]!;
  const part = await signedRaw('PUT', local, `/conditions/k?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, 'part');
  assert.equal(part.status, 200);
  const completeXml = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"${md5(Buffer.from('part'))}"</ETag></Part></CompleteMultipartUpload>`;
  const refused = await signedRaw('POST', local, `/conditions/k?uploadId=${encodeURIComponent(uploadId)}`, completeXml, { 'if-none-match': '*' });
  assert.deepEqual([refused.status, code(refused)], [412, 'PreconditionFailed']);
  assert.equal((await signedRaw('POST', local, `/conditions/k?uploadId=${encodeURIComponent(uploadId)}`, completeXml)).status, 200, 'the upload is still there');
  assert.equal((await signedRaw('GET', local, '/conditions/k')).body, 'part');
  // A bucket without versioning has one version of each object, "null"; any other id is refused, never read as the current one.
  for (const [method, path] of [['GET', '/conditions/k?versionId=zzz'], ['HEAD', '/conditions/k?versionId=zzz'], ['DELETE', '/conditions/k?versionId=zzz']] as const) {
    const r = await signedRaw(method, local, path);
    assert.equal(r.status, 400, `${method} ${path}`);
    if (method !== 'HEAD') assert.equal(code(r), 'InvalidArgument');
  }
  const batch = await signedRaw('POST', local, '/conditions?delete', '<Delete><Object><Key>k</Key><VersionId>zzz</VersionId></Object></Delete>');
  assert.match(batch.body, /<Error><Key>k<\/Key><Code>InvalidArgument<\/Code>/);
  assert.equal((await signedRaw('GET', local, '/conditions/k?versionId=null')).body, 'part', 'nothing was deleted');
  // CopyObject's conditions on its source.
  const copy = (extra: Record<string, string>) => signedRaw('PUT', local, '/conditions/copy', '', { 'x-amz-copy-source': '/conditions/k', ...extra });
  const partEtag = `"${md5(Buffer.from(md5(Buffer.from('part')), 'hex'))}-1"`;
  assert.equal((await copy({ 'x-amz-copy-source-if-match': '"nope"' })).status, 412);
  assert.equal((await copy({ 'x-amz-copy-source-if-none-match': partEtag })).status, 412);
  assert.equal((await copy({ 'x-amz-copy-source-if-modified-since': new Date(Date.now() + 3600_000).toUTCString() })).status, 412);
  assert.equal((await signedRaw('HEAD', local, '/conditions/copy')).status, 404, 'no refused copy was made');
  assert.equal((await copy({ 'x-amz-copy-source-if-match': partEtag })).status, 200);
  // Content-MD5 of a small body (DeleteObjects) is checked: a wrong one deletes nothing.
  const wrongMd5 = await signedRaw('POST', local, '/conditions?delete', '<Delete><Object><Key>new</Key></Object></Delete>', { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' });
  assert.deepEqual([wrongMd5.status, code(wrongMd5)], [400, 'BadDigest']);
  assert.equal((await signedRaw('HEAD', local, '/conditions/new')).status, 200);
  // A document type declaration is MalformedXML (its entities are never read or expanded).
  const doctype = await signedRaw('POST', local, '/conditions?delete', '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>');
  assert.deepEqual([doctype.status, code(doctype)], [400, 'MalformedXML']);
  // The headers S3 stores with an object come back on every read, and with a copy (not with a REPLACE copy that names none).
  const stored = { 'cache-control': 'max-age=60', 'content-disposition': 'attachment; filename="a.txt"', 'content-encoding': 'gzip', 'content-language': 'fr', expires: 'Wed, 21 Oct 2037 07:28:00 GMT' };
  assert.equal((await signedRaw('PUT', local, '/conditions/stored', 'z', stored)).status, 200);
  const got = await fetchSigned('GET', '/conditions/stored');
  for (const [name, value] of Object.entries(stored)) assert.equal(got.headers[name], value, name);
  assert.equal((await signedRaw('PUT', local, '/conditions/stored-copy', '', { 'x-amz-copy-source': '/conditions/stored' })).status, 200);
  assert.equal((await fetchSigned('HEAD', '/conditions/stored-copy')).headers['cache-control'], 'max-age=60');
  assert.equal((await signedRaw('PUT', local, '/conditions/stored-copy', '', { 'x-amz-copy-source': '/conditions/stored', 'x-amz-metadata-directive': 'REPLACE' })).status, 200);
  assert.equal((await fetchSigned('HEAD', '/conditions/stored-copy')).headers['cache-control'], undefined);
  // UploadPartCopy with x-amz-copy-source-range (inclusive), under the source's conditions.
  assert.equal((await signedRaw('PUT', local, '/conditions/src', '0123456789')).status, 200);
  const up = encodeURIComponent(/<UploadId>([^<]+)<\/UploadId>/.exec((await signedRaw('POST', local, '/conditions/ranged?uploads')).body)![1]!);
  const partCopy = (extra: Record<string, string>) => signedRaw('PUT', local, `/conditions/ranged?partNumber=1&uploadId=${up}`, '', { 'x-amz-copy-source': '/conditions/src', ...extra });
  const beyond = await partCopy({ 'x-amz-copy-source-range': 'bytes=5-10' });
  assert.deepEqual([beyond.status, code(beyond)], [400, 'InvalidArgument']);
  assert.equal((await partCopy({ 'x-amz-copy-source-range': 'bytes=2-5', 'x-amz-copy-source-if-match': '"nope"' })).status, 412);
  const copied = await partCopy({ 'x-amz-copy-source-range': 'bytes=2-5' });
  const partTag = /<ETag>([^<]+)<\/ETag>/.exec(copied.body.replace(/&quot;/g, '"'))?.[1];
  assert.equal(partTag, `"${md5(Buffer.from('2345'))}"`);
  assert.equal((await signedRaw('POST', local, `/conditions/ranged?uploadId=${up}`, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partTag}</ETag></Part></CompleteMultipartUpload>`)).status, 200);
  assert.equal((await signedRaw('GET', local, '/conditions/ranged')).body, '2345');
  // User metadata over 2 KB, and a response override no header can hold.
  const big = await signedRaw('PUT', local, '/conditions/meta', 'm', { 'x-amz-meta-big': 'x'.repeat(3000) });
  assert.deepEqual([big.status, code(big)], [400, 'MetadataTooLarge']);
  const crlf = await signedRaw('GET', local, '/conditions/new?response-content-type=a%0d%0aX-Evil%3A1');
  assert.deepEqual([crlf.status, code(crlf)], [400, 'InvalidArgument']);
});
