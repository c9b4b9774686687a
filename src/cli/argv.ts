// Command-line parsing with the conventions of Python's argparse as the AWS CLI uses it: two
// stages (global options anywhere on the line, then the command's own options), unambiguous
// prefixes, `--opt=value`, last occurrence wins, tokens nobody claims reported together.
import { UsageError } from './errors.js';
import type { CommandSpec, OptSpec } from './commands.js';

export interface GlobalSpec { flag: string; takesValue: boolean; choices?: string[]; key: string }

export const GLOBALS: GlobalSpec[] = [
  { flag: '--debug', takesValue: false, key: 'debug' },
  { flag: '--endpoint-url', takesValue: true, key: 'endpointUrl' },
  { flag: '--no-verify-ssl', takesValue: false, key: 'noVerifySsl' },
  { flag: '--no-paginate', takesValue: false, key: 'noPaginate' },
  { flag: '--output', takesValue: true, key: 'output', choices: ['json', 'text', 'table', 'yaml', 'yaml-stream', 'off'] },
  { flag: '--query', takesValue: true, key: 'query' },
  { flag: '--profile', takesValue: true, key: 'profile' },
  { flag: '--region', takesValue: true, key: 'region' },
  { flag: '--version', takesValue: false, key: 'version' },
  { flag: '--color', takesValue: true, key: 'color', choices: ['on', 'off', 'auto'] },
  { flag: '--no-sign-request', takesValue: false, key: 'noSignRequest' },
  { flag: '--ca-bundle', takesValue: true, key: 'caBundle' },
  { flag: '--cli-read-timeout', takesValue: true, key: 'cliReadTimeout' },
  { flag: '--cli-connect-timeout', takesValue: true, key: 'cliConnectTimeout' },
  { flag: '--cli-binary-format', takesValue: true, key: 'cliBinaryFormat', choices: ['base64', 'raw-in-base64-out'] },
  { flag: '--no-cli-pager', takesValue: false, key: 'noCliPager' },
  { flag: '--cli-auto-prompt', takesValue: false, key: 'cliAutoPrompt' },
  { flag: '--no-cli-auto-prompt', takesValue: false, key: 'noCliAutoPrompt' },
];

export type Globals = Record<string, string | boolean | undefined>;

const NEG_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** Would argparse read this token as an option rather than a value? */
export function looksLikeOption(tok: string): boolean {
  if (!tok.startsWith('-') || tok === '-' || tok === '--') return tok === '--';
  if (NEG_NUMBER.test(tok)) return false;
  if (tok.includes(' ')) return false;
  return true;
}

/** The invalid-choice message: era A lists the choices in two columns, era C names the bad one. */
export function invalidChoice(arg: string, value: string, choices: string[], suggestions?: string[]): UsageError {
  const rows: string[] = [];
  for (let i = 0; i < choices.length; i += 2) {
    rows.push(choices[i + 1] !== undefined ? `${choices[i].padEnd(40)} | ${choices[i + 1].padEnd(40)}` : choices[i].padEnd(40));
  }
  let eraA = `osprey: error: argument ${arg}: Invalid choice, valid choices are:\n\n${rows.join('\n')}\n`;
  let eraC = `argument ${arg}: Found invalid choice '${value}'\n`;
  if (suggestions && suggestions.length) {
    const list = suggestions.map((s) => `  * ${s}`).join('\n');
    eraA += `\n\nInvalid choice: '${value}', maybe you meant:\n\n${list}\n`;
    eraC += `\n\nMaybe you meant:\n\n${list}\n`;
  }
  return new UsageError(`argument ${arg}: Invalid choice`, eraA, eraC);
}

/** Close matches, as Python's difflib.get_close_matches(word, choices) picks them (ratio ≥ 0.6, best 3). */
export function closeMatches(word: string, choices: string[]): string[] {
  const ratio = (a: string, b: string) => {
    // Ratcliff/Obershelp similarity
    const match = (a1: number, a2: number, b1: number, b2: number): number => {
      let best = 0, bi = 0, bj = 0;
      for (let i = a1; i < a2; i++) for (let j = b1; j < b2; j++) {
        let k = 0;
        while (i + k < a2 && j + k < b2 && a[i + k] === b[j + k]) k++;
        if (k > best) { best = k; bi = i; bj = j; }
      }
      if (!best) return 0;
      return best + match(a1, bi, b1, bj) + match(bi + best, a2, bj + best, b2);
    };
    return (2 * match(0, a.length, 0, b.length)) / (a.length + b.length);
  };
  return choices.map((c) => [c, ratio(word, c)] as const).filter(([, r]) => r >= 0.8)
    .sort((x, y) => y[1] - x[1]).slice(0, 3).map(([c]) => c);
}

function resolveFlag<T extends { flag: string }>(name: string, specs: T[]): T | UsageError | undefined {
  const exact = specs.find((s) => s.flag === name);
  if (exact) return exact;
  const pre = specs.filter((s) => s.flag.startsWith(name));
  if (pre.length === 1) return pre[0];
  if (pre.length > 1) return new UsageError(`ambiguous option: ${name} could match ${pre.map((s) => s.flag).join(', ')}`);
  return undefined;
}

