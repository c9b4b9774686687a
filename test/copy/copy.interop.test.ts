// CopyProjectVersion through clients nobody here wrote (aws CLI v1, boto3), against a real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { storedBytes } from '../helpers/objects.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, aws, boto3, s3cp, type Creds } from '../helpers/clients.js';
import { DataDir } from './seed.js';
import { sdk, waitFor } from './util.js';
import { tempDir } from '../helpers/tmp.js';

let server: TestServer;
let data: DataDir;
let srcProject: string, dstProject: string, otherProject: string, bProject: string;
let source: Awaited<ReturnType<DataDir['seedVersion']>>;

function createProject(name: string, creds: Creds = ACCOUNT_A): string {
  const r = aws(server.url, ['create-project', '--project-name', name], creds);
  assert.equal(r.code, 0, r.stderr);
  return r.json.ProjectArn;
}

function copyCli(args: { src?: string; version?: string; dst: string; name: string; bucket?: string; prefix?: string; extra?: string[] }, creds: Creds = ACCOUNT_A) {
  return aws(server.url, ['copy-project-version', '--source-project-arn', args.src ?? srcProject, '--source-project-version-arn', args.version ?? source.arn,
    '--destination-project-arn', args.dst, '--version-name', args.name, '--output-config', `S3Bucket=${args.bucket ?? 'out-a'},S3KeyPrefix=${args.prefix ?? 'copies'}`, ...(args.extra ?? [])], creds);
}

const errorCode = (stderr: string) => /An error occurred \((\w+)\)/.exec(stderr)?.[1];

async function completed(creds: Creds, projectArn: string, name: string) {
  const v = await waitFor(sdk(server.url, creds), projectArn, name);
  assert.equal(v.Status, 'COPYING_COMPLETED', v.StatusMessage);
  return v;
}

before(async () => {
  server = await startServer();
  for (const b of ['out-a', 'out-b']) mkdirSync(join(server.dataDir, 'buckets', b), { recursive: true });
  srcProject = createProject('source');
  dstProject = createProject('dest');
  otherProject = createProject('other');
  bProject = createProject('dest-b', ACCOUNT_B);
  data = new DataDir(server.dataDir);
  source = await data.seedVersion(srcProject, 'v1', { size: 64 * 1024 });
});
after(async () => { data.close(); await server.stop(); server.cleanup(); });

test('same-account copy (aws CLI): COPYING_COMPLETED, same blob, results rewritten, tags, source ARN', async () => {
  const r = copyCli({ dst: dstProject, name: 'c1', extra: ['--tags', 'team=vision,stage=prod'] });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.json.ProjectVersionArn, /^arn:aws:rekognition:us-east-1:111122223333:project\/dest\/version\/c1\/\d+$/);
  const v = await completed(ACCOUNT_A, dstProject, 'c1');
  assert.equal(v.ProjectVersionArn, r.json.ProjectVersionArn);
  assert.equal(v.SourceProjectVersionArn, source.arn);
  assert.equal(v.EvaluationResult?.F1Score, 0.875);
  assert.deepEqual(v.EvaluationResult?.Summary?.S3Object, { Bucket: 'out-a', Name: 'copies/EvaluationResultSummary-dest-c1.json' });
  assert.equal(v.ManifestSummary?.S3Object?.Name, 'copies/ManifestSummary-dest-c1.json');
  assert.equal(v.TrainingDataResult?.Validation?.Assets?.[0].GroundTruthManifest?.S3Object?.Name, 'copies/TrainingManifestWithValidation-dest-c1.json');
  // Sealed on disk under the destination key; read back as on AWS, with `aws s3 cp`.
  assert.ok(!(await storedBytes(server.dataDir, 'out-a', 'copies/EvaluationResultSummary-dest-c1.json'))!.includes('EvaluationDetails'));
  const cp = s3cp(server.url, 'out-a', 'copies/EvaluationResultSummary-dest-c1.json');
  assert.equal(cp.code, 0, cp.stderr);
  const summary = JSON.parse(cp.stdout.toString('utf8'));
  assert.equal(summary.EvaluationDetails.ProjectVersionArn, v.ProjectVersionArn);
  assert.equal(summary.AggregatedEvaluationResults.F1Score, 0.875);
  const tags = aws(server.url, ['list-tags-for-resource', '--resource-arn', v.ProjectVersionArn!]);
  assert.deepEqual(tags.json.Tags, { team: 'vision', stage: 'prod' });
  const row = (await data.version(v.ProjectVersionArn!))!;
  assert.equal(row.modelSha256, source.sha256, 'the copy shares the content-addressed model blob');
  assert.notEqual(row.detail.modelEncryption!.wrappedDataKey, source.record.detail.modelEncryption!.wrappedDataKey, 'data key re-wrapped');
  assert.deepEqual(await data.openModel(v.ProjectVersionArn!), source.model);
});

