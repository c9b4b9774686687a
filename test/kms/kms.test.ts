// The embedded key service: keys from the config file and from `osprey kms`, the four KmsKeyId
// forms on CopyProjectVersion, key policies (a key the caller may not use), unknown and disabled keys.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, startServer, type TestServer } from '../helpers/server.js';
import { ACCOUNT_A, ACCOUNT_B, boto3 } from '../helpers/clients.js';
import { DataDir } from '../copy/seed.js';
import { sdk, waitFor } from '../copy/util.js';

const CONFIG_KEY = '2f1b6c1e-4a8d-4d7e-9a65-0c5b8d3e7f10';
const A = '111122223333', B = '444455556666';
let server: TestServer;
let data: DataDir;
let src: string, dst: string, dstB: string;
let source: Awaited<ReturnType<DataDir['seedVersion']>>;
let cliKey: { KeyId: string; Arn: string };

const config = {
  keys: [{
    keyId: CONFIG_KEY, accountId: A, description: 'shared with B', aliases: ['alias/from-config'],
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:root`, B] }, Action: 'kms:*', Resource: '*' }] },
  }],
};

function kms(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'osprey.js'), 'kms', ...args, '--data-dir', server.dataDir], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json: r.stdout.trim() ? JSON.parse(r.stdout) : undefined };
}

/** Runs several copies in one boto3 process; returns {name: arn | {error}}. */
function copies(creds: typeof ACCOUNT_A, dest: string, list: [string, string | null][]) {
  return boto3(server.url, `
out = {}
for name, key in V['list']:
    args = dict(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName=name, OutputConfig={'S3Bucket': 'out'})
    if key: args['KmsKeyId'] = key
    try:
        out[name] = rek.copy_project_version(**args)['ProjectVersionArn']
    except botocore.exceptions.ClientError as e:
        out[name] = {'error': e.response['Error']['Code'], 'message': e.response['Error']['Message']}`, creds, { src, ver: source.arn, dst: dest, list });
}

before(async () => {
  server = await startServer({ config });
  mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
  const made = boto3(server.url, `out = [rek.create_project(ProjectName=n)['ProjectArn'] for n in ('ksrc', 'kdst')]`);
  [src, dst] = made;
  dstB = boto3(server.url, `out = rek.create_project(ProjectName='kdst-b')['ProjectArn']`, ACCOUNT_B);
  data = new DataDir(server.dataDir);
  source = await data.seedVersion(src, 'v1', { size: 32 * 1024 });
  const created = kms(['create-key', '--account-id', A, '--description', 'made by the CLI']);
  assert.equal(created.code, 0, created.stderr);
  cliKey = created.json.KeyMetadata;
  assert.equal(kms(['create-alias', '--account-id', A, '--alias-name', 'alias/cli-key', '--target-key-id', cliKey.KeyId]).code, 0);
});
after(async () => { data.close(); await server.stop(); server.cleanup(); });

test('osprey kms lists and describes keys made by the CLI and by the config file', () => {
  const keys = kms(['list-keys', '--account-id', A]).json.Keys.map((k: { KeyId: string }) => k.KeyId);
  assert.ok(keys.includes(CONFIG_KEY) && keys.includes(cliKey.KeyId));
  const aliases = kms(['list-aliases', '--account-id', A]).json.Aliases;
  assert.deepEqual(aliases.find((a: { AliasName: string }) => a.AliasName === 'alias/cli-key').TargetKeyId, cliKey.KeyId);
  const byAlias = kms(['describe-key', '--account-id', A, '--key-id', 'alias/from-config']);
  assert.equal(byAlias.json.KeyMetadata.KeyId, CONFIG_KEY);
  assert.equal(kms(['describe-key', '--account-id', A, '--key-id', 'alias/nope']).code, 254);
  assert.equal(kms(['put-key-policy', '--key-id', cliKey.KeyId, '--policy', '{"Statement":[{"Effect":"Allow"}]}']).code, 2, 'malformed policy refused');
});

test('all four KmsKeyId forms select the same key; the model is re-wrapped, not re-encrypted', async () => {
  const r = copies(ACCOUNT_A, dst, [['by-id', cliKey.KeyId], ['by-arn', cliKey.Arn], ['by-alias', 'alias/cli-key'], ['by-alias-arn', `arn:aws:kms:us-east-1:${A}:alias/cli-key`], ['default-key', null]]);
  for (const [name, arn] of Object.entries(r)) {
    assert.equal(typeof arn, 'string', `${name}: ${JSON.stringify(arn)}`);
    const v = await waitFor(sdk(server.url, ACCOUNT_A), dst, name);
    assert.equal(v.Status, 'COPYING_COMPLETED', v.StatusMessage);
    const row = (await data.version(arn as string))!;
    assert.equal(row.modelSha256, source.sha256);
    if (name === 'default-key') {
      assert.equal(v.KmsKeyId, undefined);
      assert.notEqual(row.detail.modelEncryption!.keyArn, cliKey.Arn);
    } else {
      assert.equal(row.detail.modelEncryption!.keyArn, cliKey.Arn);
      assert.ok(v.KmsKeyId, 'KmsKeyId echoed as given');
    }
    assert.deepEqual(await data.openModel(arn as string), source.model);
  }
});

test('a key the caller may not use is refused before the copy starts; unknown and disabled keys too', async () => {
  const policy = { Statement: [{ Effect: 'Allow', Principal: { AWS: B }, Action: 'rekognition:CopyProjectVersion', Resource: `${src.replace(/\/\d+$/, '')}/version/*` }] };
  boto3(server.url, `out = rek.put_project_policy(ProjectArn=V['p'], PolicyName='b', PolicyDocument=V['d'])`, ACCOUNT_A, { p: src, d: JSON.stringify(policy) });
  const r = copies(ACCOUNT_B, dstB, [['a-key', cliKey.Arn], ['shared-key', `arn:aws:kms:us-east-1:${A}:key/${CONFIG_KEY}`], ['unknown', '0b9f0000-0000-4000-8000-000000000000'], ['unknown-alias', 'alias/none']]);
  assert.equal(r['a-key'].error, 'AccessDeniedException');
  assert.match(r['a-key'].message, new RegExp(`arn:aws:iam::${B}:root is not authorized to perform: kms:\\w+ on resource: ${cliKey.Arn}`));
  assert.equal(typeof r['shared-key'], 'string', JSON.stringify(r['shared-key']));
  assert.equal((await waitFor(sdk(server.url, ACCOUNT_B), dstB, 'shared-key')).Status, 'COPYING_COMPLETED');
  assert.equal(r.unknown.error, 'InvalidParameterException');
  assert.equal(r['unknown-alias'].error, 'InvalidParameterException');
  const versions = boto3(server.url, `out = [v['ProjectVersionArn'] for v in rek.describe_project_versions(ProjectArn=V['p'])['ProjectVersionDescriptions']]`, ACCOUNT_B, { p: dstB });
  assert.equal(versions.length, 1, 'nothing was created for the refused copies');

  assert.equal(kms(['disable-key', '--account-id', A, '--key-id', 'alias/cli-key']).code, 0);
  assert.equal(copies(ACCOUNT_A, dst, [['disabled', 'alias/cli-key']]).disabled.error, 'InvalidParameterException');
  assert.equal(kms(['enable-key', '--account-id', A, '--key-id', cliKey.KeyId]).code, 0);
  const deny = { Statement: [{ Effect: 'Allow', Principal: { AWS: A }, Action: 'kms:*', Resource: '*' }, { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:CreateGrant', Resource: '*' }] };
  assert.equal(kms(['put-key-policy', '--key-id', cliKey.KeyId, '--policy', JSON.stringify(deny)]).code, 0);
  assert.equal(copies(ACCOUNT_A, dst, [['deny-grant', cliKey.Arn]])['deny-grant'].error, 'AccessDeniedException');
  assert.equal(kms(['put-key-policy', '--key-id', cliKey.KeyId, '--policy', 'default']).code, 0);
  assert.equal(typeof copies(ACCOUNT_A, dst, [['after-reset', cliKey.Arn]])['after-reset'], 'string');
});

test('restarting with the same config file is idempotent; key material is sealed at rest', async () => {
  await server.stop();
  server = await startServer({ dataDir: server.dataDir, config });
  const keys = kms(['list-keys', '--account-id', A]).json.Keys.filter((k: { KeyId: string }) => k.KeyId === CONFIG_KEY);
  assert.equal(keys.length, 1);
  const rows = data.db.prepare('SELECT sealed_material FROM kms_keys').pluck().all() as Buffer[];
  for (const m of rows) assert.equal(m.length, 12 + 16 + 32, 'nonce | tag | sealed 32-byte key');
  assert.doesNotMatch(server.log(), /sealed|material/i);
});
