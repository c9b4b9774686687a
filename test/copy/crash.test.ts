// kill -9 while copies are queued and running, then restart on the same data dir: every copy
// ends COPYING_COMPLETED or COPYING_FAILED, no COMPLETED copy has a missing or corrupt model or
// missing results, and the source is unchanged.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
  await server.kill();

  data = new DataDir(server.dataDir);
  const inProgress = data.db.prepare("SELECT arn FROM versions WHERE status = 'COPYING_IN_PROGRESS'").pluck().all() as string[];
  // Simulate a lost job for one unfinished copy: the start-up sweep must fail it, not leave it.
  const orphan = inProgress[inProgress.length - 1];
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
        assert.ok(existsSync(join(server.dataDir, 'buckets', 'out', 'k', `${f}-kdst-${name}.json`)), `${name}: ${f}`);
      }
    }
    assert.ok(completed >= names.length - 1, `copies resumed after the crash (${completed} completed)`);
    assert.deepEqual(await data.version(source.arn), before, 'source unchanged');
    assert.deepEqual(await data.openModel(source.arn), source.model);
    assert.ok(/job resumed after restart|copy/.test(server.log()) || inProgress.length <= 1);
    console.log(`crash test: ${inProgress.length} copies unfinished at the kill, ${completed} completed after restart`);
  } finally { data.close(); }
});