test('cross-account copy: refused without a policy, allowed with one, refused by a matching Deny', async () => {
  const denied = boto3(server.url, `out = rek.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='x1', OutputConfig={'S3Bucket': 'out-b'})`,
    ACCOUNT_B, { src: srcProject, ver: source.arn, dst: bProject });
  assert.equal(denied.error, 'AccessDeniedException');
  assert.match(denied.message, /arn:aws:iam::444455556666:root is not authorized to perform: rekognition:CopyProjectVersion on resource: arn:aws:rekognition:.*version\/v1\//);

  const allow = { Version: '2012-10-17', Statement: [{ Effect: 'ALLOW', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'rekognition:CopyProjectVersion', Resource: `${srcProject.replace(/\/\d+$/, '')}/version/*` }] };
  const put = aws(server.url, ['put-project-policy', '--project-arn', srcProject, '--policy-name', 'share-b', '--policy-document', JSON.stringify(allow)]);
  assert.equal(put.code, 0, put.stderr);
  const ok = boto3(server.url, `out = rek.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='x1', OutputConfig={'S3Bucket': 'out-b', 'S3KeyPrefix': 'p'})['ProjectVersionArn']`,
    ACCOUNT_B, { src: srcProject, ver: source.arn, dst: bProject });
  assert.match(ok, /:444455556666:project\/dest-b\/version\/x1\//);
  await completed(ACCOUNT_B, bProject, 'x1');
  assert.deepEqual(await data.openModel(ok), source.model);
  const row = (await data.version(ok))!;
  assert.match(row.detail.modelEncryption!.keyArn, /:444455556666:key\//, 'wrapped under the destination account key');

  const deny = { Version: '2012-10-17', Statement: [{ Effect: 'deny', Principal: { AWS: '444455556666' }, Action: 'rekognition:CopyProjectVersion', Resource: source.arn }] };
  assert.equal(aws(server.url, ['put-project-policy', '--project-arn', srcProject, '--policy-name', 'deny-b', '--policy-document', JSON.stringify(deny)]).code, 0);
  const refused = copyCli({ dst: bProject, name: 'x2', bucket: 'out-b' }, ACCOUNT_B);
  assert.equal(errorCode(refused.stderr), 'AccessDeniedException');
  assert.match(refused.stderr, /explicit deny in a resource-based policy/);
  assert.equal(aws(server.url, ['delete-project-policy', '--project-arn', srcProject, '--policy-name', 'deny-b']).code, 0);
  assert.equal(copyCli({ dst: bProject, name: 'x2', bucket: 'out-b' }, ACCOUNT_B).code, 0);
  await completed(ACCOUNT_B, bProject, 'x2');
});

test('AWS\'s example policy with Resource "*" lets another account copy; a Deny on "*" wins', async () => {
  const src = createProject('star-source');
  const version = await data.seedVersion(src, 'v1', { size: 2048 });
  // The stored policy AWS's SDK for JavaScript v3 shows in its ListProjectPoliciesCommand example.
  const example = '{"Version":"2012-10-17","Statement":[{"Effect":"ALLOW","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"rekognition:CopyProjectVersion","Resource":"*"}]}';
  const put = aws(server.url, ['put-project-policy', '--project-arn', src, '--policy-name', 'SamplePolicy', '--policy-document', example]);
  assert.equal(put.code, 0, put.stderr);
  const listed = aws(server.url, ['list-project-policies', '--project-arn', src]).json.ProjectPolicies;
  assert.equal(listed[0].PolicyDocument, example);
  const copy = (name: string) => copyCli({ src, version: version.arn, dst: bProject, name, bucket: 'out-b' }, ACCOUNT_B);
  assert.equal(copy('star1').code, 0);
  await completed(ACCOUNT_B, bProject, 'star1');

  const denyAll = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: { AWS: '444455556666' }, Action: 'rekognition:CopyProjectVersion', Resource: '*' }] };
  assert.equal(aws(server.url, ['put-project-policy', '--project-arn', src, '--policy-name', 'deny-all', '--policy-document', JSON.stringify(denyAll)]).code, 0);
  const refused = copy('star2');
  assert.equal(errorCode(refused.stderr), 'AccessDeniedException');
  assert.match(refused.stderr, /explicit deny in a resource-based policy/);
});

