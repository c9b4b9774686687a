// `--cli-auto-prompt`: ask on the terminal for each option of the command that was not given,
// required ones first; an empty answer skips an optional one.
import { createInterface } from 'node:readline/promises';
import type { CommandSpec, OptSpec } from './commands.js';

export async function promptForParameters(cmd: CommandSpec, given: Map<OptSpec, unknown>, out: (s: string) => void): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const extra: string[] = [];
  try {
    const todo = cmd.options.filter((o) => !o.hidden && !given.has(o) && !o.pagination);
    todo.sort((a, b) => Number(b.required) - Number(a.required));
    for (const o of todo) {
      for (;;) {
        const ans = (await rl.question(`${o.flag}${o.required ? ' (required)' : ''}: `)).trim();
        if (!ans) { if (o.required) continue; break; }
        if (o.kind === 'boolean') { extra.push(/^(y|yes|true)$/i.test(ans) ? o.flag : o.flag.replace('--', '--no-')); break; }
        extra.push(o.flag, ...(o.kind === 'list-scalar' ? ans.split(/\s+/) : [ans]));
        break;
      }
    }
  } finally {
    rl.close();
  }
  void out;
  return extra;
}
