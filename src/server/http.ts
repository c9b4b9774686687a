// node:http adapter: hands each request to the pipeline and writes the answer. AWS JSON requests
// (POST / with X-Amz-Target) are read whole (bounded); everything else is S3, whose object bodies
// stream both ways. GET /health answers outside the AWS API; unsigned GETs of /console/ are the web
// console's files; POST /_osprey/node/infer is another node's signed inference request (node-rpc.ts;
// no S3 bucket name starts with "_").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline as pipe } from 'node:stream/promises';
import { virtualHostBucket } from '../protocol/s3/route.js';
import { CONTENT_TYPE, encodeError } from '../protocol/json.js';
import { RequestEntityTooLarge, RequestTimeout } from '../protocol/errors.js';
import { BODY_IDLE_SECONDS } from '../handlers/s3/body.js';
import { MAX_BODY_BYTES, type Pipeline } from './pipeline.js';

/** A JSON request body, whole; 'too-large' past MAX_BODY_BYTES, 'stalled' when no byte came for BODY_IDLE_SECONDS. */
function readBody(req: IncomingMessage): Promise<Buffer | 'too-large' | 'stalled'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const idle = setTimeout(() => resolve('stalled'), BODY_IDLE_SECONDS * 1000);
    req.on('close', () => clearTimeout(idle));
    req.on('data', (c: Buffer) => {
      idle.refresh();
      size += c.length;
      if (size > MAX_BODY_BYTES) { tooLarge = true; chunks.length = 0; return; }
      if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => { clearTimeout(idle); resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)); });
    req.on('error', reject);
  });
}

/** JSON 1.1 requests are POSTs to `/` (path-style S3 POSTs always name a bucket). */
function isJsonRequest(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || virtualHostBucket(req.headers.host) !== undefined) return false;
  return req.headers['x-amz-target'] !== undefined || (req.url ?? '/').split('?')[0] === '/';
}

async function serveS3(pipeline: Pipeline, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const out = await pipeline.handleS3({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: req });
  res.writeHead(out.status, out.headers);
  if (out.body === undefined || req.method === 'HEAD') {
    res.end();
    if (out.body && typeof out.body !== 'string' && !Buffer.isBuffer(out.body)) (out.body as unknown as { destroy?: () => void }).destroy?.();
  } else if (typeof out.body === 'string' || Buffer.isBuffer(out.body)) res.end(out.body);
  else await pipe(out.body, res).catch(() => res.destroy());
  if (out.headers?.connection === 'close' && !req.readableEnded) req.resume();
}

export function createHttpServer(pipeline: Pipeline, health: () => unknown,
  consoleFiles?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>,
  nodeRequests?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>): Server {
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && (req.url === '/health' || req.url === '/_osprey/health')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health()));
        return;
      }
      if (nodeRequests && (await nodeRequests(req, res))) return; // node-to-node inference: node-rpc.ts
      if (consoleFiles && (await consoleFiles(req, res))) return; // the web console's files: console-route.ts
      if (!isJsonRequest(req)) return await serveS3(pipeline, req, res);
      const body = await readBody(req);
      if (body === 'too-large' || body === 'stalled') {
        const err = body === 'too-large' ? RequestEntityTooLarge(`Request body exceeds the ${MAX_BODY_BYTES}-byte limit.`)
          : RequestTimeout(`No byte of the request body arrived for ${BODY_IDLE_SECONDS} seconds.`);
        res.writeHead(err.status, { 'content-type': CONTENT_TYPE, 'x-amzn-errortype': err.code, connection: 'close' }).end(encodeError(err, 'none'));
        return;
      }
      const out = await pipeline.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
      res.writeHead(out.status, out.headers).end(out.body);
    } catch {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  // No overall time limit per request (Node's default cuts every request at 5 minutes, and so every upload
  // slower than its size / 300 s); a body that stalls fails after BODY_IDLE_SECONDS instead (handlers/s3/body.ts).
  server.requestTimeout = 0;
  return server;
}