test('same-account copy is refused by a project-policy Deny naming the caller', async () => {
  const deny = { Statement: [{ Effect: 'Deny', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'rekognition:copyprojectversion', Resource: source.arn }] };
  assert.equal(aws(server.url, ['put-project-policy', '--project-arn', srcProject, '--policy-name', 'deny-a', '--policy-document', JSON.stringify(deny)]).code, 0);
  assert.equal(errorCode(copyCli({ dst: dstProject, name: 'denied' }).stderr), 'AccessDeniedException');
  assert.equal(aws(server.url, ['delete-project-policy', '--project-arn', srcProject, '--policy-name', 'deny-a']).code, 0);
});

test('a copy of a copy, and deleting the source leaves the copy intact', async () => {
  const s2 = await data.seedVersion(srcProject, 'v2', { size: 10_000 });
  const first = copyCli({ version: s2.arn, dst: dstProject, name: 'from-v2' });
  assert.equal(first.code, 0, first.stderr);
  await completed(ACCOUNT_A, dstProject, 'from-v2');
  const second = copyCli({ src: dstProject, version: first.json.ProjectVersionArn, dst: otherProject, name: 'copy-of-copy' });
  assert.equal(second.code, 0, second.stderr);
  const v = await completed(ACCOUNT_A, otherProject, 'copy-of-copy');
  assert.equal(v.SourceProjectVersionArn, first.json.ProjectVersionArn);

  const del = aws(server.url, ['delete-project-version', '--project-version-arn', s2.arn]);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.json.Status, 'DELETING');
  const gone = Date.now() + 20_000;
  while (await data.version(s2.arn)) { assert.ok(Date.now() < gone, 'source not deleted'); await new Promise((r) => setTimeout(r, 50)); }
  assert.ok(await data.blobs.has(s2.sha256), 'the shared model blob is kept while copies use it');
  assert.deepEqual(await data.openModel(first.json.ProjectVersionArn), s2.model);
  assert.deepEqual(await data.openModel(second.json.ProjectVersionArn), s2.model);
  const still = await completed(ACCOUNT_A, dstProject, 'from-v2');
  assert.equal(still.Status, 'COPYING_COMPLETED');
});

test('duplicate name, missing resources, wrong project, region and account mismatches', async () => {
  assert.equal(errorCode(copyCli({ dst: dstProject, name: 'c1' }).stderr), 'ResourceInUseException');
  const missingVersion = source.arn.replace(/\/\d+$/, '/1');
  assert.equal(errorCode(copyCli({ version: missingVersion, dst: dstProject, name: 'm1' }).stderr), 'ResourceNotFoundException');
  assert.equal(errorCode(copyCli({ dst: dstProject.replace(/\/\d+$/, '/1'), name: 'm2' }).stderr), 'ResourceNotFoundException');
  assert.equal(errorCode(copyCli({ src: srcProject.replace('project/source/', 'project/nope/'), dst: dstProject, name: 'm3' }).stderr), 'InvalidParameterException');
  assert.equal(errorCode(copyCli({ src: otherProject, dst: dstProject, name: 'm4' }).stderr), 'InvalidParameterException');
  const west = copyCli({ src: srcProject.replace('us-east-1', 'us-west-2'), version: source.arn.replace('us-east-1', 'us-west-2'), dst: dstProject, name: 'm5' });
  assert.equal(errorCode(west.stderr), 'InvalidParameterException');
  assert.match(west.stderr, /within one region/);
  assert.equal(errorCode(copyCli({ dst: bProject, name: 'm6' }).stderr), 'AccessDeniedException');
  const failed = await data.seedVersion(srcProject, 'broken', { status: 'TRAINING_FAILED' });
  assert.equal(errorCode(copyCli({ version: failed.arn, dst: dstProject, name: 'm7' }).stderr), 'InvalidParameterException');
  const boto = boto3(server.url, `out = rek.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName='c1', OutputConfig={'S3Bucket': 'out-a'})`,
    ACCOUNT_A, { src: srcProject, ver: source.arn, dst: dstProject });
  assert.equal(boto.error, 'ResourceInUseException');
  assert.equal(boto.status, 400);
});

