// The pure evaluator and the document rules, without a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, parseProjectPolicy, PolicySyntaxError } from '../../src/domain/policies/document.js';
import { evaluate, globMatch, principalMatches, resourceMatches } from '../../src/domain/policies/evaluate.js';

const project = { accountId: '111122223333', region: 'us-east-1', name: 'src' };
const V1 = 'arn:aws:rekognition:us-east-1:111122223333:project/src/version/v1/1690556751958';
const B = { arn: 'arn:aws:iam::444455556666:root', accountId: '444455556666' };
const req = (principal = B, resource = V1) => ({ principal, action: 'rekognition:CopyProjectVersion', resource });

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Principal: unknown, Resource: unknown = V1, Effect = 'Allow') => ({ Effect, Principal, Action: 'rekognition:CopyProjectVersion', Resource });

test('principal forms: account ID, root ARN, user and role ARNs, assumed-role sessions, "*"', () => {
  const user = { arn: 'arn:aws:iam::444455556666:user/alice', accountId: '444455556666' };
  const session = { arn: 'arn:aws:sts::444455556666:assumed-role/copier/session-1', accountId: '444455556666' };
  assert.ok(principalMatches('444455556666', user));
  assert.ok(principalMatches('arn:aws:iam::444455556666:root', user));
  assert.ok(principalMatches('arn:aws:iam::444455556666:user/alice', user));
  assert.ok(!principalMatches('arn:aws:iam::444455556666:user/bob', user));
  assert.ok(principalMatches('arn:aws:iam::444455556666:role/copier', session));
  assert.ok(!principalMatches('arn:aws:iam::444455556666:role/other', session));
  assert.ok(principalMatches('*', user));
  assert.ok(!principalMatches('111122223333', user));
});

test('wildcards: actions case-insensitive, resources case-sensitive, ? is one character', () => {
  assert.ok(globMatch('rekognition:Copy*', 'rekognition:copyprojectversion', true));
  assert.ok(globMatch('arn:aws:rekognition:us-east-1:111122223333:project/src/version/*', V1));
  assert.ok(!globMatch('arn:aws:rekognition:us-east-1:111122223333:project/SRC/version/*', V1));
  assert.ok(globMatch('arn:aws:rekognition:us-east-1:111122223333:project/src/version/v?/*', V1));
  assert.ok(!globMatch('arn:aws:rekognition:us-east-1:111122223333:project/src/version/v??/*', V1));
  assert.ok(globMatch('a.b', 'a.b') && !globMatch('a.b', 'axb'), 'regex characters are literal');
});

test('explicit Deny wins over any Allow; nothing matching is NotApplicable; Effect in any case', () => {
  const allowB = parseProjectPolicy(doc(allow({ AWS: '444455556666' }, 'arn:aws:rekognition:us-east-1:111122223333:project/src/version/*', 'ALLOW')), project);
  const denyB = parseProjectPolicy(doc(allow({ AWS: 'arn:aws:iam::444455556666:root' }, V1, 'deny')), project);
  assert.equal(evaluate([allowB], req(), { checkPrincipal: true }), 'Allow');
  assert.equal(evaluate([allowB, denyB], req(), { checkPrincipal: true }), 'Deny');
  assert.equal(evaluate([denyB, allowB], req(), { checkPrincipal: true }), 'Deny');
  const other = { arn: 'arn:aws:iam::999999999999:root', accountId: '999999999999' };
  assert.equal(evaluate([allowB, denyB], req(other), { checkPrincipal: true }), 'NotApplicable');
  assert.equal(evaluate([], req(), { checkPrincipal: true }), 'NotApplicable');
});

