// The PostgreSQL job runner on graphile-worker, with two "nodes" (two pools, two runners) on one fresh
// database: wake-ups by LISTEN/NOTIFY (the poll interval is set to 10 minutes, so a job that runs at all was
// woken), the cluster-wide cap of a kind, and take-over of the jobs of a node that died mid-job or between
// graphile's claim and Osprey's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres, tx, type Pool } from '../../src/storage/postgres/database.js';
import { PgJobStore, writeJob } from '../../src/storage/postgres/jobs.js';
import { GraphileQueue } from '../../src/storage/postgres/queue.js';
import { QueueJobRunner } from '../../src/jobs/queue-runner.js';
import type { JobKind } from '../../src/jobs/runner.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { createLogger } from '../../src/server/logger.js';
import { createTestDatabase, skipWithoutPostgres, type TestDatabase } from '../helpers/postgres.js';

const log = createLogger('silent');
const NO_POLL = 600_000;
let db: TestDatabase;
const pools: Pool[] = [];
const runners: QueueJobRunner[] = [];

before(async () => { if (!skipWithoutPostgres) db = await createTestDatabase(); });
after(async () => {
  for (const r of runners) await r.stop().catch(() => undefined);
  for (const p of pools) await p.end().catch(() => undefined);
  await db?.drop();
});

async function node(kinds: JobKind[], leaseMs = 60_000) {
  const pool = await openPostgres(db.url, { max: 8 });
  pools.push(pool);
  const store = new PgJobStore(pool);
  const runner = new QueueJobRunner(store, new GraphileQueue(pool, log, { pollMs: NO_POLL }), systemClock, log, { leaseMs });
  for (const k of kinds) runner.register(k);
  runners.push(runner);
  return { pool, store, runner };
}

function kind(name: string, opts: Partial<JobKind> = {}): JobKind {
  return {
    kind: name, concurrency: 1, run: async () => undefined, recover: async () => 'resume', fail: async () => undefined, ...opts,
  };
}

async function until(check: () => Promise<boolean> | boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!(await check())) { if (Date.now() > end) throw new Error('timed out'); await new Promise((r) => setTimeout(r, 25)); }
}

test('a job queued on one node wakes the other by NOTIFY, and its row ends DONE', { skip: skipWithoutPostgres }, async () => {
  const ran: string[] = [];
  const a = await node([kind('wake-a')]);
  const b = await node([kind('wake-a', { run: async ({ job }) => { ran.push(`${job.id}:${JSON.stringify(job.payload)}`); } })]);
  await b.runner.start();
  // Both of b's workers have looked once and now sleep for the 10-minute poll interval.
  await new Promise((r) => setTimeout(r, 500));
  await a.runner.enqueue('wake-a', 'w1', { n: 1 });
  await until(async () => (await a.store.get('w1'))?.state === 'DONE');
  assert.deepEqual(ran, ['w1:{"n":1}']);
  assert.equal((await a.store.get('w1'))?.attempts, 1);
  const left = await a.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = 'w1'`);
  assert.equal(left.rows[0].n, 0, 'the queue entry is gone once the job is done');
});

test('the cluster-wide cap of a kind holds across nodes; every job still runs once', { skip: skipWithoutPostgres }, async () => {
  let active = 0; let peak = 0; const ran: string[] = [];
  const work = (): JobKind => kind('capped', {
    concurrency: 2, clusterConcurrency: 2,
    run: async ({ job }) => { active++; peak = Math.max(peak, active); await new Promise((r) => setTimeout(r, 300)); active--; ran.push(job.id); },
  });
  const a = await node([work()]);
  const b = await node([work()]);
  await Promise.all([a.runner.start(), b.runner.start()]);
  for (let i = 0; i < 8; i++) await (i % 2 ? a : b).store.enqueue({ id: `c${i}`, kind: 'capped', payload: {}, createdAt: new Date() });
  await until(() => ran.length === 8);
  assert.deepEqual([...ran].sort(), ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
  assert.equal(peak, 2, 'two nodes × 2 local slots, but only 2 at once in the cluster');
  for (const id of ran) assert.equal((await a.store.get(id))?.attempts, 1);
});

test('jobs of a node that died are taken over once its lease expires: resumed, failed, or never started; rows without an entry are queued', { skip: skipWithoutPostgres }, async () => {
  const ran: string[] = []; const failed: string[] = [];
  const lease = 1500;
  const dead = await node([], lease);
  // The dead node claimed two entries and their rows (lease already expired), and a third entry without its row.
  for (const id of ['resume-me', 'fail-me', 'never-started']) {
    await dead.store.enqueue({ id, kind: id === 'fail-me' ? 'dies-fail' : 'dies', payload: {}, createdAt: new Date() });
  }
  for (const id of ['resume-me', 'fail-me']) {
    assert.ok(await dead.store.claim(id, 'pool-dead', new Date(Date.now() - 10_000), 1000));
    await dead.pool.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-dead', locked_at = now() WHERE key = $1`, [id]);
  }
  await dead.pool.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'pool-gone', locked_at = now() - interval '1 minute' WHERE key = 'never-started'`);
  // A row queued by an older Osprey, before the queue existed: it has no entry at all.
  await dead.store.enqueue({ id: 'from-before', kind: 'dies', payload: {}, createdAt: new Date() });
  await dead.pool.query(`DELETE FROM graphile_worker._private_jobs WHERE key = 'from-before'`);

  const live = await node([
    kind('dies', { run: async ({ job }) => { ran.push(job.id); } }),
    kind('dies-fail', { recover: async () => 'fail', fail: async (job, reason) => { failed.push(`${job.id}:${reason}`); } }),
  ], lease);
  await live.runner.start();
  await until(async () => (await live.store.get('resume-me'))?.state === 'DONE' && (await live.store.get('never-started'))?.state === 'DONE'
    && (await live.store.get('fail-me'))?.state === 'FAILED' && (await live.store.get('from-before'))?.state === 'DONE');
  assert.deepEqual([...ran].sort(), ['from-before', 'never-started', 'resume-me']);
  assert.equal((await live.store.get('resume-me'))?.attempts, 2, 'the interrupted attempt counts');
  assert.equal((await live.store.get('never-started'))?.attempts, 1);
  assert.deepEqual(failed, ['fail-me:The job was interrupted by a server restart.']);
  const locked = await live.pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE locked_by IN ('pool-dead', 'pool-gone')`);
  assert.equal(locked.rows[0].n, 0);
});

