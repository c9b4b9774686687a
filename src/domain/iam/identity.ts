// Identity permissions (strict mode): a configured principal may carry an IAM identity policy;
// every operation checks `rekognition:<Operation>` on the resource the request names. Principals
// without a policy are account administrators. Hooked into the pipeline's `authorize` stage.
import { AccessDenied } from '../../protocol/errors.js';
import type { Authenticated, Credential } from '../../server/auth.js';
import type { Authorizer } from '../../server/pipeline.js';
import { EXPLICIT_ONLY_ACTIONS } from '../../api/extensions.js';
import { parsePolicy, PolicySyntaxError, type PolicyDocument, type Statement } from '../policies/document.js';
import { evaluate, type Decision } from '../policies/evaluate.js';

export class IdentityPolicyError extends Error {}

/** The resources (and actions) one request asks for, per spec §4.6 and the SAR. */
export function requestedPermissions(operation: string, input: Record<string, unknown>, caller: { accountId: string; region: string }): { action: string; resource: string }[] {
  const base = `arn:aws:rekognition:${caller.region}:${caller.accountId}`;
  const hasTags = typeof input.Tags === 'object' && input.Tags !== null && Object.keys(input.Tags).length > 0;
  const str = (k: string) => (typeof input[k] === 'string' ? (input[k] as string) : undefined);
  if (operation === 'CopyProjectVersion') {
    const dest = str('DestinationProjectArn') ?? `${base}:project/*`;
    return [
      { action: 'rekognition:CopyProjectVersion', resource: str('SourceProjectVersionArn') ?? `${base}:project/*` },
      { action: 'rekognition:CreateProjectVersion', resource: dest },
      ...(hasTags ? [{ action: 'rekognition:TagResource', resource: dest }] : []),
    ];
  }
  let resource: string;
  if (operation === 'CreateProject') resource = `${base}:project/${str('ProjectName') ?? '*'}/*`;
  else resource = str('ProjectVersionArn') ?? str('DatasetArn') ?? str('ProjectArn') ?? str('ResourceArn') ?? `${base}:project/*`;
  const out = [{ action: `rekognition:${operation}`, resource }];
  if (hasTags && operation.startsWith('Create')) out.push({ action: 'rekognition:TagResource', resource });
  return out;
}

export function denial(principalArn: string, action: string, resource: string, decision: Decision, where: 'identity' | 'resource'): Error {
  const why = decision === 'Deny'
    ? `with an explicit deny in ${where === 'identity' ? 'an identity-based' : 'a resource-based'} policy`
    : `because no ${where === 'identity' ? 'identity-based' : 'resource-based'} policy allows the ${action} action`;
  return AccessDenied(`User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}

export class IdentityPolicies {
  private readonly docs = new Map<string, PolicyDocument>();

  /** Parses every configured identity policy up front; a bad one stops the server from starting. */
  constructor(credentials: Credential[]) {
    for (const c of credentials) {
      if (c.policy === undefined || c.policy === null) continue;
      try {
        this.docs.set(c.accessKeyId, parsePolicy(c.policy, 'identity'));
      } catch (e) {
        const why = e instanceof PolicySyntaxError ? e.message : String(e);
        throw new IdentityPolicyError(`The identity policy of credential ${c.accessKeyId} is invalid: ${why}`);
      }
    }
  }

  /**
   * Administrators (no policy) are allowed everything. An explicit-only action (api/extensions.ts) is allowed
   * only by an Allow statement that names it exactly; wildcards that match it still deny it.
   */
  decide(caller: Authenticated, action: string, resource: string): Decision {
    let doc = caller.credential && this.docs.get(caller.credential.accessKeyId);
    if (!doc) return 'Allow';
    if (EXPLICIT_ONLY_ACTIONS.has(action)) {
      const named = (s: Statement) => !s.notActions && (s.actions ?? []).some((a) => a.toLowerCase() === action.toLowerCase());
      doc = { ...doc, statements: doc.statements.filter((s) => s.effect === 'Deny' || named(s)) };
    }
    return evaluate([doc], {
      principal: { arn: caller.principalArn, accountId: caller.accountId }, action, resource,
      context: { 'aws:RequestedRegion': caller.region },
    }, { checkPrincipal: false });
  }

  /**
   * The pipeline stage. For a copy, an implicit deny of rekognition:CopyProjectVersion is left
   * to the copy itself: in the source account a project policy may grant it (spec §5.4).
   */
  authorizer(): Authorizer {
    return (ctx, input) => {
      for (const { action, resource } of requestedPermissions(ctx.operation, input, ctx.caller)) {
        const decision = this.decide(ctx.caller, action, resource);
        if (decision === 'Allow') continue;
        if (decision === 'NotApplicable' && ctx.operation === 'CopyProjectVersion' && action === 'rekognition:CopyProjectVersion') continue;
        throw denial(ctx.caller.principalArn, action, resource, decision, 'identity');
      }
    };
  }
}
