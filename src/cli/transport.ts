// Sending one AWS JSON 1.1 request: signing, timeouts, TLS options and the standard retry mode
// (3 attempts, retrying connection failures, 5xx and throttling errors with jittered backoff).
import { readFileSync } from 'node:fs';
import { GeneralError, ServiceError } from './errors.js';
import { signRequest } from './sigv4.js';
import { metadata } from '../api/index.js';
import type { Credentials } from './config.js';

export interface TransportOptions {
  endpoint: string;
  region: string;
  credentials?: Credentials;       // undefined: unsigned (--no-sign-request)
  verifySsl: boolean;
  caBundle?: string;
  connectTimeout: number;          // seconds, 0 = none
  readTimeout: number;
  maxAttempts: number;
  debug?: (logger: string, msg: string) => void;
  userAgent: string;
}

export interface RawResponse { status: number; body: string }

const THROTTLE = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException', 'TooManyRequestsException',
  'ProvisionedThroughputExceededException', 'TransactionInProgressException', 'RequestLimitExceeded', 'BandwidthLimitExceeded',
  'LimitExceededException', 'RequestThrottled', 'SlowDown', 'PriorRequestNotComplete', 'EC2ThrottledException', 'RequestTimeout',
  'RequestTimeoutException']);

export function errorCodeOf(status: number, body: string): { code: string; message: string } {
  let parsed: Record<string, unknown> = {};
  try { const p = JSON.parse(body); if (p && typeof p === 'object') parsed = p; } catch { /* not JSON */ }
  let code = String(parsed.__type ?? parsed.code ?? parsed.Code ?? '');
  if (code.includes('#')) code = code.slice(code.lastIndexOf('#') + 1);
  if (code.includes(':')) code = code.slice(0, code.indexOf(':'));
  if (!code) code = String(status);
  const message = String(parsed.Message ?? parsed.message ?? '');
  return { code, message };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendJson(operation: string, payload: string, o: TransportOptions): Promise<RawResponse> {
  const url = new URL(o.endpoint);
  const lib = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  let attempt = 0;
  for (;;) {
    attempt++;
    let headers: Record<string, string> = {
      'content-type': `application/x-amz-json-${metadata.jsonVersion}`,
      'x-amz-target': `${metadata.targetPrefix}.${operation}`,
      host: url.host,
      'user-agent': o.userAgent,
      'content-length': String(Buffer.byteLength(payload)),
    };
    if (o.credentials) {
      headers = signRequest({ method: 'POST', url, headers, body: payload, region: o.region, service: metadata.signingName,
        accessKeyId: o.credentials.accessKeyId, secretAccessKey: o.credentials.secretAccessKey, sessionToken: o.credentials.sessionToken });
    }
    o.debug?.('osprey.http', `Sending http request: POST ${url.href} ${operation} body=${payload}`);
    let res: RawResponse;
    try {
      res = await new Promise<RawResponse>((resolve, reject) => {
        const req = lib.request(url, {
          method: 'POST', headers,
          rejectUnauthorized: o.verifySsl,
          ca: o.caBundle ? readFileSync(o.caBundle) : undefined,
        }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          r.on('error', reject);
        });
        if (o.connectTimeout > 0) {
          const t = setTimeout(() => req.destroy(Object.assign(new Error('connect timeout'), { code: 'CONNECT_TIMEOUT' })), o.connectTimeout * 1000);
          // a kept-alive socket is already connected: no connect event will come for it
          req.on('socket', (s) => {
            if (!s.connecting) { clearTimeout(t); return; }
            const ev = url.protocol === 'https:' ? 'secureConnect' : 'connect';
            const done = () => clearTimeout(t);
            s.once(ev, done);
            req.once('close', () => s.off(ev, done));
          });
          req.on('close', () => clearTimeout(t));
        }
        if (o.readTimeout > 0) req.setTimeout(o.readTimeout * 1000, () => req.destroy(Object.assign(new Error('read timeout'), { code: 'READ_TIMEOUT' })));
        req.on('error', reject);
        req.end(payload);
      });
    } catch (e) {
      o.debug?.('osprey.http', `Exception received when sending request: ${(e as Error).message}`);
      if (attempt < o.maxAttempts) { await sleep(Math.random() * Math.min(20, 2 ** (attempt - 1)) * 1000); continue; }
      const code = (e as NodeJS.ErrnoException).code;
      const where = url.href;
      if (code === 'CONNECT_TIMEOUT') throw new GeneralError(`Connect timeout on endpoint URL: "${where}"`);
      if (code === 'READ_TIMEOUT') throw new GeneralError(`Read timeout on endpoint URL: "${where}"`);
      if (code && /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
        throw new GeneralError(`SSL validation failed for ${where} ${(e as Error).message}`);
      }
      throw new GeneralError(`Could not connect to the endpoint URL: "${where}"`);
    }
    o.debug?.('osprey.http', `Response status=${res.status} body=${res.body}`);
    if (res.status >= 200 && res.status < 300) return res;
    const { code, message } = errorCodeOf(res.status, res.body);
    const retryable = res.status >= 500 || THROTTLE.has(code);
    if (retryable && attempt < o.maxAttempts) { await sleep(Math.random() * Math.min(20, 2 ** (attempt - 1)) * 1000); continue; }
    const retries = attempt > 1 || o.maxAttempts === 1 ? attempt - 1 : undefined;
    throw new ServiceError(code, operation, message, retries);
  }
}