test('an output bucket that does not exist is InvalidParameterException at once, as for training (docs/s3.md)', async () => {
  const r = copyCli({ dst: dstProject, name: 'nobucket', bucket: 'no-such-bucket' });
  assert.equal(errorCode(r.stderr), 'InvalidParameterException');
  assert.match(r.stderr, /no-such-bucket does not exist/);
  const listed = aws(server.url, ['describe-project-versions', '--project-arn', dstProject, '--version-names', 'nobucket']);
  assert.deepEqual(listed.json.ProjectVersionDescriptions, [], 'nothing was recorded');
});

test('an output prefix named like a symbolic link of an old bucket folder: the copy writes to the object store, nothing outside', async () => {
  // Output keys never become paths (docs/s3.md), so a link in a legacy bucket folder leads nowhere.
  const outside = tempDir('osprey-outside-');
  try {
    mkdirSync(join(server.dataDir, 'buckets', 'out-a'), { recursive: true });
    symlinkSync(outside, join(server.dataDir, 'buckets', 'out-a', 'escape'));
    for (const [name, prefix] of [['link1', 'escape'], ['link2', 'escape/deeper']]) {
      const r = copyCli({ dst: dstProject, name, prefix });
      assert.equal(r.code, 0, r.stderr);
      const v = await waitFor(sdk(server.url, ACCOUNT_A), dstProject, name);
      assert.equal(v.Status, 'COPYING_COMPLETED', prefix);
      assert.ok(await storedBytes(server.dataDir, 'out-a', `${prefix}/EvaluationResultSummary-dest-${name}.json`), prefix);
      assert.deepEqual(readdirSync(outside), [], `nothing lands outside the data directory (${prefix})`);
    }
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('an S3KeyPrefix with . or .. segments, a leading slash or a backslash is refused at once, as CreateProjectVersion refuses it', async () => {
  for (const [i, prefix] of ['../up', 'a/../../b', './x', '/abs', 'a\\b'].entries()) {
    const r = copyCli({ dst: dstProject, name: `badprefix${i}`, prefix });
    assert.equal(errorCode(r.stderr), 'InvalidParameterException', `${prefix}: ${r.stderr}`);
    assert.match(r.stderr, /S3KeyPrefix .* is not a valid object key prefix/);
    const listed = aws(server.url, ['describe-project-versions', '--project-arn', dstProject, '--version-names', `badprefix${i}`]);
    assert.deepEqual(listed.json.ProjectVersionDescriptions, [], 'no version is created');
  }
});

test('DeleteProjectVersion is refused while a version is busy, and removes it otherwise', async () => {
  for (const status of ['RUNNING', 'STARTING', 'STOPPING', 'TRAINING_IN_PROGRESS', 'COPYING_IN_PROGRESS'] as const) {
    const busy = await data.seedVersion(otherProject, `busy-${status.toLowerCase().replace(/_/g, '-')}`, { status });
    const r = aws(server.url, ['delete-project-version', '--project-version-arn', busy.arn]);
    assert.equal(errorCode(r.stderr), 'ResourceInUseException', `${status}: ${r.stderr}`);
    assert.equal((await data.version(busy.arn))?.status, status);
  }
  const idle = await data.seedVersion(otherProject, 'idle-one', { status: 'STOPPED' });
  const r = aws(server.url, ['delete-project-version', '--project-version-arn', idle.arn]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json.Status, 'DELETING');
  for (let i = 0; i < 200 && (await data.version(idle.arn)); i++) await new Promise((res) => setTimeout(res, 25));
  assert.equal(await data.version(idle.arn), undefined);
  assert.equal(await data.blobs.has(idle.sha256), false, 'an unreferenced model blob is freed');
});
