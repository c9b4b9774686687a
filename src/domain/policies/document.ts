// IAM-style policy documents: parsing into normalised statements and the rules each kind of
// policy must follow. Three kinds share the grammar: project policies (resource-based, spec §5.3),
// identity policies (strict mode) and KMS key policies. Violations are reported as plain
// messages; the caller turns them into the exception its operation models.

export type Effect = 'Allow' | 'Deny';

/** One condition test: operator (e.g. StringLike), context key and accepted values. */
export interface ConditionTest { operator: string; key: string; values: string[] }

export interface Statement {
  sid?: string;
  effect: Effect;
  /** undefined = no Principal element (identity policies). '*' appears as the single entry "*". */
  principals?: string[];
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  conditions: ConditionTest[];
}

export interface PolicyDocument { statements: Statement[] }

export class PolicySyntaxError extends Error {}

export type PolicyKind = 'project' | 'identity' | 'key' | 'bucket';

const KNOWN_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

/** Condition operators the evaluator implements (with an optional IfExists suffix). */
export const CONDITION_OPERATORS = new Set([
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike', 'Bool', 'Null',
]);

const ACCOUNT_ID = /^\d{12}$/;
const PRINCIPAL_ARN = /^arn:[a-z\d-]+:(iam|sts)::\d{12}:(root|user\/.+|role\/.+|assumed-role\/.+|federated-user\/.+)$/;

function fail(message: string): never { throw new PolicySyntaxError(message); }

function stringList(value: unknown, what: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) fail(`${what} must not be empty`);
  for (const v of list) if (typeof v !== 'string' || v.length === 0) fail(`${what} must be a string or a list of strings`);
  return list as string[];
}

function principals(value: unknown): string[] {
  if (value === '*') return ['*'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('Principal must be "*" or an object such as {"AWS": …}');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) fail('Principal must name at least one principal');
  const out: string[] = [];
  for (const [type, v] of entries) {
    if (type !== 'AWS') fail(`Principal type ${type} is not supported (only AWS principals)`);
    for (const p of stringList(v, 'Principal.AWS')) {
      if (p !== '*' && !ACCOUNT_ID.test(p) && !PRINCIPAL_ARN.test(p)) fail(`Principal ${p} is not an account ID, an IAM ARN or "*"`);
      out.push(p);
    }
  }
  return out;
}

function conditions(value: unknown): ConditionTest[] {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('Condition must be an object');
  const out: ConditionTest[] = [];
  for (const [operator, block] of Object.entries(value as Record<string, unknown>)) {
    const base = operator.replace(/IfExists$/, '');
    if (!CONDITION_OPERATORS.has(base)) fail(`Condition operator ${operator} is not supported`);
    if (typeof block !== 'object' || block === null || Array.isArray(block)) fail(`Condition ${operator} must map keys to values`);
    for (const [key, v] of Object.entries(block as Record<string, unknown>)) {
      const list = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'boolean' || typeof x === 'number' ? String(x) : x));
      out.push({ operator, key, values: stringList(list, `Condition ${operator} ${key}`) });
    }
  }
  return out;
}

