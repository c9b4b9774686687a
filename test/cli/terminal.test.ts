// What only happens on a terminal, driven through a pseudo-terminal: yaml/yaml-stream and table on
// a TTY, the pager (AWS_PAGER / cli_pager / PAGER / --no-cli-pager), auto-prompt, the waiter's
// progress line; and Ctrl-C (exit 130). `script -qec` (util-linux) gives a command a pty and
// returns its exit status; tmux drives the interactive prompts. Osprey is compared with AWS CLI v2
// (/usr/bin/aws, 2.9.19) wherever 2.9.19 has the behaviour; the rest is checked on its own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { missingTools, TOOLS } from '../helpers/tools.js';
import { A, VA, V2, HAVE_V2, HAVE_DIST, OSPREY, baseEnv, exec, runCli, renameProgram, stripAnsi, startStub, type Run, type Stub } from './harness.js';
import { tempDir } from '../helpers/tmp.js';

let stub: Stub;
let dir = '';
let pager = '';

before(async () => {
  dir = tempDir('osprey-cli-tty-');
  pager = join(dir, 'pager.sh');
  // a pager that records its arguments, LESS and what it was given
  writeFileSync(pager, '#!/bin/sh\n{ printf \'args:\'; for a in "$@"; do printf \' [%s]\' "$a"; done; printf \'\\nLESS=%s\\n\' "${LESS-unset}"; cat; } > "$PAGER_LOG"\n');
  chmodSync(pager, 0o755);
  stub = await startStub();
});

