// `osprey rekognition …`: an AWS-CLI-compatible command line for the Custom Labels operations.
// Entry point for src/main.ts (dynamic import, so the CLI never loads the server). The pipeline,
// top to bottom: global options → command → its options → skeletons → configuration →
// parameters → validation → request(s) → formatting → pager. docs/cli.md describes the behaviour.
import { release, arch } from 'node:os';
import { shape } from '../api/index.js';
import { commandTable, waiterTable, type CommandSpec, type OptSpec, optKind } from './commands.js';
import { parseGlobals, parseCommand, invalidChoice, closeMatches, setListShapeTest, type Globals } from './argv.js';
import { CliError, ConfigError, GeneralError, ParamError, UnknownOptionsError, UsageError, Interrupted, ServiceError, PROG, type Era } from './errors.js';
import { buildInput, mergeCliInput, applyBinaryFormat, type Input } from './params.js';
import { validateInput } from './validate.js';
import { resolveConfig, staticCredentials, needsSdkProvider, DUMMY_CREDENTIALS, DEFAULT_REGION, type ResolvedConfig, type Credentials } from './config.js';
import { jsonInputSkeleton, yamlInputSkeleton, outputSkeleton } from './skeleton.js';
import { parsePyJson, dumpPyJson, unbox, PyFloat } from './pyjson.js';
import { shapeOutput } from './format/shape-output.js';
import { formatText } from './format/text.js';
import { runWaiter } from './waiter.js';
import { emitOutput, pagerRunning } from './output.js';

export const CLI_VERSION = '0.1.0';

export interface CliIO {
  stdout?: (s: string) => void;
  stderr?: (s: string) => void;
  env?: NodeJS.ProcessEnv;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  stdinIsTTY?: boolean;
  columns?: number;
}

setListShapeTest((o: OptSpec) => !!o.shapeName && shape(o.shapeName).type === 'list');

export interface RunContext {
  globals: Globals;
  cfg: ResolvedConfig;
  era: Era;
  out: (s: string) => void;
  err: (s: string) => void;
  io: Required<Pick<CliIO, 'stdoutIsTTY' | 'stderrIsTTY' | 'columns'>>;
  debug?: (logger: string, msg: string) => void;
}

function versionLine(): string {
  return `${PROG}-cli/${CLI_VERSION} Node/${process.versions.node} ${process.platform === 'linux' ? 'Linux' : process.platform}/${release()} source/${arch() === 'x64' ? 'x86_64' : arch()}`;
}

