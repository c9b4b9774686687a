// Issue 12 item 4 benchmark: jobs across nodes on PostgreSQL. In one run, on one fresh database:
//  1. pick-up latency: a job queued through node A (its row and queue entry in one transaction) until it
//     starts on node B: graphile-worker woken by LISTEN/NOTIFY (QueueJobRunner) against the baseline, the
//     polling runner (TableJobRunner, 200 ms poll) on the same job table;
//  2. hand-over: node A runs a job and dies (its connections cut, no clean stop); the time until node B
//     starts it again, with a lease of --lease-ms (expected: the lease plus up to half a lease, the sweep).
// Needs OSPREY_TEST_DATABASE_URL (scripts/pg-cluster.sh start DIR). Prints its own run time.
// Usage: npx tsx bench/queue.ts [--jobs 50] [--lease-ms 3000]
import { performance } from 'node:perf_hooks';
import { openPostgres, type Pool } from '../src/storage/postgres/database.js';
import { PgJobStore } from '../src/storage/postgres/jobs.js';
import { GraphileQueue } from '../src/storage/postgres/queue.js';
import { QueueJobRunner } from '../src/jobs/queue-runner.js';
import { TableJobRunner } from '../src/jobs/table-runner.js';
import type { JobKind, JobRunner } from '../src/jobs/runner.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { randomIds } from '../src/domain/shared/ids.js';
import { createLogger } from '../src/server/logger.js';
import { createTestDatabase } from '../test/helpers/postgres.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const JOBS = opt('jobs', 50);
const LEASE_MS = opt('lease-ms', 3000);
const log = createLogger('silent');
const t0 = performance.now();
const db = await createTestDatabase();
const pools: Pool[] = [];
const open = async (name = 'osprey') => { const p = await openPostgres(`${db.url}?application_name=${name}`, { max: 6 }); pools.push(p); return p; };

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Queues JOBS jobs one after another through `enqueue` (node A); `started` resolves when B starts each. */
async function pickup(name: string, makeB: (kind: JobKind) => Promise<JobRunner>): Promise<number[]> {
  const starts = new Map<string, () => void>();
  const kind: JobKind = { kind: name, concurrency: 1, run: async ({ job }) => { starts.get(job.id)?.(); }, recover: async () => 'resume', fail: async () => undefined };
  const a = new PgJobStore(await open());
  const b = await makeB(kind);
  await b.start();
  await sleep(300);
  const out: number[] = [];
  for (let i = 0; i < JOBS; i++) {
    const id = `${name}-${i}`;
    const started = new Promise<void>((r) => starts.set(id, r));
    const t = performance.now();
    await a.enqueue({ id, kind: name, payload: {}, createdAt: new Date() });
    await started;
    out.push(performance.now() - t);
    await sleep(Math.random() * 250); // out of step with the 200 ms poll
  }
  await b.stop();
  return out;
}

const notify = await pickup('notify', async (k) => {
  const pool = await open();
  const r = new QueueJobRunner(new PgJobStore(pool), new GraphileQueue(pool, log), systemClock, log, { leaseMs: 60_000 });
  r.register(k);
  return r;
});
const polling = await pickup('poll', async (k) => {
  const r = new TableJobRunner(new PgJobStore(await open()), systemClock, randomIds, log, undefined, { leaseMs: 60_000 });
  r.register(k);
  return r;
});

// Hand-over: A claims a job that runs until A dies; B (already running) starts it again after A's lease.
let restarted: (() => void) | undefined;
const handover = (first: () => void): JobKind => ({
  kind: 'handover', concurrency: 1,
  run: async ({ job }) => { if (job.attempts === 1) { first(); await new Promise(() => undefined); } else restarted?.(); },
  recover: async () => 'resume', fail: async () => undefined,
});
const poolA = await open('bench-node-a');
let aStarted!: () => void;
const aRunning = new Promise<void>((r) => { aStarted = r; });
const nodeA = new QueueJobRunner(new PgJobStore(poolA), new GraphileQueue(poolA, log), systemClock, log, { leaseMs: LEASE_MS });
nodeA.register(handover(() => aStarted()));
await nodeA.start();
await new PgJobStore(poolA).enqueue({ id: 'h1', kind: 'handover', payload: {}, createdAt: new Date() });
await aRunning;
const poolB = await open();
const nodeB = new QueueJobRunner(new PgJobStore(poolB), new GraphileQueue(poolB, log), systemClock, log, { leaseMs: LEASE_MS });
nodeB.register(handover(() => undefined));
await nodeB.start();
const again = new Promise<void>((r) => { restarted = r; });
const killedAt = performance.now();
// "kill -9": A's pool refuses new work and every connection A holds is cut; it never renews nor stops cleanly.
void poolA.end().catch(() => undefined);
await poolB.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', ['bench-node-a']);
await again;
const handoverMs = performance.now() - killedAt;
await nodeB.stop();

const row = (name: string, xs: number[]) => `| ${name} | ${quantile(xs, 0.5).toFixed(1)} ms | ${quantile(xs, 0.99).toFixed(1)} ms | ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)} ms |`;
console.log(`jobs queued on node A, started on node B (${JOBS} each):`);
console.log('| runner | p50 | p99 | mean |\n|---|---|---|---|');
console.log(row('graphile-worker, LISTEN/NOTIFY', notify));
console.log(row('polling runner (200 ms), baseline', polling));
console.log(`mean ratio polling / notify: ×${((polling.reduce((a, b) => a + b, 0)) / (notify.reduce((a, b) => a + b, 0))).toFixed(1)}`);
console.log(`hand-over after node A died mid-job, lease ${LEASE_MS} ms: ${handoverMs.toFixed(0)} ms (${(handoverMs / LEASE_MS).toFixed(2)} leases)`);
for (const p of pools) await p.end().catch(() => undefined);
await db.drop();
console.log(`run time: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exit(0);