after(async () => {
  stub?.releaseHeld();
  await stub?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Who = 'v2' | 'osprey';
const quote = (w: string) => `'${w.replace(/'/g, `'\\''`)}'`;
const program = (who: Who) => (who === 'v2' ? [V2] : [process.execPath, OSPREY]);
/** baseEnv plus `extra` as given (an empty AWS_PAGER stays set: that is what disables the pager). */
const envFor = (who: Who, extra: Record<string, string> = {}) => ({ ...baseEnv(dir), ...extra, TERM: 'xterm', ...(who === 'osprey' ? { OSPREY_CLI_ERROR_ERA: 'A' } : {}) });

/** Runs `<cli> rekognition <words>` on a pseudo-terminal `cols` wide; out is the terminal's transcript. */
function onPty(who: Who, words: string[], extra: Record<string, string> = {}, cols = 100): Promise<Run> {
  const line = [...program(who), 'rekognition', ...words].map(quote).join(' ');
  return exec('script', ['-qec', `stty cols ${cols} rows 40 2>/dev/null; exec ${line}`, '/dev/null'], envFor(who, extra), dir)
    .then((r) => ({ ...r, out: r.out.replace(/\r\n/g, '\n') }));
}

async function both(words: string[], extra: Record<string, string> = {}, cols = 100): Promise<{ v2: Run; os: Run }> {
  const [v2, os] = await Promise.all([onPty('v2', words, extra, cols), onPty('osprey', words, extra, cols)]);
  return { v2, os };
}

const missingScript = missingTools(TOOLS.script());
const skipV2 = missingTools(TOOLS.awsV2(), TOOLS.script()) || (!HAVE_DIST ? 'dist/ is not built' : false);
const skipOwn = missingScript || (!HAVE_DIST ? 'dist/ is not built' : false);
const missingTmux = missingTools(TOOLS.tmux());
const ep = (scenario = 'ok') => ['--endpoint-url', `${stub.url}/${scenario}`];

test('yaml and yaml-stream on a terminal, as v2 prints them', { skip: skipV2 }, async () => {
  for (const [words, extra] of [
    [['describe-projects', '--output', 'yaml', '--no-cli-pager'], {}],
    [['describe-projects', '--output', 'yaml-stream'], { AWS_PAGER: '' }],
    [['describe-project-versions', '--project-arn', A, '--output', 'yaml', '--no-cli-pager'], {}],
    [['list-tags-for-resource', '--resource-arn', A, '--output', 'yaml-stream', '--no-cli-pager'], {}],
  ] as [string[], Record<string, string>][]) {
    const r = await both([...words, ...ep()], extra);
    assert.equal(r.os.rc, r.v2.rc, words.join(' '));
    assert.equal(r.os.out, r.v2.out, words.join(' '));
  }
});

test('table on a narrow terminal uses its width; colour is on by default there', { skip: skipV2 }, async () => {
  const words = ['describe-project-versions', '--project-arn', A, '--output', 'table', '--no-cli-pager', ...ep()];
  const plain = await both([...words, '--color', 'off'], {}, 60);
  assert.equal(plain.os.rc, 0);
  assert.equal(plain.os.out, plain.v2.out);
  const coloured = await both(words, {}, 60);
  assert.match(coloured.os.out, /\x1b\[/, 'colour escapes on a terminal');
  assert.equal(stripAnsi(coloured.os.out), stripAnsi(coloured.v2.out));
});

/** Runs both on a pty with the recording pager; returns transcripts and what each pager recorded. */
async function withPager(words: string[], extra: (log: string) => Record<string, string>) {
  const logs = { v2: join(dir, 'pager-v2.log'), os: join(dir, 'pager-os.log') };
  for (const f of Object.values(logs)) rmSync(f, { force: true });
  const [v2, os] = await Promise.all([
    onPty('v2', [...words, ...ep()], { ...extra(logs.v2), PAGER_LOG: logs.v2 }),
    onPty('osprey', [...words, ...ep()], { ...extra(logs.os), PAGER_LOG: logs.os }),
  ]);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  return { v2, os, v2Log: read(logs.v2), osLog: read(logs.os) };
}

test('pager: AWS_PAGER with arguments, LESS=FRX when unset', { skip: skipV2 }, async () => {
  const r = await withPager(['list-tags-for-resource', '--resource-arn', A], () => ({ AWS_PAGER: `${pager} a 'b c'` }));
  assert.equal(r.os.rc, 0);
  assert.equal(r.v2Log?.split('\n').slice(0, 2).join('\n'), "args: [a] [b c]\nLESS=FRX");
  assert.equal(r.osLog, r.v2Log);
  assert.equal(r.os.out, r.v2.out);
});

test('pager: cli_pager in the profile beats PAGER; AWS_PAGER beats cli_pager; LESS kept', { skip: skipV2 }, async () => {
  writeFileSync(join(dir, 'c'), `[default]\ncli_pager = ${pager} from-config\n`);
  try {
    const cfg = await withPager(['describe-projects', '--output', 'text'], () => ({ PAGER: `${pager} from-env`, LESS: 'R' }));
    assert.match(cfg.v2Log ?? '', /^args: \[from-config\]\nLESS=R\n/);
    assert.equal(cfg.osLog, cfg.v2Log);
    const env = await withPager(['describe-projects', '--output', 'text'], () => ({ AWS_PAGER: `${pager} from-aws-pager` }));
    assert.match(env.v2Log ?? '', /^args: \[from-aws-pager\]/);
    assert.equal(env.osLog, env.v2Log);
  } finally {
    rmSync(join(dir, 'c'), { force: true });
  }
  // a table through the pager is coloured (stdout is a terminal); 2.9.19 styles titles and headers
  // differently from Osprey (see the differential case X26), so the colours are left out
  const only = await withPager(['list-tags-for-resource', '--resource-arn', A, '--output', 'table'], () => ({ PAGER: pager }));
  assert.match(only.osLog ?? '', /\x1b\[/);
  assert.equal(stripAnsi(only.osLog ?? ''), stripAnsi(only.v2Log ?? 'v2 did not page'));
});

test('pager: --no-cli-pager and an empty AWS_PAGER print straight to the terminal', { skip: skipV2 }, async () => {
  for (const [words, extra] of [
    [['list-tags-for-resource', '--resource-arn', A, '--no-cli-pager'], { AWS_PAGER: pager }],
    [['list-tags-for-resource', '--resource-arn', A], { AWS_PAGER: '', PAGER: pager }],
  ] as [string[], Record<string, string>][]) {
    const r = await withPager(words, () => extra);
    assert.equal(r.v2Log, undefined);
    assert.equal(r.osLog, undefined);
    assert.equal(r.os.out, r.v2.out);
    assert.match(r.os.out, /"Tags"/);
  }
});

test('pager: a pager that cannot start is exit 253 with v2\'s message', { skip: skipV2 }, async () => {
  const r = await both(['list-tags-for-resource', '--resource-arn', A, ...ep()], { AWS_PAGER: 'no-such-pager-osprey --x' });
  assert.equal(r.v2.rc, 253);
  assert.equal(r.os.rc, 253);
  assert.equal(r.os.out, renameProgram(r.v2.out));
});

test('pager: not used when stdout is not a terminal', { skip: skipV2 }, async () => {
  const args = `list-tags-for-resource --resource-arn ${A} --endpoint-url ${stub.url}/ok`;
  for (const who of ['v2', 'osprey'] as const) {
    const log = join(dir, `pipe-${who}.log`);
    const r = await runCli(who, args, baseEnv(dir, { AWS_PAGER: pager, PAGER_LOG: log }), dir);
    assert.equal(r.rc, 0);
    assert.match(r.out, /"Tags"/);
    assert.equal(existsSync(log), false, who);
  }
});

test('auto-prompt: stdin that is not a terminal is exit 255 with v2\'s warning', { skip: skipV2 }, async () => {
  const args = `list-tags-for-resource --cli-auto-prompt --endpoint-url ${stub.url}/ok`;
  const [v2, os] = await Promise.all([runCli('v2', args, baseEnv(dir), dir), runCli('osprey', args, baseEnv(dir), dir)]);
  assert.equal(v2.rc, 255);
  assert.deepEqual(os, v2);
});

// --- tmux: interactive prompts ---------------------------------------------------------------------
const TMUX = ['-L', `osprey-cli-test-${process.pid}`];
const tmux = (...args: string[]) => spawnSync('tmux', [...TMUX, ...args], { encoding: 'utf8' });
async function screenUntil(session: string, pred: (s: string) => boolean, what: string): Promise<string> {
  // a bound on waiting, not a timing assertion: a prompt that never comes fails here
  for (let i = 0; i < 600; i++) {
    const s = tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', session).stdout ?? '';
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never saw ${what} on the terminal:\n${tmux('capture-pane', '-p', '-t', session).stdout}`);
}