export async function runRekognitionCli(argv: string[], io: CliIO = {}): Promise<number> {
  const env = io.env ?? process.env;
  const era: Era = env.OSPREY_CLI_ERROR_ERA === 'A' ? 'A' : 'C';
  const out = io.stdout ?? ((s: string) => { process.stdout.write(s); });
  const err = io.stderr ?? ((s: string) => { process.stderr.write(s); });
  // As the real process (no injected stdout), Ctrl-C anywhere ends the command the AWS CLI's way:
  // a newline on stdout, nothing on stderr, exit status 130. A running pager gets the signal too
  // and handles it itself; the command waits for it.
  let onSigint: (() => void) | undefined;
  if (!io.stdout) {
    onSigint = () => {
      if (pagerRunning()) return;
      process.stdout.write('\n');
      process.exit(130);
    };
    process.on('SIGINT', onSigint);
  }
  try {
    return await run(argv, env, era, out, err, io);
  } catch (e) {
    if (e instanceof Interrupted) { out('\n'); return 130; }
    if (e instanceof CliError) { err(e.render(era)); return e.code; }
    err(era === 'A' ? `\n${(e as Error).message}\n` : `\n${PROG}: [ERROR]: ${(e as Error).message}\n`);
    return 255;
  } finally {
    if (onSigint) process.off('SIGINT', onSigint);
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv, era: Era, out: (s: string) => void, err: (s: string) => void, io: CliIO): Promise<number> {
  const { globals, rest } = parseGlobals(argv);
  if (globals.version) { out(versionLine() + '\n'); return 0; }
  const debug = globals.debug ? makeDebug(err) : undefined;
  debug?.('osprey.clidriver', `CLI version: ${versionLine()}`);
  debug?.('osprey.clidriver', `Arguments entered to CLI: ${JSON.stringify(['rekognition', ...argv])}`);
  if (globals.cliAutoPrompt && globals.noCliAutoPrompt) {
    throw new ParamError('Both --cli-auto-prompt and --no-cli-auto-prompt cannot be specified at the same time.');
  }
  const table = commandTable();
  const name = rest[0];
  if (name === undefined) throw new UsageError('the following arguments are required: operation');
  if (name === 'help') { out((await import('./help.js')).serviceHelp()); return 0; }
  let cmd: CommandSpec | undefined;
  let tokens = rest.slice(1);
  if (name === 'wait') {
    const waiters = waiterTable();
    const sub = rest[1];
    if (sub === undefined) {
      const u = `usage: ${PROG} [options] rekognition wait <subcommand> [parameters]`;
      throw Object.assign(new UsageError('too few arguments', `${u}\n${PROG}: error: too few arguments\n`, `${u}\n${PROG}: [ERROR]: too few arguments`), {
        render(this: UsageError, e: Era) { return e === 'A' ? `\n${u}\n${PROG}: error: too few arguments\n` : `\n${PROG}: [ERROR]: An error occurred (ParamValidation): ${u}\n${PROG}: [ERROR]: too few arguments\n`; },
      });
    }
    if (sub === 'help') { out((await import('./help.js')).waitHelp(waiters)); return 0; }
    cmd = waiters.get(sub);
    if (!cmd) throw invalidChoice('subcommand', sub, [...waiters.keys()], closeMatches(sub, [...waiters.keys()]));
    tokens = rest.slice(2);
  } else {
    cmd = table.get(name);
    if (!cmd) {
      const choices = [...table.keys(), 'wait'].sort();
      throw invalidChoice('operation', name, [...choices, 'help'], closeMatches(name, choices));
    }
  }
  const parsed = parseCommand(cmd, tokens);
  if (parsed.help) { out((await import('./help.js')).commandHelp(cmd)); return 0; }

  // Auto-prompt (`on`) comes before any check of the command's own options, as in the AWS CLI:
  // the prompter is what fills in the missing ones.
  let promptMode: string | undefined;
  try { promptMode = resolveConfig(globals, env).autoPrompt; } catch { promptMode = undefined; }
  if (promptMode === 'on') {
    const stdinTTY = io.stdinIsTTY ?? !!process.stdin.isTTY;
    if (!stdinTTY) {
      err('Warning: Input is not a terminal (fd=0).\n');
      throw new GeneralError('');
    }
    const { promptForParameters } = await import('./prompt.js');
    const extra = await promptForParameters(cmd, parsed.values, out);
    return run([...argv.filter((a) => a !== '--cli-auto-prompt'), ...extra], { ...env, AWS_CLI_AUTO_PROMPT: 'off' }, era, out, err, io);
  }

  const skeleton = parsed.skeleton;
  const deferRequired = parsed.cliInputJson !== undefined || parsed.cliInputYaml !== undefined || skeleton === 'input' || skeleton === 'yaml-input';
  if (!deferRequired) {
    const missing = cmd.options.filter((o) => o.required && !parsed.values.has(o)).map((o) => o.flag);
    if (missing.length) throw new UsageError(`the following arguments are required: ${missing.join(', ')}`);
  }
  if (parsed.unknown.length) throw new UnknownOptionsError(parsed.unknown);
  if (skeleton === 'input') { out(jsonInputSkeleton(cmd.inputShape)); return 0; }
  if (skeleton === 'yaml-input') { out(yamlInputSkeleton(cmd.inputShape)); return 0; }

  const cfg = resolveConfig(globals, env);
  const output = (globals.output as string | undefined) ?? cfg.output;
  if (!['json', 'text', 'table', 'yaml', 'yaml-stream', 'off'].includes(output)) {
    throw new ParamError(`Invalid output format: ${output}`);
  }
  let query: ((v: unknown) => unknown) | undefined;
  if (typeof globals.query === 'string') query = await compileQuery(globals.query);
  if (typeof globals.endpointUrl === 'string' && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(globals.endpointUrl)) {
    throw new ParamError(`Bad value for --endpoint-url "${globals.endpointUrl}": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/`);
  }
  const pagOpts = cmd.options.filter((o) => o.pagination && parsed.values.has(o));
  if (globals.noPaginate && pagOpts.length && !cmd.waiter) {
    throw new ParamError(`Cannot specify --no-paginate along with pagination arguments: ${pagOpts.map((o) => o.flag).join(', ')}`);
  }
  if (!['iso8601', 'wire'].includes(cfg.timestampFormat)) {
    throw new ConfigError(`Unknown cli_timestamp_format value: ${cfg.timestampFormat}, valid values are "wire" or "iso8601"`);
  }

  const ctx: RunContext = {
    globals, cfg, era, out, err, debug,
    io: { stdoutIsTTY: io.stdoutIsTTY ?? !!process.stdout.isTTY, stderrIsTTY: io.stderrIsTTY ?? !!process.stderr.isTTY, columns: io.columns ?? process.stdout.columns ?? 80 },
  };

  // parameters
  const pctx = { era, binaryFormat: cfg.binaryFormat };
  let input: Input = buildInput(cmd, parsed.values, pctx);
  input = await mergeCliInput(input, parsed.cliInputJson, parsed.cliInputYaml);

  const pageSize = valueOf(cmd, parsed.values, 'page-size');
  const maxItems = valueOf(cmd, parsed.values, 'max-items');
  const startingToken = valueOf(cmd, parsed.values, 'starting-token');
  if (cmd.waiter && (pageSize !== undefined || maxItems !== undefined || startingToken !== undefined)) {
    const members = Object.keys(shape(cmd.inputShape).members ?? {}).join(', ');
    throw new ParamError(`Parameter validation failed:\nUnknown parameter in input: "PaginationConfig", must be one of: ${members}`);
  }
  const usesHidden = cmd.paginator && (cmd.paginator.inputToken in input || cmd.paginator.limitKey in input);
  const paginate = !!cmd.paginator && !globals.noPaginate && !usesHidden && !cmd.waiter;
  if (paginate && pageSize !== undefined) input[cmd.paginator!.limitKey] = Number(pageSize);
  if (maxItems !== undefined && Number(maxItems) <= 0) err('warning: Non-positive values for --max-items may result in undefined behavior.\n');

  // region is needed to build the client, before validation (as in the AWS CLI)
  const defaultEndpoint = cfg.endpointSource === 'default';
  let region = cfg.region;
  if (!region) {
    if (defaultEndpoint) region = DEFAULT_REGION;
    else throw new ConfigError('You must specify a region. You can also configure your region by running "aws configure".', 'NoRegion');
  }

  if (skeleton === 'output') {
    const fake = outputSkeleton(shape(cmd.outputShape));
    const errs = validateInput(fake, cmd.outputShape);
    if (errs.length) throw new ParamError(`Parameter validation failed:\n${errs.join('\n')}`);
  }

  input = applyBinaryFormat(input, shape(cmd.inputShape), pctx) as Input;
  const checkInput = paginate && startingToken !== undefined ? { ...input, [cmd.paginator!.inputToken]: 'x' } : input;
  const errors = validateInput(checkInput, cmd.inputShape);
  if (errors.length) throw new ParamError(`Parameter validation failed:\n${errors.join('\n')}`);

  if (skeleton === 'output') {
    const fake = outputSkeleton(shape(cmd.outputShape)) as Record<string, unknown>;
    await emitOutput(ctx, cmd, output, query, { kind: 'single', response: fake });
    return 0;
  }

  const credentials = globals.noSignRequest ? undefined : await resolveCredentials(cfg, globals, defaultEndpoint);
  const { openTransport } = await import('./transport.js');
  const transport = await openTransport({
    endpoint: cfg.endpoint, region, credentials, verifySsl: cfg.verifySsl, caBundle: cfg.caBundle,
    connectTimeout: cfg.connectTimeout, readTimeout: cfg.readTimeout, maxAttempts: cfg.maxAttempts, debug,
    userAgent: `${PROG}-cli/${CLI_VERSION} md/Node#${process.versions.node} command/rekognition.${cmd.name}`,
  });
  const call = async (payload: Input): Promise<Record<string, unknown>> => {
    const res = await transport.send(cmd!.operation, toSdkInput(payload) as Record<string, unknown>);
    const parsedBody = res.body.trim() ? parsePyJson(res.body) : {};
    return (parsedBody && typeof parsedBody === 'object' && !Array.isArray(parsedBody) ? parsedBody : {}) as Record<string, unknown>;
  };

  try {
    if (cmd.waiter) {
      await runWaiter(ctx, cmd, input, call);
      return 0;
    }
    if (!paginate) {
      const response = await call(input);
      await emitOutput(ctx, cmd, output, query, { kind: 'single', response });
      return 0;
    }
    const { paginateAll } = await import('./paginate.js');
    const pages = paginateAll(cmd, input, call, {
      startingToken: startingToken as string | undefined,
      maxItems: maxItems !== undefined ? Number(maxItems) : undefined,
    });
    await emitOutput(ctx, cmd, output, query, { kind: 'pages', pages });
    return 0;
  } finally {
    transport.close();
  }
}

function valueOf(cmd: CommandSpec, values: Map<OptSpec, unknown>, p: OptSpec['pagination']): string | undefined {
  const o = cmd.options.find((x) => x.pagination === p);
  return o && values.has(o) ? String(values.get(o)) : undefined;
}

async function resolveCredentials(cfg: ResolvedConfig, globals: Globals, defaultEndpoint: boolean): Promise<Credentials> {
  const explicitProfile = typeof globals.profile === 'string';
  const stat = staticCredentials(cfg, explicitProfile);
  if (stat) return stat;
  if (needsSdkProvider(cfg)) {
    // assume-role, SSO, credential_process, web identity, containers: the SDK's provider chain
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const sdk = await import('./sdk.js');
    const client = new sdk.RekognitionClient({ region: cfg.region ?? DEFAULT_REGION, profile: cfg.profileName });
    try {
      const c = await (client.config.credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>)();
      return { ...c, source: 'sdk' };
    } catch (e) {
      throw new GeneralError((e as Error).message);
    }
  }
  if (defaultEndpoint) return { ...DUMMY_CREDENTIALS, source: 'osprey-dummy' };
  throw new ConfigError('Unable to locate credentials. You can configure credentials by running "aws configure".', 'NoCredentials');
}

/** The input as the SDK takes it: plain numbers for Python floats, blobs as bytes (the SDK encodes them). */
function toSdkInput(v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(toSdkInput);
  if (v instanceof PyFloat) return v.value;
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toSdkInput(x);
    return o;
  }
  return v;
}

