// `osprey serve --workers N`: N processes share the port; the leader runs the jobs and holds the models.
// Every request here opens its own connection, so the cluster spreads them over the workers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type TestServer } from '../helpers/server.js';
import { BUCKET, ACCOUNT } from '../hosting/fixtures.js';
import { seededServer, waitStatus, type Fixture } from '../hosting/util.js';
import { tempDir } from '../helpers/tmp.js';

interface Answer { status: number; body: any }

/** One request on a fresh connection (no keep-alive), as account `account`. */
function call(url: string, target: string, body: unknown, account = ACCOUNT): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, {
      method: target === 'health' ? 'GET' : 'POST', path: target === 'health' ? '/health' : '/', agent: false,
      headers: {
        'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${target}`,
        authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261125/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=00`,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    req.on('error', reject);
    req.end(target === 'health' ? undefined : JSON.stringify(body));
  });
}

/** The pids of the primary's child processes (its workers). */
function childPids(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let fixture: Fixture;
let url: string;

before(async () => {
  fixture = await seededServer({ args: ['--workers', '2'] });
  url = fixture.server.url;
});
after(async () => { await fixture.server.stop(); fixture.server.cleanup(); });

test('two worker processes answer on the one port, neither of them the leader', async () => {
  const workers = childPids(fixture.server.proc.pid!);
  assert.equal(workers.length, 2);
  const seen = new Set<number>();
  for (let i = 0; i < 12; i++) seen.add((await call(url, 'health', undefined)).body.pid);
  assert.deepEqual([...seen].sort(), [...workers].sort());
});

test('a write through one worker is read through the other at once (the read cache sees other processes)', async () => {
  const describeAll = async () => (await call(url, 'DescribeProjects', { MaxResults: 100 })).body.ProjectDescriptions.map((p: any) => p.ProjectArn);
  await describeAll(); await describeAll(); // both workers now hold a cached page
  for (let i = 0; i < 10; i++) {
    const created = await call(url, 'CreateProject', { ProjectName: `across-${i}` });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    for (let j = 0; j < 2; j++) assert.equal((await describeAll())[0], created.body.ProjectArn, `read ${j} after create ${i}`);
  }
  const again = await call(url, 'CreateProject', { ProjectName: 'across-3' });
  assert.equal(again.body.__type, 'ResourceInUseException');
});

test('a start enqueued by a worker runs in the leader; DetectCustomLabels is forwarded to the loaded model', async () => {
  const { projectArn, versionArn } = fixture.seeded;
  const image = fixture.sample.images.find((i) => i.split === 'test' && i.className === 'circle')!;
  const detect = () => call(url, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: { Bytes: image.bytes.toString('base64') }, MinConfidence: 0 });

  const before = await detect();
  assert.equal(before.body.__type, 'ResourceNotReadyException', 'an error raised in the leader keeps its code');
  assert.equal(before.status, 400);
  assert.equal((await call(url, 'StartProjectVersion', { ProjectVersionArn: versionArn, MinInferenceUnits: 1 })).body.Status, 'STARTING');
  assert.equal((await waitStatus(url, projectArn, versionArn, ['RUNNING', 'FAILED'])).Status, 'RUNNING');
  for (let i = 0; i < 4; i++) {
    const r = await detect();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.CustomLabels[0].Name, 'circle');
  }
  const byS3 = await call(url, 'DetectCustomLabels', { ProjectVersionArn: versionArn, Image: { S3Object: { Bucket: BUCKET, Name: image.path } }, MinConfidence: 0 });
  assert.equal(byS3.body.CustomLabels[0].Name, 'circle');
  assert.equal((await call(url, 'StopProjectVersion', { ProjectVersionArn: versionArn })).body.Status, 'STOPPING');
  assert.equal((await waitStatus(url, projectArn, versionArn, ['STOPPED'])).Status, 'STOPPED');
});

test('a worker that dies is replaced and the port keeps answering', async () => {
  const [victim, other] = childPids(fixture.server.proc.pid!);
  process.kill(victim, 'SIGKILL');
  await until('a replacement worker is listening', async () => {
    const now = childPids(fixture.server.proc.pid!);
    if (now.length !== 2 || now.includes(victim)) return false;
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await call(url, 'health', undefined)).body.pid);
    return pids.size === 2;
  });
  assert.ok(childPids(fixture.server.proc.pid!).includes(other));
  assert.equal((await call(url, 'DescribeProjects', {})).status, 200);
});

test('SIGTERM stops the workers with the leader; a killed leader takes its workers with it', async () => {
  let server: TestServer = await startServer({ args: ['--workers', '2'] });
  let workers = childPids(server.proc.pid!);
  assert.equal(workers.length, 2);
  await server.stop();
  assert.equal(server.proc.exitCode, 0, `the leader did not shut down cleanly; server log:\n${server.log()}`);
  await until('the workers of a stopped leader are gone', () => workers.filter(alive).length === 0, 5000);

  server = await startServer({ dataDir: server.dataDir, args: ['--workers', '2'] });
  workers = childPids(server.proc.pid!);
  assert.equal((await call(server.url, 'DescribeProjects', {})).status, 200);
  await server.kill();
  await until('the workers of a killed leader exit', () => workers.filter(alive).length === 0);
  server.cleanup();
});

test('workers that cannot start (the port is taken) end the start-up with their error, leaving no process', async () => {
  const dataDir = tempDir('osprey-workers-');
  const port = new URL(url).port;
  await assert.rejects(startServer({ dataDir, args: ['--workers', '2', '--port', port] }), (e: Error) => {
    assert.match(e.message, /exited with 255/);
    assert.match(e.message, /EADDRINUSE/);
    assert.match(e.message, /a worker could not start/);
    return true;
  });
  const ours = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir) && alive(Number(p)); } catch { return false; }
  });
  assert.deepEqual(ours, []);
  rmSync(dataDir, { recursive: true, force: true });
});
