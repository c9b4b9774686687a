// The command table, derived from the operation table in src/api: one command per operation in
// kebab case, one option per input member in model order, plus the pagination options, the
// `--image-bytes` convenience and the waiters. Nothing here is written by hand per command.
import { operations, shape, paginators, waiters, kebabCase, type Shape } from '../api/index.js';

export type OptKind = 'string' | 'integer' | 'float' | 'boolean' | 'list-scalar' | 'complex' | 'blob' | 'timestamp';

export interface OptSpec {
  flag: string;           // --kebab-name
  member?: string;        // input member it fills (absent for pagination options)
  shapeName?: string;
  kind: OptKind;
  required: boolean;
  hidden?: boolean;       // accepted but not shown in help
  pagination?: 'starting-token' | 'page-size' | 'max-items';
}

export interface CommandSpec {
  name: string;           // copy-project-version
  operation: string;      // CopyProjectVersion
  inputShape: string;
  outputShape: string;
  options: OptSpec[];
  paginator?: { inputToken: string; outputToken: string; limitKey: string; resultKey: string };
  waiter?: { name: string; delay: number; maxAttempts: number; extra?: boolean };
}

export function optKind(s: Shape): OptKind {
  switch (s.type) {
    case 'string': return 'string';
    case 'integer': case 'long': return 'integer';
    case 'float': case 'double': return 'float';
    case 'boolean': return 'boolean';
    case 'blob': return 'blob';
    case 'timestamp': return 'timestamp';
    case 'list': {
      const m = shape(s.member!.shape);
      return ['structure', 'list', 'map'].includes(m.type) ? 'complex' : 'list-scalar';
    }
    default: return 'complex';
  }
}

function buildCommand(opName: string): CommandSpec {
  const op = operations[opName];
  const input = shape(op.input);
  const required = new Set(input.required ?? []);
  const pag = paginators[opName];
  const options: OptSpec[] = [];
  for (const [member, ref] of Object.entries(input.members ?? {})) {
    const kind = optKind(shape(ref.shape));
    const opt: OptSpec = { flag: '--' + kebabCase(member), member, shapeName: ref.shape, kind, required: required.has(member) };
    if (pag && (member === pag.input_token || member === pag.limit_key)) opt.hidden = true;
    options.push(opt);
  }
  // A blob member of a top-level structure gets its own option (`--image-bytes`), and the
  // structure option stops being required: the AWS CLI does this for Image.Bytes.
  for (const opt of [...options]) {
    if (opt.kind !== 'complex' || !opt.shapeName) continue;
    const s = shape(opt.shapeName);
    if (s.type !== 'structure' || opt.member !== 'Image') continue;
    for (const [m, ref] of Object.entries(s.members ?? {})) {
      if (shape(ref.shape).type === 'blob') {
        options.push({ flag: `${opt.flag}-${kebabCase(m)}`, member: `${opt.member}.${m}`, shapeName: ref.shape, kind: 'blob', required: false });
        opt.required = false;
      }
    }
  }
  const cmd: CommandSpec = { name: kebabCase(opName), operation: opName, inputShape: op.input, outputShape: op.output, options };
  if (pag) {
    cmd.paginator = { inputToken: pag.input_token, outputToken: pag.output_token, limitKey: pag.limit_key, resultKey: pag.result_key };
    options.push(
      { flag: '--starting-token', kind: 'string', required: false, pagination: 'starting-token' },
      { flag: '--page-size', kind: 'integer', required: false, pagination: 'page-size' },
      { flag: '--max-items', kind: 'integer', required: false, pagination: 'max-items' },
    );
  }
  return cmd;
}

let table: Map<string, CommandSpec> | undefined;

export function commandTable(): Map<string, CommandSpec> {
  if (table) return table;
  table = new Map();
  for (const name of Object.keys(operations)) {
    const c = buildCommand(name);
    table.set(c.name, c);
  }
  return table;
}

/** Osprey's extra waiter: AWS has no waiter for a copy, so this one is defined here. */
const extraWaiters = {
  ProjectVersionCopyCompleted: {
    operation: 'DescribeProjectVersions', delay: 30, maxAttempts: 120,
    acceptors: [
      { state: 'success', matcher: 'pathAll', argument: 'ProjectVersionDescriptions[].Status', expected: 'COPYING_COMPLETED' },
      { state: 'failure', matcher: 'pathAny', argument: 'ProjectVersionDescriptions[].Status', expected: 'COPYING_FAILED' },
    ],
  },
} as const;

export function allWaiters() {
  return { ...waiters, ...extraWaiters } as Record<string, { operation: string; delay: number; maxAttempts: number; acceptors: readonly { state: string; matcher: string; argument?: string; expected: unknown }[] }>;
}

export function waiterTable(): Map<string, CommandSpec> {
  const out = new Map<string, CommandSpec>();
  for (const [name, w] of Object.entries(allWaiters())) {
    const base = buildCommand(w.operation);
    // waiters take the polled operation's input and (as the AWS CLI's help lists them) the
    // pagination options, which the waiter then refuses
    out.set(kebabCase(name), {
      ...base, name: kebabCase(name),
      waiter: { name, delay: w.delay, maxAttempts: w.maxAttempts, extra: name in extraWaiters },
    });
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}
