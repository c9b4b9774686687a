// node:http adapter: reads the body (bounded), hands it to the pipeline, writes the answer.
// GET /health answers outside the AWS API; unsigned GETs of /console/ are the web console's files.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { CONTENT_TYPE, encodeError } from '../protocol/json.js';
import { RequestEntityTooLarge } from '../protocol/errors.js';
import { MAX_BODY_BYTES, type Pipeline } from './pipeline.js';

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) { tooLarge = true; chunks.length = 0; return; }
      if (!tooLarge) chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createHttpServer(pipeline: Pipeline, health: () => unknown, objects?: (req: IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>,
  consoleFiles?: (req: IncomingMessage, res: import('node:http').ServerResponse) => Promise<boolean>): Server {
  const server = createServer(async (req, res) => {
    try {
      if (req.method === 'GET' && (req.url === '/health' || req.url === '/_osprey/health')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(health()));
        return;
      }
      if (consoleFiles && (await consoleFiles(req, res))) return; // the web console's files: console-route.ts
      if (objects && (req.method === 'GET' || req.method === 'HEAD')) return await objects(req, res); // S3 GetObject/HeadObject: objects-route.ts
      const body = await readBody(req);
      if (body === 'too-large') {
        const err = RequestEntityTooLarge(`Request body exceeds the ${MAX_BODY_BYTES}-byte limit.`);
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
  return server;
}
