// One-line JSON logs on stderr. Secrets never go through here.
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: 'info' | 'warn' | 'error' | 'silent' = 'info', out: NodeJS.WritableStream = process.stderr): Logger {
  const rank = { info: 0, warn: 1, error: 2, silent: 3 }[level];
  const write = (lvl: string, r: number) => (msg: string, fields?: Record<string, unknown>) => {
    if (r < rank) return;
    out.write(JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...fields }) + '\n');
  };
  return { info: write('info', 0), warn: write('warn', 1), error: write('error', 2) };
}
