// Thousands of random and malformed requests: none may get a 5xx, the server must stay up, and
// every answer must be JSON, AWS-shaped when it is an error. Seeded, so a failure is reproducible.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { operationNames, operations, shape } from '../../src/api/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => { server = await startServer({ args: ['--log-level', 'error'] }); });
after(async () => { await server.stop(); server.cleanup(); });

function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}
const random = rng(Number(process.env.FUZZ_SEED ?? 20261125));
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
const chance = (p: number) => random() < p;

const ARNS = [
  'arn:aws:rekognition:us-east-1:000000000000:project/fuzz/1690405809285',
  'arn:aws:rekognition:us-east-1:000000000000:project/fuzz/version/v/1690556751958',
  'arn:aws:rekognition:us-east-1:000000000000:project/fuzz/dataset/train/1',
  'arn:aws:rekognition:us-east-1:123456789012:project/other/1', 'arn:aws:s3:::bucket/key', 'arn:aws:rekognition:::', 'not-an-arn',
];
const STRINGS = ['', 'a', 'x'.repeat(300), 'x'.repeat(5000), '../../etc/passwd', '💥', '\u0000', ' ', 'aws:key', 'TRAIN', 'CUSTOM_LABELS', '{}', 'null', '%00', 'a/b'];
const JUNK = [null, true, false, 0, -1, 1.5, 1e308, -1e308, '', 'str', [], {}, [1, 2], { a: 1 }];

function value(shapeName: string, depth: number): unknown {
  if (chance(0.1)) return pick(JUNK);
  const s = shape(shapeName);
  switch (s.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        if ((s.required?.includes(name) && chance(0.9)) || chance(0.4)) out[name] = depth > 4 ? pick(JUNK) : value(ref.shape, depth + 1);
      }
      if (chance(0.1)) out[pick(['Bogus', '__proto__', 'constructor', 'x'])] = pick(JUNK);
      return out;
    }
    case 'list': return Array.from({ length: pick([0, 1, 2, 11, 201]) }, () => value(s.member!.shape, depth + 1));
    case 'map': return Object.fromEntries(Array.from({ length: pick([0, 1, 3, 201]) }, (_, i) => [chance(0.2) ? pick(STRINGS) : `k${i}`, value(s.value!.shape, depth + 1)]));
    case 'string':
      if (shapeName.endsWith('Arn')) return pick(ARNS);
      if (s.enum && chance(0.6)) return pick(s.enum);
      return pick(STRINGS);
    case 'integer': case 'long': return pick([0, 1, 5, 100, 101, -5, 2 ** 31, 1.5]);
    case 'float': case 'double': return pick([0, 50, 100, 100.5, -1, 1e9]);
    case 'boolean': return chance(0.5);
    case 'blob': return pick(['', 'aGVsbG8=', '!!!', Buffer.alloc(100).toString('base64')]);
    default: return null;
  }
}

/** A body whose first list, map or structure member holds a value nested `depth` levels deep. */
function nestedMember(op: string, depth: number): string {
  const members = Object.entries(shape(operations[op].input).members ?? {});
  const container = members.find(([, ref]) => ['list', 'map', 'structure'].includes(shape(ref.shape).type)) ?? members[0];
  if (!container) return '{' + '"x":{'.repeat(depth) + '}'.repeat(depth + 1);
  const [open, close] = pick([['[', ']'], ['{"k":', '}']]);
  return `{"${container[0]}":${open.repeat(depth)}${depth % 2 ? '"s"' : '1'}${close.repeat(depth)}}`;
}

function body(): { target: string; payload: string | Buffer; headers: Record<string, string> } {
  const op = pick(operationNames);
  let target = `RekognitionService.${op}`;
  let payload: string | Buffer = JSON.stringify(value(operations[op].input, 0));
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  switch (Math.floor(random() * 12)) {
    case 0: payload = payload.slice(0, Math.floor(random() * payload.length)); break;
    case 1: payload = ''; break;
    case 2: payload = Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))); break;
    case 3: target = pick(['', 'RekognitionService.', 'RekognitionService.DetectFaces', `Other.${op}`, 'RekognitionService.__proto__', 'RekognitionService.constructor']); break;
    case 4: headers.authorization = pick(['AWS4-HMAC-SHA256', 'Bearer x', 'AWS4-HMAC-SHA256 Credential=a/b', 'AWS4-HMAC-SHA256 Credential=111122223333/20260101/us-east-1/rekognition/aws4_request, SignedHeaders=host, Signature=00']); break;
    case 5: headers['content-type'] = pick(['text/plain', 'application/json', '']); headers['x-amz-date'] = 'yesterday'; break;
    case 6: payload = JSON.stringify(pick(JUNK)); break;
    case 7: payload = '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}'; break;
    case 8: payload = nestedMember(op, Math.floor(random() * 4000)); break;
    default: break;
  }
  return { target, payload, headers };
}

test('random and malformed requests never get a 5xx and always get an AWS-shaped answer', async () => {
  const N = Number(process.env.FUZZ_REQUESTS ?? 3000);
  const statuses = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const { target, payload, headers } = body();
    const res = await fetch(server.url, { method: 'POST', headers: { ...headers, 'x-amz-target': target }, body: payload });
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status < 500, `request ${i} ${target} ${String(payload).slice(0, 300)} → ${res.status} ${text}`);
    const json = JSON.parse(text);
    if (res.status !== 200) {
      assert.equal(typeof json.__type, 'string', text);
      assert.equal(json.Code, json.__type);
      assert.equal(res.headers.get('x-amzn-errortype'), json.__type);
      assert.equal(typeof json.Message, 'string');
    }
  }
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  assert.equal(server.proc.exitCode, null);
  assert.ok((statuses.get(400) ?? 0) > N / 2, JSON.stringify([...statuses]));
});

test('values nested deeply in every list, map and structure member get a 400, never a 5xx', async () => {
  // 3243 levels is the reported 6.5 KB DistributeDatasetEntries body; 999 stays under the decode bound,
  // so the validator has to report (and render) the value itself.
  let sent = 0;
  for (const op of operationNames) {
    for (const [member, ref] of Object.entries(shape(operations[op].input).members ?? {})) {
      if (!['list', 'map', 'structure'].includes(shape(ref.shape).type)) continue;
      for (const depth of [3243, 1001, 999, 40]) {
        for (const [open, close] of [['[', ']'], ['{"k":', '}']]) {
          const payload = `{"${member}":${open.repeat(depth)}"x"${close.repeat(depth)}}`;
          const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `RekognitionService.${op}` }, body: payload });
          const json = await res.json() as { __type: string; Message: string };
          assert.equal(res.status, 400, `${op}.${member} at depth ${depth}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
          assert.match(json.__type, /^(SerializationException|ValidationException)$/, `${op}.${member}`);
          assert.ok(json.Message.length < 4096, 'the message shows a bounded rendering of the value');
          if (depth > 1000) assert.equal(json.__type, 'SerializationException');
          sent++;
        }
      }
    }
  }
  assert.ok(sent > 100, `${sent} requests`);
  assert.equal(server.proc.exitCode, null);
});