/** The lines from the first `{` to the RC line: the command's output once prompting is over. */
const result = (screen: string) => screen.slice(screen.indexOf('{\n'), screen.indexOf('RC=') + 'RC=000'.length).trimEnd();

test('auto-prompt on a terminal: the prompt fills in the missing option and the command runs as v2\'s does', { skip: skipV2 || missingTmux }, async () => {
  const env = Object.entries({ ...baseEnv(dir), AWS_PAGER: '' }).map(([k, v]) => `${k}=${quote(String(v))}`).join(' ');
  const start = (session: string, who: Who) => {
    const cmd = `env -i ${env} TERM=xterm ${program(who).map(quote).join(' ')} rekognition list-tags-for-resource --endpoint-url ${stub.url}/ok --cli-auto-prompt; echo RC=$?; sleep 600`;
    assert.equal(tmux('new-session', '-d', '-s', session, '-x', '220', '-y', '40', cmd).status, 0);
  };
  try {
    start('os', 'osprey');
    await screenUntil('os', (s) => s.includes('--resource-arn (required): '), "Osprey's prompt");
    tmux('send-keys', '-t', 'os', '-l', A);
    tmux('send-keys', '-t', 'os', 'Enter');
    const os = await screenUntil('os', (s) => /RC=\d+/.test(s), 'the exit status');

    start('v2', 'v2');
    await screenUntil('v2', (s) => s.includes('[F1] Show Shortkey Help'), "v2's prompter");
    tmux('send-keys', '-t', 'v2', '-l', ` --resource-arn ${A}`);
    await screenUntil('v2', (s) => s.replace(/\n/g, '').includes(A), 'the typed option');
    tmux('send-keys', '-t', 'v2', 'Escape');
    await new Promise((r) => setTimeout(r, 1000)); // prompt_toolkit reads a lone Escape after a pause
    tmux('send-keys', '-t', 'v2', 'Enter');
    const v2 = await screenUntil('v2', (s) => /RC=\d+/.test(s), 'the exit status');
    assert.match(result(v2), /RC=0$/);
    assert.equal(result(os), result(v2));
  } finally {
    tmux('kill-server');
  }
});

