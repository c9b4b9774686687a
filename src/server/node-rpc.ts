// Node-to-node inference (docs/scale-out.md, "Models across nodes"): a node that holds no unit of a
// version sends DetectCustomLabels' image to a node that does. Not part of the AWS API and not
// reachable without the cluster's shared server key:
//
//   POST /_osprey/node/infer            body: the image bytes (already authorised and read by the sender)
//   x-osprey-version-arn: <version ARN>
//   x-osprey-node-date: <epoch ms>      refused when more than MAX_SKEW_MS away from the receiver's clock
//   x-osprey-node-signature: hex HMAC-SHA256 over "osprey-node-v1\nPOST\n/_osprey/node/infer\n<arn>\n<date>\n<hex SHA-256 of the body>"
//
// with the key HKDF(OSPREY_MASTER_KEY, "osprey-node-rpc"). Any unsigned, mis-signed or stale request
// is 403 before the body is used. A replay within the window can only repeat an inference (no state
// changes). Answers: 200 {kind, labels, thresholds, output: base64 float32}; 429 PoolFull; 422
// ImageRejected {check, message}; 409 NotHosted; 403 AccessDenied; 400/413 bad request; 500 Internal.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ImageRejected, PoolClosed, PoolFull } from '../domain/hosting/pool.js';
import { PeerUnavailable, type PeerInference, type UnitReply } from '../domain/hosting/remote.js';
import type { ImageCheck } from '../domain/hosting/limits.js';
import { subkey } from '../domain/keys/master.js';

export const NODE_INFER_PATH = '/_osprey/node/infer';
/** Largest image a node forwards (Image.S3Object's 15 MiB, plus room). */
const MAX_BODY = 16 * 1024 * 1024;
export const MAX_SKEW_MS = 60_000;
/** A holder that does not answer within this is skipped (the next holder is tried). */
const TIMEOUT_MS = 30_000;

export function nodeRpcKey(secret: Buffer): Buffer { return subkey(secret, 'osprey-node-rpc'); }

function signature(key: Buffer, arn: string, date: string, body: Buffer): Buffer {
  const digest = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', key).update(['osprey-node-v1', 'POST', NODE_INFER_PATH, arn, date, digest].join('\n')).digest();
}

/** The sending side: PeerInference over HTTP(S), keep-alive connections per destination. */
export class HttpPeers implements PeerInference {
  private readonly http = new Agent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  constructor(private readonly key: Buffer, private readonly now: () => number = Date.now) {}

  infer(nodeUrl: string, versionArn: string, bytes: Buffer): Promise<UnitReply> {
    const date = String(this.now());
    const url = new URL(NODE_INFER_PATH, nodeUrl);
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'POST', agent: secure ? this.https : this.http, timeout: TIMEOUT_MS,
        headers: {
          'content-type': 'application/octet-stream', 'content-length': bytes.length, 'x-osprey-version-arn': versionArn,
          'x-osprey-node-date': date, 'x-osprey-node-signature': signature(this.key, versionArn, date, bytes).toString('hex'),
        },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new PeerUnavailable(`${nodeUrl}: ${e.message}`)));
        res.on('end', () => {
          let body: Record<string, unknown>;
          try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { return reject(new PeerUnavailable(`${nodeUrl} answered ${res.statusCode} without JSON`)); }
          if (res.statusCode === 200) {
            const raw = Buffer.from(String(body.output), 'base64');
            const output = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
            return resolve({ kind: body.kind as UnitReply['kind'], labels: body.labels as string[], thresholds: body.thresholds as number[], output });
          }
          const message = String(body.message ?? '');
          if (body.error === 'PoolFull') return reject(new PoolFull(message));
          if (body.error === 'ImageRejected') return reject(new ImageRejected(body.check as ImageCheck, message));
          reject(new PeerUnavailable(`${nodeUrl} answered ${res.statusCode} ${String(body.error)}: ${message}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
      req.on('error', (e) => reject(new PeerUnavailable(`${nodeUrl}: ${e.message}`)));
      req.end(bytes);
    });
  }

  close(): void { this.http.destroy(); this.https.destroy(); }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => { size += c.length; if (size <= MAX_BODY) chunks.push(c); });
    req.on('end', () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Runs a forwarded image on this node's units (HostingService.serveUnit, or the leader's through IPC). */
export type ServeUnit = (arn: string, bytes: Buffer) => Promise<UnitReply>;

/** The receiving side, for createHttpServer: handles NODE_INFER_PATH and returns true, else false. */
export function nodeRoute(key: Buffer, serve: ServeUnit, now: () => number = Date.now) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if ((req.url ?? '').split('?')[0] !== NODE_INFER_PATH) return false;
    if (req.method !== 'POST') { reply(res, 405, { error: 'MethodNotAllowed', message: 'POST only' }); return true; }
    const arn = req.headers['x-osprey-version-arn'];
    const date = req.headers['x-osprey-node-date'];
    const sig = req.headers['x-osprey-node-signature'];
    const body = await readBody(req);
    if (body === undefined) { reply(res, 413, { error: 'TooLarge', message: `the body exceeds ${MAX_BODY} bytes` }); return true; }
    const given = typeof sig === 'string' && /^[0-9a-f]{64}$/.test(sig) ? Buffer.from(sig, 'hex') : undefined;
    const fresh = typeof date === 'string' && /^\d{1,15}$/.test(date) && Math.abs(now() - Number(date)) <= MAX_SKEW_MS;
    if (typeof arn !== 'string' || !given || !fresh || !timingSafeEqual(given, signature(key, arn, date as string, body))) {
      reply(res, 403, { error: 'AccessDenied', message: 'node request signature missing, invalid or expired' });
      return true;
    }
    try {
      const r = await serve(arn, body);
      reply(res, 200, { kind: r.kind, labels: r.labels, thresholds: r.thresholds, output: Buffer.from(r.output.buffer, r.output.byteOffset, r.output.byteLength).toString('base64') });
    } catch (e) {
      if (e instanceof PoolFull) reply(res, 429, { error: 'PoolFull', message: e.message });
      else if (e instanceof ImageRejected) reply(res, 422, { error: 'ImageRejected', check: e.check, message: e.message });
      else if (e instanceof PoolClosed) reply(res, 409, { error: 'NotHosted', message: e.message });
      else reply(res, 500, { error: 'Internal', message: 'the unit failed' });
    }
    return true;
  };
}
