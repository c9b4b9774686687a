// One request per exception class the foundation raises; every client must see the right code.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeProjectsCommand, RekognitionClient, CreateProjectCommand } from '@aws-sdk/client-rekognition';
import { startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, aws, boto3 } from '../helpers/clients.js';

let server: TestServer;
let arn: string;
before(async () => {
  server = await startServer();
  arn = boto3(server.url, "out = rek.create_project(ProjectName='errs')['ProjectArn']");
});
after(async () => { await server.stop(); server.cleanup(); });

async function raw(body: string, target = 'RekognitionService.DescribeProjects', headers: Record<string, string> = {}) {
  const res = await fetch(server.url, { method: 'POST', body, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers } });
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, string> };
}

test('error envelope: __type, Code, Message, Logref and x-amzn-ErrorType agree', async () => {
  const r = await raw('{"MaxResults": 0}');
  assert.equal(r.status, 400);
  assert.equal(r.body.__type, 'ValidationException');
  assert.equal(r.body.Code, 'ValidationException');
  assert.equal(r.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.equal(r.body.Logref, r.headers.get('x-amzn-requestid'));
  assert.match(r.body.Message, /greater than or equal to 1/);
});

test('framework errors: unknown operation, bad JSON, oversize body', async () => {
  assert.equal((await raw('{}', 'RekognitionService.DetectFaces')).body.__type, 'UnknownOperationException');
  assert.equal((await raw('{}', 'Nope.DescribeProjects')).body.__type, 'UnknownOperationException');
  const bad = await raw('{"MaxResults":');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.__type, 'SerializationException');
  const big = await fetch(server.url, { method: 'POST', body: '{"a":"' + 'x'.repeat(11 * 1024 * 1024) + '"}', headers: { 'x-amz-target': 'RekognitionService.DescribeProjects' } });
  assert.equal(big.status, 413);
  assert.equal(big.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
});

test('boto3 sees each modelled exception by its code', () => {
  const cases: [string, string, Record<string, unknown>?][] = [
    ['rek.create_project(ProjectName="errs")', 'ResourceInUseException'],
    // Another creation time (the last digit changed, never kept): a well-formed ARN of no project.
    ['rek.delete_project(ProjectArn=V["arn"][:-1] + str((int(V["arn"][-1]) + 1) % 10))', 'ResourceNotFoundException', { arn: 'x' }],
    ['rek.describe_projects(NextToken="bm90LWEtdG9rZW4")', 'InvalidPaginationTokenException'],
    ['rek.describe_projects(MaxResults=1000)', 'ValidationException'],
    ['rek.tag_resource(ResourceArn=V["arn"], Tags={("k%d" % i): "v" for i in range(51)})', 'ServiceQuotaExceededException'],
    ['rek.delete_project(ProjectArn=V["arn"] + "x")', 'ValidationException'],
  ];
  for (const [call, code] of cases) {
    const r = boto3(server.url, `out = ${call}`, ACCOUNT_A, { arn });
    assert.equal(r?.error, code, `${call} → ${JSON.stringify(r)}`);
    assert.equal(r.status, 400);
  }
  const denied = boto3(server.url, 'out = rek.delete_project(ProjectArn=V["arn"])', ACCOUNT_B, { arn });
  assert.equal(denied.error, 'AccessDeniedException');
});

test('aws CLI (v1) prints the code and exits 255 on service errors', () => {
  const r = aws(server.url, ['create-project', '--project-name', 'errs']);
  assert.equal(r.code, 255);
  assert.match(r.stderr, /An error occurred \(ResourceInUseException\) when calling the CreateProject operation: A project with the name errs already exists/);
});

test('JS SDK maps codes to its modelled exception classes', async () => {
  const client = new RekognitionClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: ACCOUNT_A.accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
  await assert.rejects(client.send(new CreateProjectCommand({ ProjectName: 'errs' })), (e: any) => e.name === 'ResourceInUseException' && e.$metadata.httpStatusCode === 400);
  await assert.rejects(client.send(new DescribeProjectsCommand({ NextToken: 'abc' })), (e: any) => e.name === 'InvalidPaginationTokenException');
});
