// The pure policy evaluator (IAM semantics, no I/O): a request matches a statement when its
// principal, action, resource and conditions all match; an explicit Deny anywhere wins over any
// Allow; no matching statement is an implicit deny ("NotApplicable").
import type { ConditionTest, PolicyDocument, Statement } from './document.js';

export type Decision = 'Allow' | 'Deny' | 'NotApplicable';

export interface Principal { arn: string; accountId: string }

export interface PolicyRequest {
  principal: Principal;
  action: string;
  resource: string;
  /** Condition context keys (case-insensitive names), e.g. aws:PrincipalAccount. */
  context?: Record<string, string | undefined>;
}

const globCache = new Map<string, RegExp>();

/** IAM wildcards: `*` any run of characters, `?` one character; everything else literal. */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const cacheKey = `${ignoreCase ? 'i' : 's'}:${pattern}`;
  let re = globCache.get(cacheKey);
  if (!re) {
    const body = pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (globCache.size > 5000) globCache.clear();
    globCache.set(cacheKey, re);
  }
  return re.test(value);
}

const arnCache = new Map<string, RegExp>();

/**
 * IAM's matching of a Resource entry against an ARN: "*" matches everything; otherwise `*` and `?`
 * stand within one colon-separated segment, except that a `*` ending a segment may extend across
 * the colons that follow (IAM User Guide, "Using wildcards in resource ARNs"). Case-sensitive.
 */
export function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  let re = arnCache.get(pattern);
  if (!re) {
    let body = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '*') body += i + 1 === pattern.length || pattern[i + 1] === ':' ? '.*' : '[^:]*';
      else if (c === '?') body += '[^:]';
      else body += c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
    }
    re = new RegExp(`^${body}$`, 's');
    if (arnCache.size > 5000) arnCache.clear();
    arnCache.set(pattern, re);
  }
  return re.test(arn);
}

const ROOT = /^arn:[a-z\d-]+:iam::(\d{12}):root$/;
const ASSUMED_ROLE = /^arn:([a-z\d-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/;

/** Whether a policy principal entry names the caller (account ID, account root, user/role ARN, or "*"). */
export function principalMatches(entry: string, p: Principal): boolean {
  if (entry === '*') return true;
  if (/^\d{12}$/.test(entry)) return entry === p.accountId;
  const root = ROOT.exec(entry);
  if (root) return root[1] === p.accountId;
  if (entry === p.arn) return true;
  // A session of an assumed role is matched by the role's ARN (paths aside).
  const session = ASSUMED_ROLE.exec(p.arn);
  if (session) {
    const role = /^arn:([a-z\d-]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
    return !!role && role[1] === session[1] && role[2] === session[2] && role[3] === session[3];
  }
  return false;
}

function contextValue(ctx: Record<string, string | undefined>, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(ctx)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function conditionHolds(c: ConditionTest, ctx: Record<string, string | undefined>): boolean {
  const ifExists = c.operator.endsWith('IfExists');
  const op = c.operator.replace(/IfExists$/, '');
  const value = contextValue(ctx, c.key);
  if (op === 'Null') {
    const wantAbsent = c.values.some((v) => v.toLowerCase() === 'true');
    return wantAbsent === (value === undefined);
  }
  const negated = op.includes('Not');
  if (value === undefined) return ifExists || negated;
  const test = (expected: string): boolean => {
    switch (op) {
      case 'StringEquals': case 'StringNotEquals': return value === expected;
      case 'StringEqualsIgnoreCase': case 'StringNotEqualsIgnoreCase': return value.toLowerCase() === expected.toLowerCase();
      case 'StringLike': case 'StringNotLike': case 'ArnEquals': case 'ArnNotEquals': case 'ArnLike': case 'ArnNotLike':
        return globMatch(expected, value);
      case 'Bool': return value.toLowerCase() === expected.toLowerCase();
      default: return false;
    }
  };
  const any = c.values.some(test);
  return negated ? !any : any;
}

/** Whether one statement applies to the request (Effect aside). */
export function statementMatches(s: Statement, req: PolicyRequest, checkPrincipal: boolean): boolean {
  if (checkPrincipal && !(s.principals ?? []).some((e) => principalMatches(e, req.principal))) return false;
  const actionHit = (list: string[]) => list.some((a) => globMatch(a, req.action, true));
  if (s.actions && !actionHit(s.actions)) return false;
  if (s.notActions && actionHit(s.notActions)) return false;
  const resourceHit = (list: string[]) => list.some((r) => resourceMatches(r, req.resource));
  if (s.resources && !resourceHit(s.resources)) return false;
  if (s.notResources && resourceHit(s.notResources)) return false;
  const ctx = { 'aws:PrincipalArn': req.principal.arn, 'aws:PrincipalAccount': req.principal.accountId, ...req.context };
  return s.conditions.every((c) => conditionHolds(c, ctx));
}

/**
 * Evaluates documents together. Resource-based and key policies check the Principal element
 * (`checkPrincipal`); identity policies have none.
 */
export function evaluate(docs: PolicyDocument[], req: PolicyRequest, opts: { checkPrincipal: boolean }): Decision {
  let allowed = false;
  for (const doc of docs) {
    for (const s of doc.statements) {
      if (!statementMatches(s, req, opts.checkPrincipal)) continue;
      if (s.effect === 'Deny') return 'Deny';
      allowed = true;
    }
  }
  return allowed ? 'Allow' : 'NotApplicable';
}
