// The one rule for tests that need a tool: where the tool is missing they are skipped, with the
// reason, on a developer's machine; under CI=true, where .ci/run installs every such tool, a
// missing one is an error that fails the test file instead of a skip nobody reads.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Tool {
  /** What is missing, in words (`AWS CLI v2 at /usr/bin/aws`). */
  name: string;
  present: boolean;
  /** How to install it (`apt-get install -y awscli`). */
  install: string;
}

/** Whether `command args…` runs and exits 0 (for tools found on PATH). */
export function runs(command: string, args: string[] = ['--version']): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** The tools CI installs (.ci/run) that tests use. */
export const TOOLS = {
  awsV2: (): Tool => ({ name: 'AWS CLI v2 at /usr/bin/aws', present: existsSync('/usr/bin/aws'), install: 'apt-get install -y awscli' }),
  script: (): Tool => ({ name: 'script (util-linux)', present: runs('script'), install: 'apt-get install -y bsdutils' }),
  tmux: (): Tool => ({ name: 'tmux', present: runs('tmux', ['-V']), install: 'apt-get install -y tmux' }),
  chromium: (path: string): Tool => ({ name: `chromium at ${path}`, present: existsSync(path), install: 'apt-get install -y chromium' }),
};

/**
 * A skip reason naming the missing tools, or false when all are present. Under CI=true a missing
 * tool throws: the test file fails with the reason.
 */
export function missingTools(...tools: Tool[]): string | false {
  const missing = tools.filter((t) => !t.present);
  if (missing.length === 0) return false;
  const why = missing.map((t) => `${t.name} is missing (${t.install}; .ci/run installs it)`).join('; ');
  if (process.env.CI === 'true') throw new Error(`CI=true: ${why}. A test that needs a tool CI installs fails instead of skipping.`);
  return why;
}
