// rekognition:ExportProjectVersion is granted only by an identity-policy statement that names it; wildcards that
// match it do not grant it but do deny it (api/extensions.ts EXPLICIT_ONLY_ACTIONS, docs/export.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdentityPolicies } from '../../src/domain/iam/identity.js';

const ARN = 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v/1';
function decide(statements: unknown[], action = 'rekognition:ExportProjectVersion') {
  const credential = { accessKeyId: 'AKIATEST', secretAccessKey: 's', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/u', policy: { Version: '2012-10-17', Statement: statements } };
  const iam = new IdentityPolicies([credential]);
  return iam.decide({ accountId: '111122223333', region: 'us-east-1', principalArn: credential.principalArn, credential }, action, ARN);
}
const allow = (Action: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource: '*', ...extra });

test('wildcards do not grant the export; the named action does (any letter case)', () => {
  for (const a of ['*', 'rekognition:*', 'rekognition:Export*', 'rekognition:?xportProjectVersion']) {
    assert.equal(decide([allow(a)]), 'NotApplicable', a);
  }
  assert.equal(decide([{ Effect: 'Allow', NotAction: 'rekognition:DeleteProject', Resource: '*' }]), 'NotApplicable', 'NotAction');
  assert.equal(decide([allow('rekognition:ExportProjectVersion')]), 'Allow');
  assert.equal(decide([allow(['rekognition:DescribeProjects', 'REKOGNITION:exportprojectversion'])]), 'Allow');
  assert.equal(decide([allow('rekognition:ExportProjectVersion', { Resource: 'arn:aws:rekognition:*:*:project/other/*' })]), 'NotApplicable', 'resource still matters');
});

test('a wildcard Deny still denies it, and other actions keep ordinary wildcard semantics', () => {
  assert.equal(decide([allow('rekognition:ExportProjectVersion'), { Effect: 'Deny', Action: 'rekognition:*', Resource: '*' }]), 'Deny');
  assert.equal(decide([allow('rekognition:*')], 'rekognition:CopyProjectVersion'), 'Allow');
});
