// Test state lives in one folder per run. scripts/test.sh makes it, exports it as
// OSPREY_TEST_RUN_DIR (and as TMPDIR, so servers, CLIs and browsers the tests start write there
// too) and removes it when the run ends, whatever the outcome. A test file run on its own gets a
// folder of its own, removed when its process exits. Nothing is cached across runs.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let own: string | undefined;

/** The folder of this test run (created on first use). */
export function runDir(): string {
  const shared = process.env.OSPREY_TEST_RUN_DIR;
  if (shared) {
    mkdirSync(shared, { recursive: true });
    return shared;
  }
  if (!own) {
    const dir = mkdtempSync(join(tmpdir(), 'osprey-test-run-'));
    own = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return own;
}

/** A new, empty folder inside the run folder; `prefix` names it for whoever looks. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(runDir(), prefix));
}
