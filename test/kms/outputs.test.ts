// Output files are sealed (envelope encryption under the version's key) and read back the way they
// are on AWS: GET/HEAD /<bucket>/<key> on the server's port, through the installed aws CLI v1
// (`aws s3 cp s3://b/k -`) and boto3 (get_object / head_object). A caller whose key policy does not
// allow kms:Decrypt gets AccessDenied; a missing object NoSuchKey; no path leaves the bucket folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, boto3, s3cp, s3object } from '../helpers/clients.js';
import { DataDir } from '../copy/seed.js';
import { storedBytes } from '../helpers/objects.js';
import { sdk, waitFor } from '../copy/util.js';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SEALED_MAGIC, sealedHeader } from '../../src/domain/keys/sealed-objects.js';

const A = '111122223333', B = '444455556666';
const KEY = '6b0c1f4e-2d3a-4e5f-8a9b-0c1d2e3f4a5b';
const KEY_ARN = `arn:aws:kms:us-east-1:${A}:key/${KEY}`;
const KINDS = ['EvaluationResultSummary', 'ManifestSummary', 'TrainingGroundTruth', 'TrainingManifestWithValidation', 'TestingGroundTruth', 'TestingManifestWithValidation'];

// B may use the key for everything but kms:Decrypt (an explicit Deny wins).
const config = {
  keys: [{
    keyId: KEY, accountId: A, aliases: ['alias/outputs'],
    policy: { Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:root`, B] }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: { AWS: B }, Action: 'kms:Decrypt', Resource: '*' },
    ] },
  }],
};

let server: TestServer;
let data: DataDir;
let source: Awaited<ReturnType<DataDir['seedVersion']>>;
const copies: Record<string, string> = {};
const file = (variant: 'k' | 'd', kind: string) => `${variant}/${kind}-odst-c-${variant}.json`;

before(async () => {
  server = await startServer({ config });
  mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
  const [src, dst] = boto3(server.url, `out = [rek.create_project(ProjectName=n)['ProjectArn'] for n in ('osrc', 'odst')]`);
  data = new DataDir(server.dataDir);
  source = await data.seedVersion(src, 'v1', { manifestBytes: 2000 });
  for (const [variant, key] of [['k', 'alias/outputs'], ['d', null]] as const) {
    copies[variant] = boto3(server.url, `
args = dict(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='c-' + V['v'], OutputConfig={'S3Bucket': 'out', 'S3KeyPrefix': V['v']})
if V['kms']: args['KmsKeyId'] = V['kms']
out = rek.copy_project_version(**args)['ProjectVersionArn']`, ACCOUNT_A, { src, dst, ver: source.arn, v: variant, kms: key });
    assert.equal(typeof copies[variant], 'string', JSON.stringify(copies[variant]));
    const v = await waitFor(sdk(server.url, ACCOUNT_A), dst, `c-${variant}`);
    assert.equal(v.Status, 'COPYING_COMPLETED', v.StatusMessage);
  }
});
after(async () => { data?.close(); await server?.stop(); server?.cleanup(); });

test('the files a copy writes are sealed on disk under the destination key: no JSON visible', async () => {
  const defaultKey = (await data.keys.lookup({ accountId: A, region: 'us-east-1' }, 'alias/aws/rekognition'))!;
  const wrapped = new Set<string>();
  for (const [variant, keyArn] of [['k', KEY_ARN], ['d', defaultKey.arn]] as const) {
    for (const kind of KINDS) {
      const bytes = (await storedBytes(server.dataDir, 'out', file(variant, kind)))!;
      assert.ok(bytes.subarray(0, SEALED_MAGIC.length).toString() === SEALED_MAGIC, `${variant} ${kind} starts with the magic line`);
      const text = bytes.toString('latin1');
      for (const plain of ['source-ref', 'EvaluationDetails', 'statistics', 'errors', 'cat.jpg']) assert.ok(!text.includes(plain), `${variant} ${kind}: ${plain} visible`);
      assert.throws(() => JSON.parse(bytes.toString('utf8')));
      const header = sealedHeader(bytes)!;
      assert.equal(header.keyArn, keyArn, `${variant} ${kind} sealed under its version's key`);
      wrapped.add(header.wrappedDataKey.toString('base64'));
    }
  }
  assert.equal(wrapped.size, 2 * KINDS.length, 'every file has a data key of its own');
  // The source's files (seeded as training writes them) are sealed too, under the owner's default key.
  const src = (await storedBytes(server.dataDir, 'training-out', 'out/TrainingGroundTruth-osrc-v1.json'))!;
  assert.equal(sealedHeader(src)?.keyArn, defaultKey.arn);
});