test('a node that stops mid-job hands the job back; another node resumes it', { skip: skipWithoutPostgres }, async () => {
  const started: string[] = []; const done: string[] = [];
  const long = (): JobKind => kind('handback', {
    run: async ({ job, signal }) => {
      started.push(job.id);
      if (started.length === 1) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
      done.push(job.id);
    },
  });
  const a = await node([long()]);
  await a.runner.start();
  await a.runner.enqueue('handback', 'h1', {});
  await until(() => started.length === 1);
  const b = await node([long()]);
  await b.runner.start();
  await a.runner.stop();
  await until(async () => (await b.store.get('h1'))?.state === 'DONE');
  assert.deepEqual(done, ['h1']);
  assert.equal((await b.store.get('h1'))?.attempts, 2);
});

test('a job row and its queue entry are written in the caller\'s transaction: a rollback leaves neither', { skip: skipWithoutPostgres }, async () => {
  const { pool, store } = await node([]);
  await assert.rejects(tx(pool, async (c) => {
    await writeJob(c, { id: 'rolled-back', kind: 'k', payload: {} }, Date.now());
    throw new Error('the version insert failed');
  }), /the version insert failed/);
  assert.equal(await store.get('rolled-back'), undefined);
  const entries = async (key: string) => (await pool.query(`SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE key = $1`, [key])).rows[0].n;
  assert.equal(await entries('rolled-back'), 0);
  await tx(pool, (c) => writeJob(c, { id: 'committed', kind: 'k', payload: {} }, Date.now()));
  assert.equal((await store.get('committed'))?.state, 'QUEUED');
  assert.equal(await entries('committed'), 1);
});

test('one node runs each kind up to its own concurrency, kinds side by side', { skip: skipWithoutPostgres }, async () => {
  const active: Record<string, number> = { one: 0, two: 0 }; const peak: Record<string, number> = { one: 0, two: 0 }; let both = false;
  const work = (name: string, concurrency: number): JobKind => kind(`local-${name}`, {
    concurrency,
    run: async () => {
      active[name]++; peak[name] = Math.max(peak[name], active[name]);
      if (active.one && active.two) both = true;
      await new Promise((r) => setTimeout(r, 200));
      active[name]--;
    },
  });
  const a = await node([work('one', 1), work('two', 2)]);
  // Queued before the start: the node's three workers all claim at once (its claims must be serialised).
  for (let i = 0; i < 4; i++) for (const name of ['one', 'two']) await a.store.enqueue({ id: `l-${name}-${i}`, kind: `local-${name}`, payload: {}, createdAt: new Date() });
  await a.runner.start();
  await until(async () => {
    for (let i = 0; i < 4; i++) for (const name of ['one', 'two']) if ((await a.store.get(`l-${name}-${i}`))?.state !== 'DONE') return false;
    return true;
  });
  assert.deepEqual(peak, { one: 1, two: 2 });
  assert.ok(both, 'the two kinds ran at the same time');
});
