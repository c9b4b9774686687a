// Failure classes of the command line, each with the AWS CLI v2 exit code and stderr framing.
//
// v2 changed its stderr text over time while keeping the exit codes (see docs/cli.md): era "A" is
// what v2.0–2.30 print (the Debian 2.9.19 oracle), era "C" what v2 ≥ 2.34 prints. Osprey prints era C
// by default; OSPREY_CLI_ERROR_ERA=A selects era A (the differential tests use it to compare byte for
// byte with the 2.9.19 oracle).

export const PROG = 'osprey';

export type Era = 'A' | 'C';

export function usageBlock(prog = PROG): string {
  return `usage: ${prog} [options] <command> <subcommand> [<subcommand> ...] [parameters]\n` +
    'To see help text, you can run:\n\n' +
    `  ${prog} help\n  ${prog} <command> help\n  ${prog} <command> <subcommand> help\n`;
}

/** Base class: `code` is the process exit status. */
export class CliError extends Error {
  constructor(message: string, readonly code: number) { super(message); }
  render(era: Era): string {
    return era === 'A' ? `\n${this.message}\n` : `\n${PROG}: [ERROR]: ${this.message}\n`;
  }
}

/** argparse-level failures (missing required option, expected one argument, invalid choice): rc 252. */
export class UsageError extends CliError {
  constructor(message: string, readonly eraAText?: string, readonly eraCText?: string, readonly usage = usageBlock()) {
    super(message, 252);
  }
  override render(era: Era): string {
    if (era === 'A') return `\n${this.usage}\n${this.eraAText ?? `${PROG}: error: ${this.message}\n`}\n`;
    return `\n${PROG}: [ERROR]: An error occurred (ParamValidation): ${this.eraCText ?? this.message}\n\n${this.usage}`;
  }
}

/** Tokens nobody claimed: rc 252. */
export class UnknownOptionsError extends CliError {
  constructor(readonly tokens: string[]) { super(`Unknown options: ${tokens.join(', ')}`, 252); }
  override render(era: Era): string {
    if (era === 'A') return `\n${usageBlock()}\n${this.message}\n\n`;
    return `\n${usageBlock()}\n\n${PROG}: [ERROR]: ${this.message}\n`;
  }
}

/** Parameter problems found after parsing (shorthand, JSON, validation, --query, ...): rc 252. */
export class ParamError extends CliError {
  constructor(message: string) { super(message, 252); }
  override render(era: Era): string {
    return era === 'A' ? `\n${this.message}\n` : `\n${PROG}: [ERROR]: An error occurred (ParamValidation): ${this.message}\n`;
  }
}

/** Configuration problems that v2 reports with rc 253 (no region, no credentials, pager). */
export class ConfigError extends CliError {
  constructor(message: string, readonly tag?: string) { super(message, 253); }
  override render(era: Era): string {
    if (era === 'A') return `\n${this.message}\n`;
    return `\n${PROG}: [ERROR]: ${this.tag ? `An error occurred (${this.tag}): ` : ''}${this.message}\n`;
  }
}

/** The service answered with an error: rc 254. */
export class ServiceError extends CliError {
  constructor(readonly errorCode: string, readonly operation: string, readonly errorMessage: string, readonly retries?: number) {
    super(`An error occurred (${errorCode}) when calling the ${operation} operation${retries !== undefined ? ` (reached max retries: ${retries})` : ''}: ${errorMessage}`, 254);
  }
}

/** Everything else (int conversion, base64, waiter failure, connection failure, unknown profile): rc 255. */
export class GeneralError extends CliError {
  constructor(message: string) { super(message, 255); }
}

export class Interrupted extends Error {}
