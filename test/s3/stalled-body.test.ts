// A request body that stops arriving: S3 answers RequestTimeout (400, S3 XML) and the JSON API
// RequestTimeoutException (408) once no byte came for OSPREY_BODY_IDLE_SECONDS (1 s here; 20 s by
// default), nothing is stored, and the server keeps serving. A body that keeps arriving has no time limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
before(async () => { server = await startServer({ dataDir: undefined, env: { OSPREY_BODY_IDLE_SECONDS: '1' } }); });
after(async () => { await server?.stop(); server?.cleanup(); });

/** Sends `head` and `body` on a raw socket, then waits for the server's whole answer (it closes the connection). */
function raw(head: string, body: string, trickle?: { pieces: number; everyMs: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      socket.write(head);
      if (!trickle) { socket.write(body); return; }
      let sent = 0;
      const timer = setInterval(() => { socket.write(body); if (++sent === trickle.pieces) clearInterval(timer); }, trickle.everyMs);
    });
    let answer = '';
    socket.on('data', (c) => { answer += c; });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    setTimeout(() => { socket.destroy(); resolve(answer); }, 15_000);
  });
}

test('a stalled S3 body is RequestTimeout in S3 XML and stores nothing; a slow, steady one is stored', async () => {
  assert.equal((await fetch(`${server.url}/stall`, { method: 'PUT' })).status, 200);
  const started = Date.now();
  const answer = await raw('PUT /stall/k HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', 'abc');
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.match(answer, /<Code>RequestTimeout<\/Code>/);
  assert.ok(Date.now() - started < 10_000, 'answered within a few idle periods');
  assert.equal((await fetch(`${server.url}/stall/k`)).status, 404, 'nothing stored');
  // 3 s in all, longer than the idle limit, but never idle for 1 s.
  const slow = await raw('PUT /stall/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n', 'ab', { pieces: 5, everyMs: 600 });
  assert.match(slow, /^HTTP\/1\.1 200 /);
  assert.equal(await (await fetch(`${server.url}/stall/slow`)).text(), 'ababababab');
});

test('a stalled JSON body is RequestTimeoutException (408)', async () => {
  const answer = await raw('POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: RekognitionService.DescribeProjects\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 10\r\n\r\n', '{}');
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.match(answer, /RequestTimeoutException/);
  assert.equal((await fetch(`${server.url}/health`)).status, 200, 'the server still serves');
});
