// `osprey rekognition wait …`: poll the operation until an acceptor matches, with the model's
// delay and attempt count (OSPREY_WAITER_DELAY overrides the delay, for demos and tests). On a
// terminal, a progress line on stderr shows the attempt and the statuses seen.
import { allWaiters, type CommandSpec } from './commands.js';
import { GeneralError, Interrupted, ServiceError } from './errors.js';
import type { RunContext } from './index.js';
import type { Input } from './params.js';
import { shapeOutput } from './format/shape-output.js';
import { shape } from '../api/index.js';
import { unbox } from './pyjson.js';

export async function runWaiter(ctx: RunContext, cmd: CommandSpec, input: Input, call: (i: Input) => Promise<Record<string, unknown>>): Promise<void> {
  const w = allWaiters()[cmd.waiter!.name];
  const jp = (await import('jmespath')).default as { search: (d: unknown, e: string) => unknown };
  const delayOverride = ctx.cfg.env.OSPREY_WAITER_DELAY;
  const delay = delayOverride !== undefined && delayOverride !== '' ? Number(delayOverride) : w.delay;
  const name = cmd.waiter!.name;
  const progress = ctx.io.stderrIsTTY;
  let shown = false;
  const clear = () => { if (shown) { ctx.err('\r\x1b[K'); shown = false; } };
  for (let attempt = 1; ; attempt++) {
    let resp: Record<string, unknown>;
    try {
      resp = await call(input);
    } catch (e) {
      clear();
      if (e instanceof ServiceError) throw new GeneralError(`Waiter ${name} failed: An error occurred (${e.errorCode}): ${e.errorMessage}`);
      throw e;
    }
    const data = unbox(shapeOutput(resp, shape(cmd.outputShape), ctx.cfg.timestampFormat));
    for (const a of w.acceptors) {
      if (!a.argument) continue;
      const got = jp.search(data, a.argument);
      const all = Array.isArray(got) && got.length > 0 && got.every((x) => x === a.expected);
      const any = Array.isArray(got) && got.some((x) => x === a.expected);
      const matched = a.matcher === 'pathAll' ? all : a.matcher === 'pathAny' ? any : a.matcher === 'path' ? got === a.expected : false;
      if (!matched) continue;
      clear();
      if (a.state === 'success') return;
      if (a.state === 'failure') {
        throw new GeneralError(`Waiter ${name} failed: Waiter encountered a terminal failure state: For expression "${a.argument}" we matched expected path: "${String(a.expected)}"${a.matcher === 'pathAny' ? ' at least once' : ''}`);
      }
    }
    if (attempt >= w.maxAttempts) { clear(); throw new GeneralError(`Waiter ${name} failed: Max attempts exceeded`); }
    if (progress) {
      const statuses = jp.search(data, w.acceptors[0].argument ?? '@');
      const seen = Array.isArray(statuses) && statuses.length ? [...new Set(statuses.map(String))].join(', ') : 'no matching resources yet';
      ctx.err(`\r\x1b[KWaiting for ${name}: attempt ${attempt}/${w.maxAttempts} (${seen}); next check in ${delay}s`);
      shown = true;
    }
    await sleepInterruptible(delay * 1000);
  }
}

function sleepInterruptible(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onInt = () => { clearTimeout(t); reject(new Interrupted()); };
    const t = setTimeout(() => { process.off('SIGINT', onInt); resolve(); }, ms);
    process.once('SIGINT', onInt);
  });
}
