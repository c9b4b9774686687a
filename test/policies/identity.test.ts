// Strict mode identity policies: every operation checks rekognition:<Operation>; copies combine
// the identity policy with the source project's policies (spec §5.4); admins have no policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.js';
import { aws, boto3 } from '../helpers/clients.js';
import { DataDir } from '../copy/seed.js';
import { sdk, waitFor } from '../copy/util.js';

const ADMIN = { accessKeyId: 'AKIAADMIN0000000001', secretAccessKey: 'admin-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/admin' };
const READER = {
  accessKeyId: 'AKIAREADER000000001', secretAccessKey: 'reader-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/reader',
  policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['rekognition:Describe*', 'rekognition:List*'], Resource: '*' }] },
};
const COPIER = {
  accessKeyId: 'AKIACOPIER000000001', secretAccessKey: 'copier-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:role/copier',
  policy: { Statement: [
    { Effect: 'Allow', Action: ['rekognition:CopyProjectVersion', 'rekognition:CreateProjectVersion', 'rekognition:DescribeProjectVersions'], Resource: '*' },
    { Effect: 'Deny', Action: 'rekognition:CopyProjectVersion', Resource: 'arn:aws:rekognition:*:*:project/secret/*' },
    // The copy's output files are written with the caller's rights (docs/s3.md), as on AWS.
    { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::out/*' },
  ] },
};
const PARTNER = {
  accessKeyId: 'AKIAPARTNER00000001', secretAccessKey: 'partner-secret', accountId: '444455556666', principalArn: 'arn:aws:iam::444455556666:user/partner',
  policy: { Statement: [{ Effect: 'Allow', Action: 'rekognition:*', Resource: 'arn:aws:rekognition:us-east-1:444455556666:*' }] },
};

let server: TestServer;
let data: DataDir;
before(async () => {
  server = await startServer({ args: ['--auth', 'strict'], config: { credentials: [ADMIN, READER, COPIER, PARTNER] } });
  mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
  data = new DataDir(server.dataDir);
});
after(async () => { data.close(); await server.stop(); server.cleanup(); });

test('each operation checks its action; principals without a policy are administrators', () => {
  const created = aws(server.url, ['create-project', '--project-name', 'open'], ADMIN);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(aws(server.url, ['describe-projects'], READER).code, 0);
  const refused = aws(server.url, ['create-project', '--project-name', 'nope'], READER);
  assert.match(refused.stderr, /AccessDeniedException/);
  assert.match(refused.stderr, /arn:aws:iam::111122223333:user\/reader is not authorized to perform: rekognition:CreateProject on resource: arn:aws:rekognition:us-east-1:111122223333:project\/nope\/\*/);
  const del = boto3(server.url, `out = rek.delete_project(ProjectArn=V['p'])`, READER, { p: created.json.ProjectArn });
  assert.equal(del.error, 'AccessDeniedException');
  assert.equal(del.status, 400);
});

test('copies: identity Allow suffices in the account, identity Deny wins, cross-account needs both sides', async () => {
  const [open, secret, dst] = boto3(server.url, `out = [rek.create_project(ProjectName=n)['ProjectArn'] for n in ('src-open', 'secret', 'dst')]`, ADMIN);
  const a = await data.seedVersion(open, 'v1');
  const s = await data.seedVersion(secret, 'v1');
  const copy = (creds: typeof ADMIN, src: string, ver: string, dest: string, name: string) => boto3(server.url,
    `out = rek.copy_project_version(SourceProjectArn=V['s'], SourceProjectVersionArn=V['v'], DestinationProjectArn=V['d'], VersionName=V['n'], OutputConfig={'S3Bucket': 'out'})`,
    creds, { s: src, v: ver, d: dest, n: name });
  assert.ok(copy(COPIER, open, a.arn, dst, 'ok').ProjectVersionArn);
  assert.equal((await waitFor(sdk(server.url, ADMIN), dst, 'ok')).Status, 'COPYING_COMPLETED');
  const denied = copy(COPIER, secret, s.arn, dst, 'denied');
  assert.equal(denied.error, 'AccessDeniedException');
  assert.match(denied.message, /explicit deny in an identity-based policy/);
  assert.equal(copy(READER, open, a.arn, dst, 'reader').error, 'AccessDeniedException');

  const pdst = boto3(server.url, `out = rek.create_project(ProjectName='partner-dst')['ProjectArn']`, PARTNER);
  const noPolicy = copy(PARTNER, open, a.arn, pdst, 'x');
  assert.match(noPolicy.message, /no resource-based policy allows/);
  const doc = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: PARTNER.principalArn }, Action: 'rekognition:CopyProjectVersion', Resource: a.arn }] });
  boto3(server.url, `out = rek.put_project_policy(ProjectArn=V['p'], PolicyName='partner', PolicyDocument=V['d'])`, ADMIN, { p: open, d: doc });
  // The project policy allows, but the partner's own identity policy only covers its account.
  const identityMissing = copy(PARTNER, open, a.arn, pdst, 'x');
  assert.match(identityMissing.message, /no identity-based policy allows/);
});