test('aws s3 cp and boto3 get_object return the exact files; head_object their plaintext size', () => {
  for (const variant of ['k', 'd'] as const) {
    const cp = s3cp(server.url, 'out', file(variant, 'EvaluationResultSummary'));
    assert.equal(cp.code, 0, cp.stderr);
    const summary = JSON.parse(cp.stdout.toString('utf8'));
    assert.deepEqual(summary, { ...source.summary, EvaluationDetails: { ...source.summary.EvaluationDetails, ProjectVersionArn: copies[variant] } });
    for (const kind of ['TrainingGroundTruth', 'TestingManifestWithValidation']) {
      const viaCli = s3cp(server.url, 'out', file(variant, kind));
      assert.equal(viaCli.code, 0, viaCli.stderr);
      assert.equal(viaCli.stdout.toString('utf8'), source.manifest, `aws s3 cp ${variant} ${kind}`);
      const viaBoto = s3object(server.url, 'out', file(variant, kind));
      assert.equal(viaBoto.status, 200, JSON.stringify(viaBoto));
      assert.equal(viaBoto.body!.toString('utf8'), source.manifest, `boto3 ${variant} ${kind}`);
      assert.equal(viaBoto.headers!['x-amz-server-side-encryption'], 'aws:kms');
      const head = s3object(server.url, 'out', file(variant, kind), ACCOUNT_A, { head: true });
      assert.equal(head.length, Buffer.byteLength(source.manifest));
    }
  }
  const k = s3object(server.url, 'out', file('k', 'ManifestSummary'));
  assert.deepEqual(JSON.parse(k.body!.toString('utf8')), { statistics: {}, errors: [] });
  assert.equal(k.headers!['x-amz-server-side-encryption-aws-kms-key-id'], KEY_ARN);
  const ranged = s3object(server.url, 'out', file('k', 'TrainingGroundTruth'), ACCOUNT_A, { range: 'bytes=2-11' });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.body!.toString('utf8'), source.manifest.slice(2, 12));
});

test('a caller whose key policy does not allow kms:Decrypt gets AccessDenied (HEAD still answers)', () => {
  for (const variant of ['k', 'd'] as const) {
    const r = s3object(server.url, 'out', file(variant, 'EvaluationResultSummary'), ACCOUNT_B);
    assert.equal(r.error, 'AccessDenied', JSON.stringify(r));
    assert.equal(r.status, 403);
    assert.match(r.message!, new RegExp(`arn:aws:iam::${B}:root is not authorized to perform: kms:Decrypt`));
    const cp = s3cp(server.url, 'out', file(variant, 'EvaluationResultSummary'), ACCOUNT_B);
    assert.notEqual(cp.code, 0);
    assert.match(cp.stderr, /AccessDenied/);
    assert.equal(cp.stdout.length, 0);
    assert.equal(s3object(server.url, 'out', file(variant, 'EvaluationResultSummary'), ACCOUNT_B, { head: true }).status, 200);
  }
});