export async function compileQuery(expr: string): Promise<(v: unknown) => unknown> {
  const jp = (await import('jmespath')).default as { search: (d: unknown, e: string) => unknown; compile: (e: string) => unknown };
  try {
    jp.compile(expr);
  } catch (e) {
    const msg = (e as Error).message ?? '';
    const incomplete = /EOF|end of|Unexpected token type: EOF|undefined/i.test(msg);
    throw new ParamError(`Bad value for --query ${expr}: Invalid jmespath expression: ${incomplete ? 'Incomplete expression:' : msg}\n"${expr}"\n${' '.repeat(expr.length + 1)}^`);
  }
  return (v: unknown) => {
    try {
      return jp.search(unbox(v), expr);
    } catch (e) {
      throw queryRuntimeError(e as Error);
    }
  };
}

/** A function applied to the wrong type at run time: rc 255 with the AWS CLI's (Python jmespath's) words. */
function queryRuntimeError(e: Error): Error {
  const m = /^(?:TypeError: )?(\w+)\(\) expected argument \d+ to be type ([\w,]+) but received type (\w+) instead\.?$/.exec(e.message ?? '');
  if (!m) return new GeneralError(e.message);
  const expected = m[2]!.split(',').map((t) => `'${t}'`).join(', ');
  const value = m[3] === 'null' ? 'None' : m[3];
  return new GeneralError(`In function ${m[1]}(), invalid type for value: ${value}, expected one of: [${expected}], received: "${m[3]}"`);
}

function makeDebug(err: (s: string) => void) {
  return (logger: string, msg: string) => {
    const d = new Date();
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    const ts = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
    err(`${ts} - MainThread - ${logger} - DEBUG - ${msg}\n`);
  };
}

export { shapeOutput, formatText, dumpPyJson, optKind, ServiceError };
