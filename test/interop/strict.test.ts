// Strict mode: only configured keys, every SigV4 signature verified.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { startServer, type TestServer } from '../helpers/server.js';
import { aws, boto3 } from '../helpers/clients.js';

const ALICE = { accessKeyId: 'AKIAALICE0000000001', secretAccessKey: 'alice-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/alice' };

let server: TestServer;
before(async () => { server = await startServer({ args: ['--auth', 'strict'], config: { credentials: [ALICE] } }); });
after(async () => { await server.stop(); server.cleanup(); });

async function signed(opts: { body: string; secret?: string; date?: Date; tamper?: (b: string) => string; service?: string; region?: string; sessionToken?: string; target?: string }) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: opts.service ?? 'rekognition', region: opts.region ?? 'us-east-1', sha256: Sha256, credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: opts.secret ?? ALICE.secretAccessKey, sessionToken: opts.sessionToken } });
  const req = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${opts.target ?? 'DescribeProjects'}` },
    body: opts.body,
  }, { signingDate: opts.date ?? new Date() });
  const res = await fetch(server.url, { method: 'POST', headers: req.headers as Record<string, string>, body: opts.tamper ? opts.tamper(opts.body) : opts.body });
  return { status: res.status, body: await res.json() as Record<string, string> };
}

test('a correct signature is accepted and maps to the configured account', async () => {
  const ok = await signed({ body: '{}' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const arn = boto3(server.url, "out = rek.create_project(ProjectName='strict')['ProjectArn']", ALICE);
  assert.match(arn, /:111122223333:project\/strict\//);
  const cli = aws(server.url, ['describe-projects'], ALICE);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.json.ProjectDescriptions[0].ProjectArn, arn);
});

test('a wrong secret is InvalidSignatureException (403)', async () => {
  const r = await signed({ body: '{}', secret: 'not-the-secret' });
  assert.equal(r.status, 403);
  assert.equal(r.body.__type, 'InvalidSignatureException');
  assert.equal(boto3(server.url, 'out = rek.describe_projects()', { ...ALICE, secretAccessKey: 'nope' }).error, 'InvalidSignatureException');
});

test('a tampered body is refused', async () => {
  const r = await signed({ body: '{"MaxResults":5}', tamper: (b) => b.replace('5', '6') });
  assert.equal(r.status, 403);
  assert.equal(r.body.__type, 'InvalidSignatureException');
});

test('a signature more than 15 minutes old is refused', async () => {
  const r = await signed({ body: '{}', date: new Date(Date.now() - 20 * 60 * 1000) });
  assert.equal(r.status, 403);
  assert.equal(r.body.__type, 'InvalidSignatureException');
  assert.match(r.body.Message, /Signature expired/);
  assert.equal((await signed({ body: '{}', date: new Date(Date.now() - 5 * 60 * 1000) })).status, 200);
});

test('an unknown key is UnrecognizedClientException; no signature is MissingAuthenticationTokenException', async () => {
  assert.equal(boto3(server.url, 'out = rek.describe_projects()', { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }).error, 'UnrecognizedClientException');
  const res = await fetch(server.url, { method: 'POST', body: '{}', headers: { 'x-amz-target': 'RekognitionService.DescribeProjects' } });
  assert.equal(res.status, 403);
  assert.equal((await res.json() as any).__type, 'MissingAuthenticationTokenException');
  const half = await fetch(server.url, { method: 'POST', body: '{}', headers: { 'x-amz-target': 'RekognitionService.DescribeProjects', authorization: 'AWS4-HMAC-SHA256 Credential=AKIAALICE0000000001/20260101/us-east-1/rekognition/aws4_request' } });
  assert.equal((await half.json() as any).__type, 'IncompleteSignatureException');
});

test('a signature scoped to another service is InvalidSignatureException, on the JSON API and on the S3 route', async () => {
  for (const service of ['s3', 'dynamodb', 'Rekognition']) {
    const r = await signed({ body: '{}', service });
    assert.equal(r.status, 403, service);
    assert.equal(r.body.__type, 'InvalidSignatureException', service);
    assert.equal(r.body.Message, "Credential should be scoped to correct service: 'rekognition'. ");
  }
  // The S3 route wants service s3: a rekognition-scoped GetObject is refused before any lookup, as S3 does.
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: 'rekognition', region: 'us-east-1', sha256: Sha256, credentials: ALICE });
  const req = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/bucket/key', query: {}, headers: { host: url.host } });
  const res = await fetch(`${server.url}/bucket/key`, { headers: req.headers as Record<string, string> });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /<Code>AuthorizationHeaderMalformed<\/Code>.*This endpoint belongs to &quot;s3&quot;/);
});

test('a made-up session token with a long-term key is UnrecognizedClientException', async () => {
  const r = await signed({ body: '{}', sessionToken: 'FwoGZXIvYXdzEMadeUpToken' });
  assert.equal(r.status, 403);
  assert.equal(r.body.__type, 'UnrecognizedClientException');
  assert.equal(r.body.Message, 'The security token included in the request is invalid.');
});

test('the signing region is the region of the request; a region that is not a region name is refused', async () => {
  const created = await signed({ body: '{"ProjectName":"regional"}', region: 'eu-west-1', target: 'CreateProject' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.ProjectArn, /^arn:aws:rekognition:eu-west-1:111122223333:project\/regional\//);
  const inUs = await signed({ body: '{"ProjectNames":["regional"]}' });
  assert.deepEqual((inUs.body as any).ProjectDescriptions, [], 'us-east-1 does not see the eu-west-1 project');
  const inEu = await signed({ body: '{"ProjectNames":["regional"]}', region: 'eu-west-1' });
  assert.equal((inEu.body as any).ProjectDescriptions[0].ProjectArn, created.body.ProjectArn);
  for (const region of ['US_EAST_1', 'eu west', 'x'.repeat(65)]) {
    const r = await signed({ body: '{}', region });
    assert.equal(r.status, 403, region);
    assert.equal(r.body.__type, 'InvalidSignatureException', region);
  }
});

test('a signature of the wrong length or with non-hex characters is refused, not a crash', async () => {
  for (const swap of [(s: string) => s.slice(0, -1), (s: string) => s + '0', (s: string) => 'z'.repeat(s.length), () => '']) {
    const url = new URL(server.url);
    const signer = new SignatureV4({ service: 'rekognition', region: 'us-east-1', sha256: Sha256, credentials: ALICE });
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DescribeProjects' }, body: '{}' });
    const headers = { ...(req.headers as Record<string, string>) };
    headers.authorization = headers.authorization.replace(/Signature=([0-9a-f]+)/, (_, sig) => `Signature=${swap(sig)}`);
    const res = await fetch(server.url, { method: 'POST', headers, body: '{}' });
    assert.equal(res.status, 403);
    assert.match((await res.json() as any).__type, /InvalidSignatureException|IncompleteSignatureException/);
  }
});