function statement(raw: unknown, kind: PolicyKind, i: number): Statement {
  const where = `Statement ${i + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${where} must be an object`);
  const s = raw as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!KNOWN_ELEMENTS.has(k)) fail(`${where} has an unknown element ${k}`);
  if (kind === 'project') {
    for (const k of ['NotPrincipal', 'NotAction', 'NotResource']) if (k in s) fail(`${where}: ${k} is not allowed in a project policy`);
    for (const k of ['Effect', 'Principal', 'Action', 'Resource']) if (!(k in s)) fail(`${where} is missing ${k}`);
  }
  if ('NotPrincipal' in s) fail(`${where}: NotPrincipal is not supported`);
  if (kind === 'identity' && 'Principal' in s) fail(`${where}: an identity policy must not have a Principal`);
  if ((kind === 'key' || kind === 'bucket') && !('Principal' in s)) fail(`${where} is missing Principal`);
  if (typeof s.Effect !== 'string') fail(`${where} is missing Effect`);
  const effect = s.Effect.toLowerCase() === 'allow' ? 'Allow' : s.Effect.toLowerCase() === 'deny' ? 'Deny' : fail(`${where}: Effect must be Allow or Deny`);
  if ('Action' in s === 'NotAction' in s) fail(`${where} must have exactly one of Action or NotAction`);
  if ('Resource' in s === 'NotResource' in s) fail(`${where} must have exactly one of Resource or NotResource`);
  if (s.Sid !== undefined && typeof s.Sid !== 'string') fail(`${where}: Sid must be a string`);
  return {
    sid: s.Sid as string | undefined, effect,
    principals: 'Principal' in s ? principals(s.Principal) : undefined,
    actions: 'Action' in s ? stringList(s.Action, `${where} Action`) : undefined,
    notActions: 'NotAction' in s ? stringList(s.NotAction, `${where} NotAction`) : undefined,
    resources: 'Resource' in s ? stringList(s.Resource, `${where} Resource`) : undefined,
    notResources: 'NotResource' in s ? stringList(s.NotResource, `${where} NotResource`) : undefined,
    conditions: conditions(s.Condition),
  };
}

/** Parses the common grammar (text or an already-parsed object); throws PolicySyntaxError. */
export function parsePolicy(source: unknown, kind: PolicyKind): PolicyDocument {
  let doc = source;
  if (typeof source === 'string') {
    try { doc = JSON.parse(source); } catch { fail('The policy document is not valid JSON'); }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('The policy document must be a JSON object');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== 'Version' && k !== 'Id' && k !== 'Statement') fail(`Unknown top-level element ${k}`);
  if (d.Version !== undefined && d.Version !== '2012-10-17' && d.Version !== '2008-10-17') fail(`Unsupported policy Version ${String(d.Version)}`);
  if (d.Statement === undefined) fail('The policy document has no Statement');
  const raw = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  if (raw.length === 0) fail('The policy document has no Statement');
  return { statements: raw.map((s, i) => statement(s, kind, i)) };
}

export const COPY_ACTION = 'rekognition:CopyProjectVersion';

/** An IAM resource: "*" or an ARN (arn:partition:service:region:account:resource), wildcards allowed except in the service. */
const RESOURCE_ARN = /^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.+)$/;

/**
 * A project policy: the common grammar plus the rules the Custom Labels guide states ("Creating a
 * project policy document"): Effect, Principal, Action and Resource required; NotAction,
 * NotResource and NotPrincipal prohibited; the only action rekognition:CopyProjectVersion.
 * Resource follows IAM's grammar: "*" or an ARN with wildcards (`*`, `?`) anywhere but the
 * service (AWS's own ListProjectPolicies example uses "*"). A wildcard-free ARN must name a model
 * version of the project the policy is attached to, since it could never match anything else (an
 * Osprey choice: docs/policies.md).
 */
export function parseProjectPolicy(text: string, project: { accountId: string; region: string; name: string }): PolicyDocument {
  const doc = parsePolicy(text, 'project');
  const versionPrefix = `:rekognition:${project.region}:${project.accountId}:project/${project.name}/version/`;
  for (const [i, s] of doc.statements.entries()) {
    for (const a of s.actions!) {
      if (a.toLowerCase() !== COPY_ACTION.toLowerCase()) fail(`Statement ${i + 1}: action ${a} is not supported; the only action is ${COPY_ACTION}`);
    }
    for (const r of s.resources!) {
      if (r === '*') continue;
      const m = RESOURCE_ARN.exec(r);
      if (!m) fail(`Statement ${i + 1}: resource ${r} must be "*" or an ARN (arn:partition:service:region:account:resource)`);
      if (/[*?]/.test(m[2])) fail(`Statement ${i + 1}: resource ${r} has a wildcard in its service segment`);
      if (/[*?]/.test(r)) continue;
      const rest = r.slice(`arn:${m[1]}`.length);
      if (!rest.startsWith(versionPrefix) || rest.length === versionPrefix.length) {
        fail(`Statement ${i + 1}: resource ${r} is not a model version of project ${project.name} in ${project.accountId}/${project.region}`);
      }
    }
  }
  return doc;
}