test('plain objects are served as they are; a missing key is NoSuchKey, a missing bucket NoSuchBucket', () => {
  mkdirSync(join(server.dataDir, 'buckets', 'out', 'plain'), { recursive: true });
  writeFileSync(join(server.dataDir, 'buckets', 'out', 'plain', 'notes file.txt'), 'plain text, as dropped in');
  const cp = s3cp(server.url, 'out', 'plain/notes file.txt', ACCOUNT_B);
  assert.equal(cp.code, 0, cp.stderr);
  assert.equal(cp.stdout.toString(), 'plain text, as dropped in');
  const r = s3object(server.url, 'out', 'plain/notes file.txt', ACCOUNT_B);
  assert.equal(r.body!.toString(), 'plain text, as dropped in');
  assert.equal(r.headers!['x-amz-server-side-encryption'], undefined);

  const missing = s3object(server.url, 'out', 'k/nope.json');
  assert.deepEqual([missing.error, missing.status], ['NoSuchKey', 404]);
  assert.equal(s3object(server.url, 'out', 'k/nope.json', ACCOUNT_A, { head: true }).status, 404);
  const cpMissing = s3cp(server.url, 'out', 'k/nope.json');
  assert.notEqual(cpMissing.code, 0);
  assert.match(cpMissing.stderr, /404|Not Found|NoSuchKey/);
  const noBucket = s3object(server.url, 'no-such-bucket', 'x.json');
  assert.deepEqual([noBucket.error, noBucket.status], ['NoSuchBucket', 404]);
});

test('aws s3 cp downloads a large sealed file in ranged parts, byte for byte', async () => {
  const key = (await data.keys.lookup({ accountId: A, region: 'us-east-1' }, KEY))!;
  const line = JSON.stringify({ 'source-ref': 's3://images/cat.jpg', cat: 1, 'cat-metadata': { confidence: 1, 'class-name': 'cat' } }) + '\n';
  const big = line.repeat(Math.ceil((20 * 1024 * 1024) / line.length)); // over the CLI's 8 MB multipart threshold
  await data.sealed.put(key, 'out', 'big/TrainingManifestWithValidation-large-v1.json', big);
  const cp = s3cp(server.url, 'out', 'big/TrainingManifestWithValidation-large-v1.json');
  assert.equal(cp.code, 0, cp.stderr);
  assert.equal(cp.stdout.length, Buffer.byteLength(big));
  assert.ok(cp.stdout.equals(Buffer.from(big)), 'same bytes');
});

