// AWS Signature Version 4 for one JSON 1.1 POST, with node:crypto only: loading a signing library
// would cost more cold-start time than the whole algorithm (docs/cli.md, "Cold start").
import { createHash, createHmac } from 'node:crypto';

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  now?: Date;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const hmac = (k: string | Buffer, s: string) => createHmac('sha256', k).update(s).digest();

function uriEncode(s: string, keepSlash: boolean): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(keepSlash ? /%2F/g : /$^/g, '/');
}

/** Adds X-Amz-Date, X-Amz-Security-Token and Authorization to `headers`. */
export function signRequest(req: SignInput): Record<string, string> {
  const now = req.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...req.headers, 'x-amz-date': amzDate };
  if (req.sessionToken) headers['x-amz-security-token'] = req.sessionToken;
  const lower = Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = lower.map(([k]) => k).join(';');
  const path = req.url.pathname.split('/').map((p) => uriEncode(decodeURIComponent(p), false)).join('/') || '/';
  const query = [...req.url.searchParams.entries()].map(([k, v]) => `${uriEncode(k, false)}=${uriEncode(v, false)}`).sort().join('&');
  const canonical = [req.method, path, query, lower.map(([k, v]) => `${k}:${v}\n`).join(''), signedHeaders, sha256(req.body)].join('\n');
  const scope = `${date}/${req.region}/${req.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + req.secretAccessKey, date);
  key = hmac(key, req.region);
  key = hmac(key, req.service);
  key = hmac(key, 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${req.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
