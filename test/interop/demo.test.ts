// The end-to-end demo: two accounts, sample dataset, real training, project policy, cross-account copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers/server.js';

test('osprey demo trains, attaches a policy and copies into the other account', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'osprey.js'), 'demo'], { encoding: 'utf8', timeout: 900_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /Uploaded the sample dataset through the S3 API\n\s+\d+ images and train\/test manifests in s3:\/\/osprey-demo\//);
  assert.match(r.stdout, /Imported the TRAIN dataset\n.*\n\s+256 entries, 4 labels, 0 with errors/);
  assert.match(r.stdout, /Training completed\n\s+The model is ready to run\./);
  const f1 = Number(r.stdout.match(/F1 score on the test set: ([\d.]+)/)![1]);
  assert.ok(f1 > 0.8, `F1 ${f1}`);
  assert.match(r.stdout, /Copy completed\n\s+status COPYING_COMPLETED/);
  assert.match(r.stdout, /project\/shapes-prod\/version\/v1-from-dev\//);
  assert.equal(Number(r.stdout.match(/F1 score carried over: ([\d.]+)/)![1]), f1);
});
