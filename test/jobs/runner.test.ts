// The persisted job runner: leases, per-kind concurrency, and recovery of jobs a dead process left RUNNING.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteJobStore } from '../../src/storage/sqlite/jobs.js';
import type { JobKind } from '../../src/jobs/runner.js';
import { TableJobRunner as JobRunner } from '../../src/jobs/table-runner.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { randomIds } from '../../src/domain/shared/ids.js';
import { createLogger } from '../../src/server/logger.js';

const log = createLogger('silent');

function kind(name: string, opts: Partial<JobKind> & { ran?: string[] } = {}): JobKind {
  return {
    kind: name, concurrency: opts.concurrency ?? 1,
    run: opts.run ?? (async ({ job }) => { opts.ran?.push(job.id); }),
    recover: opts.recover ?? (async () => 'resume'),
    fail: opts.fail ?? (async () => undefined),
  };
}

async function until(check: () => Promise<boolean> | boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 10)); }
}

test('queued jobs run once each, at most `concurrency` at a time', async () => {
  const store = new SqliteJobStore(openDatabase(':memory:'));
  let active = 0; let peak = 0; const ran: string[] = [];
  const runner = new JobRunner(store, systemClock, randomIds, log);
  runner.register(kind('work', { concurrency: 2, run: async ({ job }) => { active++; peak = Math.max(peak, active); await new Promise((r) => setTimeout(r, 20)); ran.push(job.id); active--; } }));
  await runner.start();
  for (let i = 0; i < 6; i++) await runner.enqueue('work', `j${i}`, { i });
  await until(() => ran.length === 6);
  assert.deepEqual([...ran].sort(), ['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
  assert.equal(peak, 2);
  for (const id of ran) assert.equal((await store.get(id))?.state, 'DONE');
  await runner.stop();
});

test('a job that throws is FAILED and its resource is marked failed', async () => {
  const store = new SqliteJobStore(openDatabase(':memory:'));
  const failed: string[] = [];
  const runner = new JobRunner(store, systemClock, randomIds, log);
  runner.register(kind('boom', { run: async () => { throw new Error('bad input'); }, fail: async (job, reason) => { failed.push(`${job.id}:${reason}`); } }));
  await runner.start();
  await runner.enqueue('boom', 'b1', {});
  await until(async () => (await store.get('b1'))?.state === 'FAILED');
  assert.deepEqual(failed, ['b1:bad input']);
  assert.equal((await store.get('b1'))?.error, 'bad input');
  await runner.stop();
});

test('after a crash, RUNNING jobs are resumed or failed by their kind, never left running', async () => {
  const db = openDatabase(':memory:');
  const store = new SqliteJobStore(db);
  // A process leased two jobs and died.
  await store.enqueue({ id: 'resume-me', kind: 'train', payload: {}, createdAt: new Date() });
  await store.enqueue({ id: 'fail-me', kind: 'copy', payload: {}, createdAt: new Date() });
  assert.ok(await store.lease(['train'], 'dead-process', new Date(), 60_000));
  assert.ok(await store.lease(['copy'], 'dead-process', new Date(), 60_000));

  const ran: string[] = []; const failed: string[] = [];
  const runner = new JobRunner(store, systemClock, randomIds, log);
  runner.register(kind('train', { ran, recover: async () => 'resume' }));
  runner.register(kind('copy', { ran, recover: async () => 'fail', fail: async (job, reason) => { failed.push(`${job.id}:${reason}`); } }));
  await runner.start();
  await until(() => ran.includes('resume-me'));
  assert.equal((await store.get('resume-me'))?.state, 'DONE');
  assert.equal((await store.get('resume-me'))?.attempts, 2);
  assert.equal((await store.get('fail-me'))?.state, 'FAILED');
  assert.deepEqual(failed, ['fail-me:The job was interrupted by a server restart.']);
  assert.ok(!ran.includes('fail-me'));
  await runner.stop();
});
