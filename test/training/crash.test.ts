// Crash safety: kill -9 the server during training and start it again on the same data dir.
// The version ends TRAINING_COMPLETED (retried) or TRAINING_FAILED (retries used up), never stuck,
// and no half-written artifact is ever visible.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { storedBytes, storedKeys } from '../helpers/objects.js';
import { BUCKET, cli, datasetStatus, manifestSource, sampleServer, until, versionDone } from './fixtures.js';

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

async function trainingEpoch(server: TestServer, p: string, name: string) {
  await until(() => {
    const v = cli(server, ['describe-project-versions', '--project-arn', p, '--version-names', name]).ProjectVersionDescriptions[0];
    return v.StatusMessage?.startsWith('Training: epoch') ? v : undefined;
  }, 'a training epoch');
}

async function noArtifacts(server: TestServer): Promise<void> {
  const out = await storedKeys(server.dataDir, 'results');
  assert.deepEqual(out.filter((f) => f.includes('EvaluationResultSummary')), [], 'no output file before completion');
  assert.deepEqual(files(join(server.dataDir, 'objects', '.tmp')), [], 'no partial object');
  assert.deepEqual(files(join(server.dataDir, 'blobs')).filter((f) => /[0-9a-f]{64}$/.test(f)), [], 'no model blob before completion');
}

test('kill -9 during training: retried to completion, or failed once retries are used up', async () => {
  const first = await sampleServer({ count: 60, epochs: 500 });
  const dataDir = first.dataDir;
  const p = cli(first, ['create-project', '--project-name', 'crash']).ProjectArn;
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
    const arn = cli(first, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    await datasetStatus(first, arn);
  }
  const version = (s: TestServer, name: string) => cli(s, ['create-project-version', '--project-arn', p, '--version-name', name, '--output-config', 'S3Bucket=results']);
  version(first, 'v1');
  await trainingEpoch(first, p, 'v1');
  await first.kill();
  await noArtifacts(first);

  // Restarted with no retries left: v1 is failed with a message, not left in progress.
  const second = await sampleServer({ dataDir, epochs: 500, env: { OSPREY_TRAINING_MAX_ATTEMPTS: '1' } });
  const v1 = await versionDone(second, p, 'v1');
  assert.equal(v1.Status, 'TRAINING_FAILED');
  assert.match(v1.StatusMessage, /interrupted by a server restart/);
  version(second, 'v2');
  await trainingEpoch(second, p, 'v2');
  await second.kill();
  await noArtifacts(second);

  // Restarted with a retry left: v2 is trained again from the start and completes.
  const third = await sampleServer({ dataDir, epochs: 2 });
  try {
    const v2 = await versionDone(third, p, 'v2');
    assert.equal(v2.Status, 'TRAINING_COMPLETED', v2.StatusMessage);
    assert.ok(await storedBytes(dataDir, 'results', 'EvaluationResultSummary-crash-v2.json'));
    assert.deepEqual(files(join(dataDir, 'objects', '.tmp')), [], 'no partial object');
  } finally {
    await third.stop();
    third.cleanup();
  }
});
