// Projects and tags end to end through clients nobody here wrote: the aws CLI, boto3 and the JS SDK.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateProjectCommand, DeleteProjectCommand, ListTagsForResourceCommand, RekognitionClient, paginateDescribeProjects,
} from '@aws-sdk/client-rekognition';
import { startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, aws, boto3 } from '../helpers/clients.js';

let server: TestServer;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); server.cleanup(); });

function sdk(accessKeyId = ACCOUNT_A.accessKeyId) {
  return new RekognitionClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
}

test('aws CLI: create, describe, tag, untag, list tags, delete a project', () => {
  const created = aws(server.url, ['create-project', '--project-name', 'cli-project', '--tags', 'team=ml,stage=dev']);
  assert.equal(created.code, 0, created.stderr);
  const arn = created.json.ProjectArn as string;
  assert.match(arn, /^arn:aws:rekognition:us-east-1:111122223333:project\/cli-project\/\d{13}$/);

  const described = aws(server.url, ['describe-projects', '--project-names', 'cli-project']);
  assert.equal(described.code, 0, described.stderr);
  assert.equal(described.json.ProjectDescriptions.length, 1);
  const p = described.json.ProjectDescriptions[0];
  assert.equal(p.ProjectArn, arn);
  assert.equal(p.Status, 'CREATED');
  assert.equal(p.Feature, 'CUSTOM_LABELS');
  assert.equal(typeof p.CreationTimestamp, 'number'); // v1 prints epoch seconds as sent on the wire
  assert.ok(Math.abs(p.CreationTimestamp * 1000 - Number(arn.split('/').pop())) < 1);

  assert.deepEqual(aws(server.url, ['list-tags-for-resource', '--resource-arn', arn]).json.Tags, { team: 'ml', stage: 'dev' });
  assert.equal(aws(server.url, ['tag-resource', '--resource-arn', arn, '--tags', 'owner=ana']).code, 0);
  assert.equal(aws(server.url, ['untag-resource', '--resource-arn', arn, '--tag-keys', 'stage', 'missing']).code, 0);
  assert.deepEqual(aws(server.url, ['list-tags-for-resource', '--resource-arn', arn]).json.Tags, { team: 'ml', owner: 'ana' });

  const deleted = aws(server.url, ['delete-project', '--project-arn', arn]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(deleted.json.Status, 'DELETING');
  assert.equal(aws(server.url, ['describe-projects', '--project-names', 'cli-project']).json.ProjectDescriptions.length, 0);
  const gone = aws(server.url, ['list-tags-for-resource', '--resource-arn', arn]);
  assert.equal(gone.code, 255); // v1 exits 255 on service errors (v2: 254)
  assert.match(gone.stderr, /ResourceNotFoundException/);
});

test('accounts are isolated by access key; projects are scoped by region', () => {
  const a = boto3(server.url, "out = rek.create_project(ProjectName='shared-name')['ProjectArn']");
  const b = boto3(server.url, "out = rek.create_project(ProjectName='shared-name')['ProjectArn']", ACCOUNT_B);
  const w = boto3(server.url, "out = rek.create_project(ProjectName='shared-name')['ProjectArn']", { ...ACCOUNT_A, region: 'eu-west-1' });
  assert.match(a, /:111122223333:project\/shared-name\//);
  assert.match(b, /:444455556666:project\/shared-name\//);
  assert.match(w, /^arn:aws:rekognition:eu-west-1:111122223333:/);
  const other = boto3(server.url, 'out = rek.list_tags_for_resource(ResourceArn=V["arn"])', ACCOUNT_B, { arn: a });
  assert.equal(other.error, 'AccessDeniedException');
  assert.match(other.message, /arn:aws:iam::444455556666:root is not authorized to perform: rekognition:ListTagsForResource on resource/);
  const dev = boto3(server.url, "out = rek.create_project(ProjectName='dev-default')['ProjectArn']", { accessKeyId: 'AKIDEXAMPLE' });
  assert.match(dev, /:000000000000:project\/dev-default\//);
});

test('paging through 250 projects with boto3, the JS SDK and the aws CLI paginators', async () => {
  const creds = { accessKeyId: '999988887777' };
  const made = boto3(server.url, `
arns = []
for i in range(250):
    arns.append(rek.create_project(ProjectName='page-%03d' % i)['ProjectArn'])
out = len(set(arns))`, creds);
  assert.equal(made, 250);

  const viaBoto = boto3(server.url, `
names = []
stamps = []
pages = 0
for page in rek.get_paginator('describe_projects').paginate(PaginationConfig={'PageSize': 37}):
    pages += 1
    names += [p['ProjectArn'].split('/')[1] for p in page['ProjectDescriptions']]
    stamps += [p['ProjectArn'].split('/')[2] for p in page['ProjectDescriptions']]
out = {'pages': pages, 'names': names, 'stamps': stamps}`, creds);
  assert.equal(viaBoto.pages, Math.ceil(250 / 37));
  assert.equal(new Set(viaBoto.names).size, 250);
  // Newest first; projects created in the same millisecond follow by name (docs/configuration.md).
  const order = viaBoto.names.map((name: string, i: number) => ({ name, ms: Number(viaBoto.stamps[i]) }));
  const sorted = [...order].sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
  assert.deepEqual(order, sorted, 'newest first');

  const names: string[] = [];
  for await (const page of paginateDescribeProjects({ client: sdk('999988887777'), pageSize: 100 }, {})) {
    names.push(...page.ProjectDescriptions!.map((p) => p.ProjectArn!.split('/')[1]));
  }
  assert.deepEqual(names, viaBoto.names);

  const viaCli = aws(server.url, ['describe-projects', '--page-size', '60', '--query', 'length(ProjectDescriptions)'], creds);
  assert.equal(viaCli.stdout.trim(), '250');
});

test('JS SDK: create with tags, list tags, delete', async () => {
  const client = sdk();
  const { ProjectArn } = await client.send(new CreateProjectCommand({ ProjectName: 'sdk-project', Tags: { k: 'v' } }));
  const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceArn: ProjectArn }));
  assert.deepEqual(Tags, { k: 'v' });
  const { Status } = await client.send(new DeleteProjectCommand({ ProjectArn }));
  assert.equal(Status, 'DELETING');
});
