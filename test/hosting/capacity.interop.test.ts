// Inference units as capacity (JS SDK, no retries): a burst beyond units + queue is refused with
// ProvisionedThroughputExceededException (400) and nothing else fails; sustained load adds a unit up
// to MaxInferenceUnits and idleness takes it away; the server-wide unit limit is LimitExceeded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DetectCustomLabelsCommand, StartProjectVersionCommand, StopProjectVersionCommand } from '@aws-sdk/client-rekognition';
import { largeJpeg } from './fixtures.js';
import { sdk, seededServer, waitStatus, type Fixture } from './util.js';

let f: Fixture;
let arn: string;
let jpeg: Uint8Array;

before(async () => {
  f = await seededServer({
    config: { hosting: { queuePerUnit: 1, maxTotalUnits: 3, autoscale: { tickMs: 100, upAfterMs: 300, downAfterMs: 1500 } } },
  });
  arn = f.seeded.versionArn;
  jpeg = await largeJpeg(f.sample);
});
after(async () => { await f.server.stop(); f.server.cleanup(); });

async function detectOnce(): Promise<{ ok: true; labels: string } | { ok: false; name: string; status?: number }> {
  try {
    const r = await sdk(f.server.url).send(new DetectCustomLabelsCommand({ ProjectVersionArn: arn, Image: { Bytes: jpeg }, MinConfidence: 0 }));
    return { ok: true, labels: JSON.stringify(r.CustomLabels) };
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, name: err.name, status: err.$metadata?.httpStatusCode };
  }
}

test('MinInferenceUnits beyond the server-wide unit limit is LimitExceededException', async () => {
  await assert.rejects(sdk(f.server.url).send(new StartProjectVersionCommand({ ProjectVersionArn: arn, MinInferenceUnits: 4 })), { name: 'LimitExceededException' });
});

test('a burst beyond units and queue is refused with ProvisionedThroughputExceededException; the rest answer identically', async () => {
  await sdk(f.server.url).send(new StartProjectVersionCommand({ ProjectVersionArn: arn, MinInferenceUnits: 1, MaxInferenceUnits: 2 }));
  assert.equal((await waitStatus(f.server.url, f.seeded.projectArn, arn, ['RUNNING', 'FAILED'])).Status, 'RUNNING');
  const results = await Promise.all(Array.from({ length: 24 }, () => detectOnce()));
  const refused = results.filter((r) => !r.ok);
  const answered = results.filter((r): r is { ok: true; labels: string } => r.ok);
  assert.ok(refused.length > 0, 'some requests must be refused');
  assert.ok(answered.length >= 2, 'unit + queue are served');
  for (const r of refused) assert.deepEqual(r, { ok: false, name: 'ProvisionedThroughputExceededException', status: 400 });
  assert.equal(new Set(answered.map((r) => r.labels)).size, 1);
});

async function waitLog(re: RegExp, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!re.test(f.server.log()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return re.test(f.server.log());
}

test('sustained load scales up to MaxInferenceUnits; idleness scales back down to MinInferenceUnits', async () => {
  const deadline = Date.now() + 20_000;
  const scaledUp = () => /"inference units scaling up"/.test(f.server.log());
  // Four closed-loop clients keep the single unit busy until the autoscaler reacts (the burst above may already have).
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (!scaledUp() && Date.now() < deadline) await detectOnce();
  }));
  assert.ok(scaledUp(), 'no scale-up under sustained load');
  assert.ok(await waitLog(/"inference unit ready","version":"[^"]+","units":2/, 15_000), 'the second unit never became ready');
  assert.doesNotMatch(f.server.log(), /"from":2,"to":3/, 'never beyond MaxInferenceUnits');
  // Idle: the extra unit is retired after downAfterMs.
  assert.ok(await waitLog(/"inference units scaling down","version":"[^"]+","from":2,"to":1/, 15_000), 'no scale-down when idle');
  assert.equal((await detectOnce()).ok, true);
});

test('a stop straight after a start (STARTING or RUNNING) ends STOPPED and stays stopped', async () => {
  const client = sdk(f.server.url);
  await client.send(new StopProjectVersionCommand({ ProjectVersionArn: arn }));
  await waitStatus(f.server.url, f.seeded.projectArn, arn, ['STOPPED']);
  const started = await client.send(new StartProjectVersionCommand({ ProjectVersionArn: arn, MinInferenceUnits: 2 }));
  assert.equal(started.Status, 'STARTING');
  assert.equal((await client.send(new StopProjectVersionCommand({ ProjectVersionArn: arn }))).Status, 'STOPPING');
  const v = await waitStatus(f.server.url, f.seeded.projectArn, arn, ['STOPPED', 'RUNNING', 'FAILED']);
  assert.equal(v.Status, 'STOPPED');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await waitStatus(f.server.url, f.seeded.projectArn, arn, ['STOPPED', 'RUNNING', 'FAILED'])).Status, 'STOPPED', 'stays stopped');
  const r = await detectOnce();
  assert.deepEqual(r, { ok: false, name: 'ResourceNotReadyException', status: 400 });
});
