// Formatting a response (or the pages of one) with --query and --output, then writing it to
// stdout or through the pager.
import { shape } from '../api/index.js';
import type { CommandSpec } from './commands.js';
import type { RunContext } from './index.js';
import type { Pages } from './paginate.js';
import { shapeOutput } from './format/shape-output.js';
import { formatText } from './format/text.js';
import { dumpPyJson, PyFloat } from './pyjson.js';
import { ConfigError } from './errors.js';

type Data = { kind: 'single'; response: Record<string, unknown> } | { kind: 'pages'; pages: Pages };

const isEmptyDict = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof PyFloat) && !(v instanceof Uint8Array) && Object.keys(v).length === 0;

export async function emitOutput(ctx: RunContext, cmd: CommandSpec, output: string, query: ((v: unknown) => unknown) | undefined, data: Data): Promise<void> {
  const ts = ctx.cfg.timestampFormat;
  const outShape = shape(cmd.outputShape);
  const q = (v: unknown) => (query ? query(v) : v);
  const chunks: string[] = [];
  const p = cmd.paginator;

  if (data.kind === 'single') {
    const shaped = shapeOutput(data.response, outShape, ts) as Record<string, unknown>;
    if (output === 'text') chunks.push(formatText(q(shaped)));
    else if (output === 'yaml-stream') { const r = q(shaped); if (!isEmptyDict(r)) chunks.push((await yaml())([r])); }
    else chunks.push(await formatWhole(ctx, cmd, output, q(shaped)));
  } else {
    const pages: Record<string, unknown>[] = [];
    let first = true;
    for await (const raw of data.pages.pages) {
      const page = shapeOutput(raw, outShape, ts) as Record<string, unknown>;
      if (output === 'text') {
        const cur: Record<string, unknown> = {};
        if (first) for (const [k, v] of Object.entries(page)) if (k !== p!.outputToken && k !== p!.resultKey) cur[k] = v;
        cur[p!.resultKey] = page[p!.resultKey] ?? [];
        chunks.push(formatText(q(cur)));
      } else if (output === 'yaml-stream') {
        chunks.push((await yaml())([q(page)]));
      } else pages.push(page);
      first = false;
    }
    const resume = data.pages.resumeToken();
    if (output === 'text') {
      if (resume) chunks.push(formatText(q({ NextToken: { NextToken: resume } })));
    } else if (output !== 'yaml-stream') {
      const merged: Record<string, unknown> = {};
      merged[p!.resultKey] = pages.flatMap((pg) => (Array.isArray(pg[p!.resultKey]) ? pg[p!.resultKey] as unknown[] : []));
      if (resume) merged.NextToken = resume;
      for (const [k, v] of Object.entries(pages[0] ?? {})) if (k !== p!.outputToken && k !== p!.resultKey && !(k in merged)) merged[k] = v;
      chunks.push(await formatWhole(ctx, cmd, output, q(merged)));
    }
  }
  if (output === 'off') return;
  await write(ctx, chunks.join(''));
}

async function yaml() { return (await import('./format/yaml.js')).formatYaml; }

async function formatWhole(ctx: RunContext, cmd: CommandSpec, output: string, v: unknown): Promise<string> {
  switch (output) {
    case 'json': return isEmptyDict(v) ? '' : dumpPyJson(v) + '\n';
    case 'yaml': return isEmptyDict(v) ? '' : (await yaml())(v);
    case 'table': {
      const { formatTable } = await import('./format/table.js');
      const color = ctx.globals.color === 'on' || ((ctx.globals.color ?? 'auto') === 'auto' && ctx.io.stdoutIsTTY);
      return formatTable(cmd.operation, v, ctx.io.stdoutIsTTY ? ctx.io.columns : 80, { color });
    }
    case 'off': return '';
    default: return formatText(v);
  }
}

let pagerChildren = 0;
/** Whether a pager is on the terminal now (Ctrl-C is then the pager's business). */
export function pagerRunning(): boolean { return pagerChildren > 0; }

/** stdout, or the pager when stdout is a terminal (AWS_PAGER > cli_pager > PAGER > less). */
async function write(ctx: RunContext, text: string): Promise<void> {
  if (!text) return;
  const pager = ctx.cfg.pager ?? 'less';
  if (!ctx.io.stdoutIsTTY || ctx.globals.noCliPager || pager === '') { ctx.out(text); return; }
  const { spawn } = await import('node:child_process');
  const env = { ...ctx.cfg.env };
  if (env.LESS === undefined) env.LESS = 'FRX';
  // Like the AWS CLI on POSIX: the setting is split into words as a POSIX shell would, then run
  // directly (no shell), so a missing program is an error of ours, reported as Python words it.
  const words = splitCommandLine(pager);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(words[0] ?? pager, words.slice(1), { stdio: ['pipe', 'inherit', 'inherit'], env });
    pagerChildren++;
    child.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ENOENT' ? `[Errno 2] No such file or directory: '${words[0]}'` : e.code === 'EACCES' ? `[Errno 13] Permission denied: '${words[0]}'` : e.message;
      reject(new ConfigError(`Unable to redirect output to pager. Received the following error when opening pager:\n${why}\n\nLearn more about configuring the output pager by running "aws help config-vars".`));
    });
    child.on('close', () => { pagerChildren--; resolve(); });
    child.stdin.on('error', () => { /* pager quit early */ });
    child.stdin.end(text);
  });
}

/** Words of a command line with POSIX-shell quoting: '…', "…" (with \\ escapes), and \\ outside quotes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      cur += end < 0 ? line.slice(i + 1) : line.slice(i + 1, end);
      i = end < 0 ? line.length : end;
      inWord = true;
    } else if (c === '"') {
      inWord = true;
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '\\"$`\n'.includes(line[i + 1]!)) i++;
        cur += line[i];
      }
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
