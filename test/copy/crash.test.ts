// kill -9 while copies are queued and running, then restart on the same data dir: every copy
// ends COPYING_COMPLETED or COPYING_FAILED, no COMPLETED copy has a missing or corrupt model or
// missing results, and the source is unchanged.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { storedBytes } from '../helpers/objects.js';
import { openObjectIndex } from '../../src/storage/fs/index-db.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { boto3 } from '../helpers/clients.js';
import { DataDir } from './seed.js';
import { sdk, waitFor } from './util.js';

let server: TestServer | undefined;
after(async () => { await server?.stop(); server?.cleanup(); });

test('kill -9 during copies, restart: every copy ends COMPLETED or FAILED, never COMPLETED with a bad model', async () => {
  server = await startServer({ args: ['--copy-concurrency', '1'] });
  mkdirSync(join(server.dataDir, 'buckets', 'out'), { recursive: true });
  const [src, dst] = boto3(server.url, `out = [rek.create_project(ProjectName=n)['ProjectArn'] for n in ('ksrc', 'kdst')]`);
  let data = new DataDir(server.dataDir);
  // Big result files make each copy take a while, so the kill lands mid-copy.
  const source = await data.seedVersion(src, 'v1', { size: 256 * 1024, manifestBytes: 6 * 1024 * 1024 });
  const before = await data.version(source.arn);
  data.close();

  const names = Array.from({ length: 16 }, (_, i) => `c${i}`);
  const arns: string[] = boto3(server.url, `
out = [rek.copy_project_version(SourceProjectArn=V['src'], SourceProjectVersionArn=V['ver'], DestinationProjectArn=V['dst'], VersionName=n, OutputConfig={'S3Bucket': 'out', 'S3KeyPrefix': 'k'})['ProjectVersionArn'] for n in V['names']]`,
  undefined, { src, ver: source.arn, dst, names });
  // Kill only once a copy job is running and has written some of its result files, but at most
  // three of six (the three big manifests still to come take far longer than the kill does).
  const watch = new DataDir(server.dataDir);
  const index = openObjectIndex(server.dataDir);
  const countWritten = index.prepare("SELECT count(*) FROM s3_objects WHERE bucket = 'out' AND key LIKE 'k/%' AND key LIKE ?").pluck();
  const written = (name: string) => countWritten.get(`%-kdst-${name}.json`) as number;
  let midCopy: { id: string; name: string; files: number } | undefined;
  for (const start = Date.now(); !midCopy && Date.now() - start < 120_000;) {
    const running = watch.db.prepare("SELECT id, payload FROM jobs WHERE kind = 'copy-version' AND state = 'RUNNING'").all() as { id: string; payload: string }[];
    for (const j of running) {
      const name = JSON.parse(j.payload).dest.versionName as string;
      const files = written(name);
      if (files > 0 && files <= 3) { midCopy = { id: j.id, name, files }; break; }
    }
    if (!midCopy) await new Promise((r) => setTimeout(r, 2));
  }
  const mid = midCopy;
  assert.ok(mid, 'a copy was caught writing its result files (the six-MB manifests come last)');
  await server.kill();
  watch.close();
  index.close();

  data = new DataDir(server.dataDir);
  const atKill = data.db.prepare('SELECT state FROM jobs WHERE id = ?').pluck().get(mid.id);
  assert.equal(atKill, 'RUNNING', 'the kill landed while that copy job was running');
  const inProgress = data.db.prepare("SELECT arn FROM versions WHERE status = 'COPYING_IN_PROGRESS'").pluck().all() as string[];
  assert.ok(inProgress.length >= 1, 'copies were unfinished at the kill');
  // Simulate a lost job for one unfinished copy: the start-up sweep must fail it, not leave it.
  const orphan = inProgress.filter((arn) => `copy:${arn}` !== mid.id).at(-1);
  if (orphan) data.db.prepare('DELETE FROM jobs WHERE id = ?').run(`copy:${orphan}`);
  data.close();

  server = await startServer({ dataDir: server.dataDir, args: ['--copy-concurrency', '2'] });
  const client = sdk(server.url, { accessKeyId: '111122223333' });
  data = new DataDir(server.dataDir);
  try {
    let completed = 0;
    for (const [i, name] of names.entries()) {
      const v = await waitFor(client, dst, name, { timeoutMs: 120_000, intervalMs: 50 });
      assert.ok(v.Status === 'COPYING_COMPLETED' || v.Status === 'COPYING_FAILED', `${name}: ${v.Status}`);
      if (v.ProjectVersionArn === orphan) assert.equal(v.Status, 'COPYING_FAILED');
      if (v.Status === 'COPYING_FAILED') { assert.ok(v.StatusMessage); continue; }
      completed++;
      assert.equal(v.ProjectVersionArn, arns[i]);
      assert.deepEqual(await data.openModel(arns[i]), source.model, `${name}: model byte for byte`);
      for (const f of ['EvaluationResultSummary', 'ManifestSummary', 'TrainingGroundTruth', 'TestingManifestWithValidation']) {
        assert.ok(await storedBytes(server.dataDir, 'out', `k/${f}-kdst-${name}.json`), `${name}: ${f}`);
      }
    }
    assert.ok(completed >= names.length - 1, `copies resumed after the crash (${completed} completed)`);
    assert.deepEqual(await data.version(source.arn), before, 'source unchanged');
    assert.deepEqual(await data.openModel(source.arn), source.model);
    // The copy cut short resumed (the runner says so for that job) and completed with every file intact.
    const resumed = server.log().split('\n').filter((l) => l.includes('"job resumed after its runner stopped"')).map((l) => JSON.parse(l).job);
    assert.ok(resumed.includes(mid.id), `the runner resumed ${mid.id}: ${resumed.join(', ')}`);
    assert.equal((await waitFor(client, dst, mid.name)).Status, 'COPYING_COMPLETED');
    console.log(`crash test: ${inProgress.length} copies unfinished at the kill, ${completed} completed after restart`);
  } finally { data.close(); }
});
