// Node-to-node inference over HTTP: only a request signed with the cluster's key, fresh and
// unaltered, reaches the units; the pool's answers and refusals travel back as the pool's errors.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { ImageRejected, PoolClosed, PoolFull } from '../../src/domain/hosting/pool.js';
import { PeerUnavailable, RemoteUnits, type UnitReply } from '../../src/domain/hosting/remote.js';
import { HttpPeers, NODE_INFER_PATH, nodeRoute, nodeRpcKey } from '../../src/server/node-rpc.js';

const secret = randomBytes(32);
const key = nodeRpcKey(secret);
const ARN = 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v/1';
const served: { arn: string; bytes: Buffer }[] = [];
let server: Server;
let url: string;

before(async () => {
  const route = nodeRoute(key, async (arn, bytes) => {
    served.push({ arn, bytes });
    const text = bytes.toString();
    if (text === 'full') throw new PoolFull('all 1 inference units are busy');
    if (text === 'tiny') throw new ImageRejected('TOO_SMALL', 'image is 10x10 pixels');
    if (text === 'gone') throw new PoolClosed('not here');
    if (text === 'crash') throw new Error('unit exited');
    return { kind: 'classification', labels: ['cat', 'dog'], thresholds: [0.5, 0.4], output: new Float32Array([0.25, 0.75]) } satisfies UnitReply;
  });
  server = createServer(async (req, res) => { if (!(await route(req, res))) res.writeHead(404).end(); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => server.close());

test('a signed request runs on the units; the reply keeps labels, thresholds and float32 output', async () => {
  const peers = new HttpPeers(key);
  const r = await peers.infer(url, ARN, Buffer.from('image-bytes'));
  assert.deepEqual([r.kind, r.labels, r.thresholds, [...r.output]], ['classification', ['cat', 'dog'], [0.5, 0.4], [0.25, 0.75]]);
  assert.deepEqual(served.at(-1), { arn: ARN, bytes: Buffer.from('image-bytes') });
  await assert.rejects(peers.infer(url, ARN, Buffer.from('full')), PoolFull);
  await assert.rejects(peers.infer(url, ARN, Buffer.from('tiny')), (e: Error) => e instanceof ImageRejected && e.check === 'TOO_SMALL');
  await assert.rejects(peers.infer(url, ARN, Buffer.from('gone')), PeerUnavailable);
  await assert.rejects(peers.infer(url, ARN, Buffer.from('crash')), PeerUnavailable);
  peers.close();
});

test('another key, a stale or future date, an unsigned or altered request: 403 and the units never see it', async () => {
  const before = served.length;
  await assert.rejects(new HttpPeers(nodeRpcKey(randomBytes(32))).infer(url, ARN, Buffer.from('x')), /403 AccessDenied/);
  await assert.rejects(new HttpPeers(key, () => Date.now() - 120_000).infer(url, ARN, Buffer.from('x')), /403 AccessDenied/);
  await assert.rejects(new HttpPeers(key, () => Date.now() + 120_000).infer(url, ARN, Buffer.from('x')), /403 AccessDenied/);
  const raw = (headers: Record<string, string>, body: string) => new Promise<number>((resolve, reject) => {
    const req = request(`${url}${NODE_INFER_PATH}`, { method: 'POST', headers }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.end(body);
  });
  assert.equal(await raw({}, 'x'), 403);
  assert.equal(await raw({ 'x-osprey-version-arn': ARN, 'x-osprey-node-date': String(Date.now()), 'x-osprey-node-signature': '0'.repeat(64) }, 'x'), 403);
  // A valid signature replayed with another body or another version ARN does not verify.
  let captured: Record<string, string> = {};
  const spy = createServer((req, res) => { captured = req.headers as Record<string, string>; req.resume(); res.writeHead(500).end('{}'); });
  await new Promise<void>((r) => spy.listen(0, '127.0.0.1', () => r()));
  await assert.rejects(new HttpPeers(key).infer(`http://127.0.0.1:${(spy.address() as { port: number }).port}`, ARN, Buffer.from('original')), PeerUnavailable);
  spy.close();
  const signed = { 'x-osprey-version-arn': captured['x-osprey-version-arn'], 'x-osprey-node-date': captured['x-osprey-node-date'], 'x-osprey-node-signature': captured['x-osprey-node-signature'] };
  assert.equal(await raw(signed, 'altered!'), 403);
  assert.equal(await raw({ ...signed, 'x-osprey-version-arn': `${ARN}0` }, 'original'), 403);
  assert.equal(await raw(signed, 'original'), 200, 'the captured request itself verifies');
  assert.equal(served.length, before + 1);
  const get = await new Promise<number>((resolve) => request(`${url}${NODE_INFER_PATH}`, (res) => { res.resume(); resolve(res.statusCode!); }).end());
  assert.equal(get, 405);
});

test('a node that cannot be reached is PeerUnavailable (the caller tries the next holder)', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const port = (closed.address() as { port: number }).port;
  closed.close();
  await assert.rejects(new HttpPeers(key).infer(`http://127.0.0.1:${port}`, ARN, Buffer.from('x')), PeerUnavailable);
});

test('RemoteUnits: a holder that cannot be reached is skipped; none reachable is a retryable ThrottlingException', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
  closed.close();
  const holder = (nodeUrl: string, unit: number) => ({ versionArn: ARN, unit, nodeId: nodeUrl, nodeUrl, placedAt: new Date(), ready: true });
  const peers = new HttpPeers(key);
  const units = new RemoteUnits(ARN, [holder(deadUrl, 0), holder(url, 1)], peers);
  for (let i = 0; i < 3; i++) assert.deepEqual([...(await units.submit(Buffer.from('img')))], [0.25, 0.75]);
  assert.deepEqual([units.kind, units.labels], ['classification', ['cat', 'dog']]);
  await assert.rejects(units.submit(Buffer.from('tiny')), ImageRejected, 'an answer from a holder is final, not retried elsewhere');
  await assert.rejects(new RemoteUnits(ARN, [holder(deadUrl, 0)], peers).submit(Buffer.from('img')), (e: Error & { code?: string }) => e.code === 'ThrottlingException');
  peers.close();
});