/** A raw GET with the path exactly as given (no client normalises it). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method: 'GET', path }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('no path leaves the bucket folder: .., %2e%2e, encoded slashes and backslashes, symlinks', async () => {
  writeFileSync(join(server.dataDir, 'secret.txt'), 'TOP-SECRET-DATA-DIR');
  mkdirSync(join(server.dataDir, 'buckets', 'other'), { recursive: true });
  writeFileSync(join(server.dataDir, 'buckets', 'other', 'secret.txt'), 'TOP-SECRET-OTHER-BUCKET');
  symlinkSync(server.dataDir, join(server.dataDir, 'buckets', 'out', 'link'));
  const masterKey = readFileSync(join(server.dataDir, 'master.key'), 'utf8').trim();
  // The test can see a leak: the same file is served when asked for properly.
  assert.equal((await rawGet('/other/secret.txt')).body, 'TOP-SECRET-OTHER-BUCKET');
  for (const path of [
    '/out/../other/secret.txt', '/out/%2e%2e/other/secret.txt', '/out/%2E%2E%2Fother%2Fsecret.txt', '/out/k/..%2f..%2f..%2fsecret.txt',
    '/out/..%5csecret.txt', '/out/k/%2e%2e%5c%2e%2e%5c%2e%2e%5csecret.txt', '/%2e%2e/secret.txt', '/../secret.txt', '/out/%2e%2e/%2e%2e/master.key',
    '/out/link/secret.txt', '/out/link/master.key', '/out/./../../master.key', '/out/%00/../secret.txt', '/buckets/../secret.txt',
  ]) {
    const r = await rawGet(path);
    assert.ok(r.status === 400 || r.status === 404, `${path}: ${r.status}`);
    assert.match(r.body, /^<\?xml[\s\S]*<Error><Code>(InvalidArgument|NoSuchKey|NoSuchBucket|InvalidBucketName|InvalidURI|InvalidRequest)<\/Code>/, path);
    assert.ok(!r.body.includes('TOP-SECRET') && !r.body.includes(masterKey), `${path} leaked`);
  }
});

test('strict mode: S3 requests are verified like the rest; a principal the key policy denies kms:Decrypt gets AccessDenied', async () => {
  const ALICE = { accessKeyId: 'AKIAALICE0000000001', secretAccessKey: 'alice-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/alice` };
  const AUDITOR = { accessKeyId: 'AKIAAUDITOR00000001', secretAccessKey: 'auditor-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/auditor` };
  const strictKey = { keyId: '7c1d2e3f-4a5b-4c6d-9e8f-0a1b2c3d4e5f', accountId: A, policy: { Version: '2012-10-17', Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
    { Effect: 'Deny', Principal: { AWS: AUDITOR.principalArn }, Action: 'kms:Decrypt', Resource: '*' },
  ] } };
  const strict = await startServer({ args: ['--auth', 'strict'], config: { credentials: [ALICE, AUDITOR], keys: [strictKey] } });
  const dir = new DataDir(strict.dataDir);
  try {
    const key = (await dir.keys.lookup({ accountId: A, region: 'us-east-1' }, strictKey.keyId))!;
    const body = JSON.stringify({ Version: 1, secret: 'only for alice' });
    const name = 'res/a b=c+d.json'; // characters that are encoded in the signed path
    await dir.sealed.put(key, 'results', name, body);
    assert.ok(!(await storedBytes(strict.dataDir, 'results', name))!.includes('only for alice'));

    const cp = s3cp(strict.url, 'results', name, ALICE);
    assert.equal(cp.code, 0, cp.stderr);
    assert.equal(cp.stdout.toString(), body);
    assert.equal(s3object(strict.url, 'results', name, ALICE).body!.toString(), body);

    const denied = s3object(strict.url, 'results', name, AUDITOR);
    assert.deepEqual([denied.error, denied.status], ['AccessDenied', 403]);
    assert.match(denied.message!, /user\/auditor is not authorized to perform: kms:Decrypt/);
    const cpDenied = s3cp(strict.url, 'results', name, AUDITOR);
    assert.notEqual(cpDenied.code, 0);
    assert.match(cpDenied.stderr, /AccessDenied/);

    // An S3-style signer (path encoded once, not normalised) with a query string, as the JS SDK sends it.
    const url = new URL(strict.url);
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', sha256: Sha256, uriEscapePath: false, credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey } });
    const path = '/results/res/a%20b%3Dc%2Bd.json';
    const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: { 'x-id': 'GetObject' },
      headers: { host: url.host, 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' } });
    const viaSdkSigner = await fetch(`${strict.url}${path}?x-id=GetObject`, { headers: req.headers as Record<string, string> });
    assert.equal(viaSdkSigner.status, 200);
    assert.equal(await viaSdkSigner.text(), body);
    const signedForOther = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path, query: { 'x-id': 'GetObject' }, headers: { host: url.host } });
    assert.equal((await fetch(`${strict.url}${path}?x-id=PutObject`, { headers: signedForOther.headers as Record<string, string> })).status, 403, 'the query is signed');

    const forged = s3object(strict.url, 'results', name, { ...ALICE, secretAccessKey: 'wrong' });
    assert.deepEqual([forged.error, forged.status], ['SignatureDoesNotMatch', 403]);
    const unknown = s3object(strict.url, 'results', name, { accessKeyId: 'AKIANOBODY000000001', secretAccessKey: 'x' });
    assert.deepEqual([unknown.error, unknown.status], ['InvalidAccessKeyId', 403]);
    const unsigned = await fetch(`${strict.url}/results/res/a%20b%3Dc%2Bd.json`);
    assert.equal(unsigned.status, 403);
    assert.ok(!(await unsigned.text()).includes('only for alice'));
  } finally {
    dir.close();
    await strict.stop();
    strict.cleanup();
  }
});
