// The rules every test follows: a needed tool that is missing is a skip on a developer's machine
// and a failure under CI=true; test state goes to the per-run folder and nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { relative } from 'node:path';
import { missingTools, TOOLS, type Tool } from '../helpers/tools.js';
import { runDir, tempDir } from '../helpers/tmp.js';

const absent: Tool = { name: 'frobnicator at /nonexistent/frob', present: false, install: 'apt-get install -y frob' };
const present: Tool = { name: 'sh', present: true, install: '-' };

function withCi<T>(value: string | undefined, f: () => T): T {
  const saved = process.env.CI;
  if (value === undefined) delete process.env.CI; else process.env.CI = value;
  try { return f(); } finally { if (saved === undefined) delete process.env.CI; else process.env.CI = saved; }
}

test('a missing tool is a skip with its reason outside CI, and a failure under CI=true', () => {
  assert.match(withCi(undefined, () => missingTools(absent, present)) as string, /frobnicator .* is missing \(apt-get install -y frob/);
  assert.throws(() => withCi('true', () => missingTools(present, absent)), /CI=true: frobnicator .* is missing/);
  assert.equal(withCi('true', () => missingTools(present)), false);
  assert.equal(TOOLS.chromium('/nonexistent/chromium').present, false);
  assert.equal(TOOLS.awsV2().present, existsSync('/usr/bin/aws'));
});

test('test folders are made inside the run folder, not loose in the system temp folder', () => {
  const dir = tempDir('rules-');
  assert.ok(existsSync(dir));
  assert.ok(!relative(runDir(), dir).startsWith('..'), `${dir} is inside ${runDir()}`);
  if (!process.env.OSPREY_TEST_RUN_DIR) assert.notEqual(runDir(), tmpdir(), 'a file run alone gets a folder of its own, removed at exit');
});
