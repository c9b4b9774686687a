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

async function signed(opts: { body: string; secret?: string; date?: Date; tamper?: (b: string) => string }) {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: 'rekognition', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: opts.secret ?? ALICE.secretAccessKey } });
  const req = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query: {},
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DescribeProjects' },
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
