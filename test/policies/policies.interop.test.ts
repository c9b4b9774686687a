// Put/List/DeleteProjectPolicy through the aws CLI and boto3: revision flows, limits, errors,
// pagination, and DeleteProject removing the policies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, aws, boto3 } from '../helpers/clients.js';
import { DataDir } from '../copy/seed.js';

let server: TestServer;
let project: string;
let versionsPrefix: string;
const errorCode = (stderr: string) => /An error occurred \((\w+)\)/.exec(stderr)?.[1];
const doc = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'rekognition:CopyProjectVersion', Resource: `${versionsPrefix}*` }] });

before(async () => {
  server = await startServer();
  project = aws(server.url, ['create-project', '--project-name', 'pol']).json.ProjectArn;
  versionsPrefix = `${project.replace(/\/\d+$/, '')}/version/`;
});
after(async () => { await server.stop(); server.cleanup(); });

test('revision flow through the aws CLI: create, update, stale update, delete with and without revision', () => {
  const put = (args: string[]) => aws(server.url, ['put-project-policy', '--project-arn', project, '--policy-name', 'p1', ...args]);
  const r1 = put(['--policy-document', doc('444455556666')]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.json.PolicyRevisionId, /^[0-9a-f]{32}$/);
  const again = put(['--policy-document', doc('444455556666')]);
  assert.equal(errorCode(again.stderr), 'ResourceAlreadyExistsException');
  const r2 = put(['--policy-document', doc('arn:aws:iam::444455556666:root'), '--policy-revision-id', r1.json.PolicyRevisionId]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.notEqual(r2.json.PolicyRevisionId, r1.json.PolicyRevisionId);
  const stale = put(['--policy-document', doc('444455556666'), '--policy-revision-id', r1.json.PolicyRevisionId]);
  assert.equal(errorCode(stale.stderr), 'InvalidPolicyRevisionIdException');
  const list = aws(server.url, ['list-project-policies', '--project-arn', project]).json.ProjectPolicies;
  assert.equal(list.length, 1);
  assert.equal(list[0].PolicyRevisionId, r2.json.PolicyRevisionId);
  assert.equal(list[0].PolicyDocument, doc('arn:aws:iam::444455556666:root'));
  assert.ok(list[0].LastUpdatedTimestamp >= list[0].CreationTimestamp);
  const delStale = aws(server.url, ['delete-project-policy', '--project-arn', project, '--policy-name', 'p1', '--policy-revision-id', r1.json.PolicyRevisionId]);
  assert.equal(errorCode(delStale.stderr), 'InvalidPolicyRevisionIdException');
  assert.equal(aws(server.url, ['delete-project-policy', '--project-arn', project, '--policy-name', 'p1', '--policy-revision-id', r2.json.PolicyRevisionId]).code, 0);
  const gone = aws(server.url, ['delete-project-policy', '--project-arn', project, '--policy-name', 'p1']);
  assert.equal(errorCode(gone.stderr), 'ResourceNotFoundException');
});

test('boto3: limits, malformed documents, pagination, delete without revision, foreign and missing projects', () => {
  const out = boto3(server.url, `
def err(f):
    try:
        f()
        return 'ok'
    except botocore.exceptions.ClientError as e:
        return e.response['Error']['Code']
P = V['p']
out = {}
revs = [rek.put_project_policy(ProjectArn=P, PolicyName='n%d' % i, PolicyDocument=V['doc'])['PolicyRevisionId'] for i in range(5)]
out['sixth'] = err(lambda: rek.put_project_policy(ProjectArn=P, PolicyName='n5', PolicyDocument=V['doc']))
out['unknown_name_with_id'] = err(lambda: rek.put_project_policy(ProjectArn=P, PolicyName='zz', PolicyRevisionId='abcdef', PolicyDocument=V['doc']))
out['bad_json'] = err(lambda: rek.put_project_policy(ProjectArn=P, PolicyName='n0', PolicyRevisionId=revs[0], PolicyDocument='{not json'))
out['other_action'] = err(lambda: rek.put_project_policy(ProjectArn=P, PolicyName='n0', PolicyRevisionId=revs[0], PolicyDocument=V['doc'].replace('CopyProjectVersion', 'DeleteProject')))
out['too_long'] = err(lambda: rek.put_project_policy(ProjectArn=P, PolicyName='n0', PolicyRevisionId=revs[0], PolicyDocument=V['doc'] + ' ' * 2000))
pages = list(rek.get_paginator('list_project_policies').paginate(ProjectArn=P, PaginationConfig={'PageSize': 2}))
out['page_sizes'] = [len(p['ProjectPolicies']) for p in pages]
out['names'] = [x['PolicyName'] for p in pages for x in p['ProjectPolicies']]
out['max6'] = err(lambda: rek.list_project_policies(ProjectArn=P, MaxResults=6))
out['bad_token'] = err(lambda: rek.list_project_policies(ProjectArn=P, NextToken='x' * 40))
rek.delete_project_policy(ProjectArn=P, PolicyName='n3')
out['after_delete'] = len(rek.list_project_policies(ProjectArn=P)['ProjectPolicies'])
out['missing_project'] = err(lambda: rek.list_project_policies(ProjectArn=P[:-3] + '000'))
`, ACCOUNT_A, { p: project, doc: doc('444455556666') });
  assert.deepEqual(out, {
    sixth: 'ServiceQuotaExceededException', unknown_name_with_id: 'InvalidPolicyRevisionIdException',
    bad_json: 'MalformedPolicyDocumentException', other_action: 'MalformedPolicyDocumentException', too_long: 'ValidationException',
    page_sizes: [2, 2, 1], names: ['n0', 'n1', 'n2', 'n3', 'n4'], max6: 'ValidationException', bad_token: 'InvalidPaginationTokenException',
    after_delete: 4, missing_project: 'ResourceNotFoundException',
  });
  const foreign = boto3(server.url, `out = rek.list_project_policies(ProjectArn=V['p'])`, ACCOUNT_B, { p: project });
  assert.equal(foreign.error, 'AccessDeniedException');
});

test('DeleteProject removes the project policies', () => {
  const p = aws(server.url, ['create-project', '--project-name', 'doomed']).json.ProjectArn;
  const d = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'rekognition:CopyProjectVersion', Resource: `${p.replace(/\/\d+$/, '')}/version/*` }] });
  assert.equal(aws(server.url, ['put-project-policy', '--project-arn', p, '--policy-name', 'x', '--policy-document', d]).code, 0);
  assert.equal(aws(server.url, ['delete-project', '--project-arn', p]).code, 0);
  const data = new DataDir(server.dataDir);
  try {
    assert.equal(data.db.prepare('SELECT count(*) FROM project_policies WHERE project_arn = ?').pluck().get(p), 0);
  } finally { data.close(); }
});