// --- the waiter's progress line (Osprey's addition; v2 prints nothing while it waits) ----------------
test('wait: a progress line on a terminal, none through a pipe', { skip: skipOwn }, async () => {
  const words = ['wait', 'project-version-running', '--project-arn', A, ...ep('starting')];
  const tty = await onPty('osprey', words, { OSPREY_WAITER_DELAY: '0' });
  assert.equal(tty.rc, 255);
  assert.ok(tty.out.includes('\r\x1b[KWaiting for ProjectVersionRunning: attempt 1/40 (STARTING, RUNNING); next check in 0s'), JSON.stringify(tty.out.slice(0, 300)));
  assert.ok(tty.out.includes('attempt 39/40'));
  assert.ok(tty.out.endsWith('\r\x1b[K\nWaiter ProjectVersionRunning failed: Max attempts exceeded\n'), JSON.stringify(tty.out.slice(-200)));
  const piped = await exec(process.execPath, [OSPREY, 'rekognition', ...words], { ...baseEnv(dir), OSPREY_WAITER_DELAY: '0', OSPREY_CLI_ERROR_ERA: 'A' }, dir);
  assert.equal(piped.rc, 255);
  assert.equal(piped.err, '\nWaiter ProjectVersionRunning failed: Max attempts exceeded\n');
});

test('wait on a terminal: when the first check decides, the same transcript as v2', { skip: skipV2 }, async () => {
  for (const [scenario, rc] of [['failed', 255], ['completed', 0]] as const) {
    const r = await both(['wait', 'project-version-training-completed', '--project-arn', A, ...ep(scenario)]);
    assert.equal(r.v2.rc, rc);
    assert.equal(r.os.rc, rc);
    assert.equal(r.os.out, renameProgram(r.v2.out));
  }
});

// --- Ctrl-C ----------------------------------------------------------------------------------------
async function interrupt(who: Who, scenario: 'starting' | 'hold'): Promise<Run> {
  let pid = 0;
  const seen = new Promise<void>((res) => stub.onRequest((s) => { if (s === scenario) res(); }));
  const args = `wait project-version-running --project-arn ${A} --endpoint-url ${stub.url}/${scenario}`;
  const done = runCli(who, args, baseEnv(dir), dir, (p) => { pid = p; });
  await seen; // the request reached the server: the CLI is past start-up, in the request or the sleep
  process.kill(pid, 'SIGINT');
  const r = await done;
  stub.releaseHeld();
  return r;
}

test('Ctrl-C during a waiter\'s sleep and during a request: exit 130, a newline, nothing on stderr', { skip: skipOwn }, async () => {
  for (const scenario of ['starting', 'hold'] as const) {
    const os = await interrupt('osprey', scenario);
    assert.deepEqual(os, { out: '\n', err: '', rc: 130 }, `osprey, ${scenario}`);
    if (HAVE_V2) {
      const v2 = await interrupt('v2', scenario);
      assert.deepEqual(v2, { out: '\n', err: '', rc: 130 }, `v2, ${scenario}`);
    }
  }
});

void VA;
