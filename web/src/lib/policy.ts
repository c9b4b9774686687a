// Project policies in the console: the editor's validation messages and the copy page's "would
// this caller be allowed" come from the server's own pure policy code (src/domain/policies), so
// the console and the server cannot disagree on the grammar or the decision.
import { parseProjectPolicy, PolicySyntaxError, COPY_ACTION } from '../../../src/domain/policies/document';
import { evaluate, type Decision } from '../../../src/domain/policies/evaluate';

export interface ProjectRef { accountId: string; region: string; name: string }

/** Project ARN → its parts; undefined when not a project (or version) ARN. */
export function parseProjectArn(arn: string): (ProjectRef & { partition: string }) | undefined {
  const m = /^arn:([a-z\d-]+):rekognition:([a-z\d-]+):(\d{12}):project\/([^/]+)(\/|$)/.exec(arn);
  return m ? { partition: m[1]!, region: m[2]!, accountId: m[3]!, name: m[4]! } : undefined;
}

/** Validation messages for a policy text attached to `project` (empty = valid). */
export function validatePolicy(text: string, project: ProjectRef): string[] {
  if (!text.trim()) return ['The policy document is empty.'];
  try { JSON.parse(text); } catch (e) { return [`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`]; }
  try { parseProjectPolicy(text, project); return []; } catch (e) {
    if (e instanceof PolicySyntaxError) return [e.message];
    throw e;
  }
}

export interface CopyDecision { decision: Decision | 'Allow (same account)'; reason: string }

/**
 * Whether a caller of `callerAccount` (as the account root, `principalArn` when known) may copy
 * `versionArn` under the source project's policies (AWS's rule: same account needs no project
 * policy unless one denies; another account needs an Allow and no Deny).
 */
export function decideCopy(policies: string[], versionArn: string, callerAccount: string, region: string, principalArn = `arn:aws:iam::${callerAccount}:root`): CopyDecision {
  const src = parseProjectArn(versionArn);
  if (!src) return { decision: 'NotApplicable', reason: 'The source is not a model version ARN.' };
  const docs = [];
  for (const p of policies) { try { docs.push(parseProjectPolicy(p, src)); } catch { /* an invalid stored policy grants nothing */ } }
  const d = evaluate(docs, { principal: { arn: principalArn, accountId: callerAccount }, action: COPY_ACTION, resource: versionArn, context: { 'aws:RequestedRegion': region } }, { checkPrincipal: true });
  if (d === 'Deny') return { decision: 'Deny', reason: 'A project policy explicitly denies this caller.' };
  if (src.accountId === callerAccount) return { decision: 'Allow (same account)', reason: 'The source is in your account: no project policy is needed.' };
  return d === 'Allow'
    ? { decision: 'Allow', reason: `A project policy allows account ${callerAccount} to copy this version.` }
    : { decision: 'NotApplicable', reason: `No project policy of the source allows account ${callerAccount}: the copy would be denied.` };
}

/** A starting policy that lets `account` copy every version of `project`. */
export function policyTemplate(project: ProjectRef & { partition?: string }, account: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AllowCopy', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: COPY_ACTION,
      Resource: `arn:${project.partition ?? 'aws'}:rekognition:${project.region}:${project.accountId}:project/${project.name}/version/*`,
    }],
  }, null, 2);
}