/** Stage 1: pull global options out of the line; what remains goes to the command. */
export function parseGlobals(argv: string[]): { globals: Globals; rest: string[] } {
  const globals: Globals = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i];
    if (!tok.startsWith('--') || tok === '--' || !looksLikeOption(tok)) { rest.push(tok); continue; }
    const eq = tok.indexOf('=');
    const name = eq > 0 ? tok.slice(0, eq) : tok;
    const spec = resolveFlag(name, GLOBALS);
    if (spec instanceof UsageError) throw spec;
    if (!spec) { rest.push(tok); continue; }
    if (!spec.takesValue) {
      if (eq > 0) throw new UsageError(`argument ${spec.flag}: ignored explicit argument '${tok.slice(eq + 1)}'`);
      globals[spec.key] = true;
      continue;
    }
    let value: string;
    if (eq > 0) value = tok.slice(eq + 1);
    else {
      if (i + 1 >= argv.length || looksLikeOption(argv[i + 1])) throw new UsageError(`argument ${spec.flag}: expected one argument`);
      value = argv[++i];
    }
    if (spec.choices && !spec.choices.includes(value)) throw invalidChoice(spec.flag, value, spec.choices.filter((c) => c !== 'off'));
    globals[spec.key] = value;
  }
  return { globals, rest };
}

export interface ParsedCommand {
  values: Map<OptSpec, string | string[] | boolean>;
  cliInputJson?: string;
  cliInputYaml?: string;
  skeleton?: string;
  unknown: string[];
  help: boolean;
}

interface LocalSpec { flag: string; opt?: OptSpec; negated?: boolean; special?: 'cli-input-json' | 'cli-input-yaml' | 'skeleton' }

const SKELETON_CHOICES = ['input', 'output', 'yaml-input'];

/** Stage 2: the command's own options. */
export function parseCommand(cmd: CommandSpec, tokens: string[]): ParsedCommand {
  const specs: LocalSpec[] = [];
  for (const opt of cmd.options) {
    specs.push({ flag: opt.flag, opt });
    if (opt.kind === 'boolean') specs.push({ flag: opt.flag.replace(/^--/, '--no-'), opt, negated: true });
  }
  specs.push({ flag: '--cli-input-json', special: 'cli-input-json' }, { flag: '--cli-input-yaml', special: 'cli-input-yaml' },
    { flag: '--generate-cli-skeleton', special: 'skeleton' });
  const out: ParsedCommand = { values: new Map(), unknown: [], help: false };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (!looksLikeOption(tok) || tok === '--') {
      if (tok === 'help' && i === 0) { out.help = true; continue; }
      out.unknown.push(tok);
      continue;
    }
    const eq = tok.startsWith('--') ? tok.indexOf('=') : -1;
    const name = eq > 0 ? tok.slice(0, eq) : tok;
    const spec = resolveFlag(name, specs);
    if (spec instanceof UsageError) throw spec;
    if (!spec) { out.unknown.push(tok); continue; }
    const inline = eq > 0 ? tok.slice(eq + 1) : undefined;
    const takeOne = (): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= tokens.length || looksLikeOption(tokens[i + 1])) throw new UsageError(`argument ${spec.flag}: expected one argument`);
      return tokens[++i];
    };
    if (spec.special === 'skeleton') {
      let v = 'input';
      if (inline !== undefined) v = inline;
      else if (i + 1 < tokens.length && !looksLikeOption(tokens[i + 1])) v = tokens[++i];
      if (!SKELETON_CHOICES.includes(v)) throw invalidChoice('--generate-cli-skeleton', v, SKELETON_CHOICES);
      out.skeleton = v;
      continue;
    }
    if (spec.special === 'cli-input-json') { out.cliInputJson = takeOne(); continue; }
    if (spec.special === 'cli-input-yaml') { out.cliInputYaml = takeOne(); continue; }
    const opt = spec.opt!;
    if (opt.kind === 'boolean') {
      if (inline !== undefined) throw new UsageError(`argument ${spec.flag}: ignored explicit argument '${inline}'`);
      out.values.set(opt, !spec.negated);
      continue;
    }
    const isList = opt.kind === 'list-scalar' || (opt.kind === 'complex' && isListShape(opt));
    if (isList) {
      const vals: string[] = inline !== undefined ? [inline] : [];
      if (inline === undefined) while (i + 1 < tokens.length && !looksLikeOption(tokens[i + 1])) vals.push(tokens[++i]);
      if (opt.kind === 'complex' && vals.length === 0) throw new UsageError(`argument ${spec.flag}: expected at least one argument`);
      out.values.set(opt, vals);
      continue;
    }
    const v = takeOne();
    if (opt.kind === 'float' && parsePyFloat(v) === undefined) throw new UsageError(`argument ${opt.flag}: invalid float value: '${v}'`);
    if (opt.pagination === 'page-size' || opt.pagination === 'max-items') {
      if (parsePyInt(v) === undefined) throw new UsageError(`argument ${opt.flag}: invalid int value: '${v}'`);
    }
    out.values.set(opt, v);
  }
  return out;
}

let listShapes: ((o: OptSpec) => boolean) | undefined;
export function setListShapeTest(f: (o: OptSpec) => boolean): void { listShapes = f; }
function isListShape(o: OptSpec): boolean { return listShapes ? listShapes(o) : false; }

/** Python float(): surrounding whitespace, underscores between digits, inf/nan. */
export function parsePyFloat(s: string): number | undefined {
  const t = s.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  if (!/^[+-]?((\d(_?\d)*)?\.?\d(_?\d)*|\d(_?\d)*\.)([eE][+-]?\d(_?\d)*)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** Python int(s, 10). */
export function parsePyInt(s: string): number | undefined {
  const t = s.trim();
  if (!/^[+-]?\d(_?\d)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}
