// Key policies: which principals may use a key for kms:GenerateDataKey, kms:Decrypt,
// kms:DescribeKey and kms:CreateGrant. A key without a policy has the default one: the owning
// account (its root, hence any of its principals) may do everything, nobody else anything.
import { parsePolicy, type PolicyDocument } from '../policies/document.js';
import { evaluate } from '../policies/evaluate.js';
import type { KeyRecord } from '../../storage/ports.js';
import type { KeyPolicyCheck } from './service.js';

export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });
}

/** Validates a key policy; throws PolicySyntaxError. Returns the normalised text to store. */
export function checkKeyPolicy(text: string): string {
  parsePolicy(text, 'key');
  return text;
}

const parsed = new Map<string, PolicyDocument>();

function document(key: KeyRecord): PolicyDocument {
  const text = key.policy ?? defaultKeyPolicy(key.accountId);
  let doc = parsed.get(text);
  if (!doc) {
    doc = parsePolicy(text, 'key');
    if (parsed.size > 1000) parsed.clear();
    parsed.set(text, doc);
  }
  return doc;
}

/** The KeyPolicyCheck the key service uses: an Allow is needed, an explicit Deny wins. */
export const keyPolicyCheck: KeyPolicyCheck = (key, caller, action) =>
  evaluate([document(key)], { principal: { arn: caller.principalArn, accountId: caller.accountId }, action, resource: key.arn }, { checkPrincipal: true }) === 'Allow';