test('conditions: string, ARN and Null operators over principal context keys', () => {
  const cond = parseProjectPolicy(doc({ ...allow('*'), Condition: { StringEquals: { 'aws:PrincipalAccount': '444455556666' } } }), project);
  assert.equal(evaluate([cond], req(), { checkPrincipal: true }), 'Allow');
  assert.equal(evaluate([cond], req({ arn: 'arn:aws:iam::999999999999:root', accountId: '999999999999' }), { checkPrincipal: true }), 'NotApplicable');
  const notLike = parseProjectPolicy(doc({ ...allow('*'), Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/*' } } }), project);
  assert.equal(evaluate([notLike], req(), { checkPrincipal: true }), 'Allow');
  assert.equal(evaluate([notLike], req({ arn: 'arn:aws:iam::444455556666:user/x', accountId: '444455556666' }), { checkPrincipal: true }), 'NotApplicable');
});

test('identity policies: no Principal, NotAction/NotResource allowed', () => {
  const id = parsePolicy({ Statement: [{ Effect: 'Allow', Action: 'rekognition:*', Resource: '*' }, { Effect: 'Deny', NotAction: ['rekognition:Describe*', 'rekognition:List*'], Resource: 'arn:aws:rekognition:*:*:project/locked/*' }] }, 'identity');
  const ask = (action: string, resource: string) => evaluate([id], { principal: B, action, resource }, { checkPrincipal: false });
  assert.equal(ask('rekognition:DescribeProjects', 'arn:aws:rekognition:us-east-1:1:project/locked/1'), 'Allow');
  assert.equal(ask('rekognition:DeleteProject', 'arn:aws:rekognition:us-east-1:1:project/locked/1'), 'Deny');
  assert.equal(ask('rekognition:DeleteProject', 'arn:aws:rekognition:us-east-1:1:project/open/1'), 'Allow');
  assert.throws(() => parsePolicy({ Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }] }, 'identity'), PolicySyntaxError);
});

test('project policy rules (spec §5.3): each violation is refused', () => {
  const bad: [string, string][] = [
    ['not json', '{"Statement": ['],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' })],
    ['missing Effect', doc({ Principal: '*', Action: 'rekognition:CopyProjectVersion', Resource: V1 })],
    ['missing Principal', doc({ Effect: 'Allow', Action: 'rekognition:CopyProjectVersion', Resource: V1 })],
    ['missing Action', doc({ Effect: 'Allow', Principal: '*', Resource: V1 })],
    ['missing Resource', doc({ Effect: 'Allow', Principal: '*', Action: 'rekognition:CopyProjectVersion' })],
    ['NotAction', doc({ Effect: 'Allow', Principal: '*', NotAction: 'rekognition:CopyProjectVersion', Resource: V1 })],
    ['NotResource', doc({ ...allow('*'), Resource: undefined, NotResource: V1 })],
    ['NotPrincipal', doc({ Effect: 'Allow', NotPrincipal: { AWS: '444455556666' }, Action: 'rekognition:CopyProjectVersion', Resource: V1 })],
    ['other action', doc({ ...allow('*'), Action: 'rekognition:DeleteProject' })],
    ['wildcard action', doc({ ...allow('*'), Action: 'rekognition:*' })],
    ['bad effect', doc(allow('*', V1, 'Maybe'))],
    ['foreign project', doc(allow('*', V1.replace('project/src/', 'project/other/')))],
    ['not an ARN', doc(allow('*', 'my-version'))],
    ['too few ARN segments', doc(allow('*', 'arn:aws:rekognition:us-east-1:111122223333'))],
    ['wildcard in the service', doc(allow('*', 'arn:aws:rekog*:us-east-1:111122223333:project/src/version/*'))],
    ['project ARN, not versions', doc(allow('*', 'arn:aws:rekognition:us-east-1:111122223333:project/src/1690556751958'))],
    ['bad principal', doc(allow({ AWS: 'bob' }))],
    ['service principal', doc(allow({ Service: 'rekognition.amazonaws.com' }))],
    ['unknown operator', doc({ ...allow('*'), Condition: { NumericLessThan: { 'aws:x': '1' } } })],
  ];
  for (const [why, text] of bad) assert.throws(() => parseProjectPolicy(text, project), PolicySyntaxError, why);
  assert.doesNotThrow(() => parseProjectPolicy(doc(allow({ AWS: ['111122223333', 'arn:aws:iam::444455556666:role/r'] })), project));
});

test('AWS\'s ListProjectPolicies example (Resource "*") is a valid project policy; Resource ARNs take wildcards anywhere but the service', () => {
  // The document AWS's SDK for JavaScript v3 shows for ListProjectPoliciesCommand, other account and all.
  const example = '{"Version":"2012-10-17","Statement":[{"Effect":"ALLOW","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"rekognition:CopyProjectVersion","Resource":"*"}]}';
  const parsed = parseProjectPolicy(example, project);
  assert.equal(evaluate([parsed], req(), { checkPrincipal: true }), 'Allow');
  for (const r of ['arn:aws:rekognition:*:111122223333:project/src/version/*', 'arn:aws:rekognition:us-east-1:*:*', 'arn:*:rekognition:us-east-?:111122223333:project/*/version/v1/*',
    'arn:aws:rekognition:us-east-1:111122223333:project/other/version/*']) {
    assert.doesNotThrow(() => parseProjectPolicy(doc(allow('*', r)), project), r);
  }
  // A Deny on "*" wins over an Allow naming the version.
  const denyAll = parseProjectPolicy(doc(allow({ AWS: '444455556666' }, '*', 'Deny')), project);
  const allowV1 = parseProjectPolicy(doc(allow({ AWS: '444455556666' }, V1)), project);
  assert.equal(evaluate([allowV1, denyAll], req(), { checkPrincipal: true }), 'Deny');
  assert.equal(evaluate([allowV1], req(), { checkPrincipal: true }), 'Allow');
});

test('resource wildcards match as IAM does: within a segment, and a segment-ending * across the colons after it', () => {
  assert.ok(resourceMatches('*', V1));
  assert.ok(resourceMatches('arn:aws:rekognition:*:111122223333:project/src/version/*', V1));
  assert.ok(resourceMatches('arn:aws:rekognition:us-east-?:111122223333:project/src/version/v1/*', V1));
  assert.ok(resourceMatches('arn:aws:rekognition:us-*', V1), 'a * ending a segment extends across colons');
  assert.ok(!resourceMatches('arn:aws:rek*ion-x:us-east-1:111122223333:project/src/version/*', V1));
  assert.ok(!resourceMatches('arn:aws:rekognition:us*1:111122223333:project/src/version/*', 'arn:aws:rekognition:us:east:1:111122223333:project/src/version/v1/1'), 'a mid-segment * stays in its segment');
  assert.ok(!resourceMatches('arn:aws:rekognition:us-east-1:111122223333:project/SRC/version/*', V1), 'case-sensitive');
  assert.ok(!resourceMatches('arn:aws:rekognition:us-east-1:111122223333:project/src/version/v??/*', V1));
  assert.ok(!resourceMatches('arn:aws:rekognition:us-east-1:444455556666:*', V1));
});
