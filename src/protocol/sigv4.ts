// SigV4 for the server: parse the Authorization header (region, access key, signed headers) and,
// in strict mode, verify the signature by re-signing the request with @smithy/signature-v4.
// The service a credential must be scoped to is the caller's to say (`rekognition` for the JSON
// API, `s3` for the object route): one parser and one verifier serve every protocol.
import { createHash, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { IncompleteSignature, InvalidSignature, MissingAuthenticationToken } from './errors.js';

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw MissingAuthenticationToken('Missing Authentication Token');
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    throw IncompleteSignature(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${header.split(' ')[0]}`);
  }
  const parts: Record<string, string> = {};
  for (const piece of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = piece.indexOf('=');
    if (eq > 0) parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !parts[k]);
  if (missing.length) {
    throw IncompleteSignature(missing.map((k) => `Authorization header requires '${k}' parameter.`).join(' ') + ` Authorization=${header}`);
  }
  const scope = parts.Credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1]) || !scope[0]) {
    throw IncompleteSignature(`Credential should be scoped to a valid region, and to a valid service. Credential=${parts.Credential}`);
  }
  return {
    accessKeyId: scope[0], date: scope[1], region: scope[2], service: scope[3],
    signedHeaders: parts.SignedHeaders.split(';'), signature: parts.Signature,
  };
}

/** Region names as ARNs carry them (src/domain/shared/arn.ts); any such name is served. */
const REGION = /^[a-z\d-]{1,64}$/;

/**
 * The credential scope must name `service` (as AWS answers: InvalidSignatureException "Credential
 * should be scoped to correct service: 'rekognition'.") and a region name; the region becomes the
 * region of the request.
 */
export function checkScope(auth: ParsedAuthorization, service: string): void {
  if (auth.service !== service) throw InvalidSignature(`Credential should be scoped to correct service: '${service}'. `);
  if (!REGION.test(auth.region)) throw InvalidSignature(`Credential should be scoped to a valid region, not '${auth.region}'. `);
}

export interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Decoded query parameters (the S3 object route); absent = none, as for POST / JSON requests. */
  query?: Record<string, string>;
}

function amzDate(headers: SignedRequest['headers']): Date {
  const raw = headers['x-amz-date'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  const m = value?.match(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/);
  if (!m) throw IncompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** Verifies the request's signature with the given secret; throws InvalidSignatureException. */
export async function verifySignature(req: SignedRequest, auth: ParsedAuthorization, secretAccessKey: string, now: Date): Promise<void> {
  const signedAt = amzDate(req.headers);
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_SKEW_MS) {
    throw InvalidSignature(`Signature expired: ${req.headers['x-amz-date']} is now earlier than ${new Date(now.getTime() - MAX_SKEW_MS).toISOString().replace(/[-:]|\.\d{3}/g, '')} (${now.toISOString().replace(/[-:]|\.\d{3}/g, '')} - 15 min.)`);
  }
  // A signed x-amz-content-sha256 stands in for the body in the signature, so it must match the body.
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== createHash('sha256').update(req.body).digest('hex')) {
    throw InvalidSignature('The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v === undefined) throw InvalidSignature('The request signature we calculated does not match the signature you provided.');
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const signer = new SignatureV4({
    service: auth.service, region: auth.region, sha256: Sha256,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey },
    applyChecksum: false, uriEscapePath: true,
  });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: headers.host ?? '', path: req.path, headers, body: req.body, query: req.query ?? {} },
    { signingDate: signedAt, signableHeaders: new Set(auth.signedHeaders), unsignableHeaders: new Set() },
  );
  const got = (signed.headers.authorization ?? signed.headers.Authorization ?? '').match(/Signature=([0-9a-f]+)/)?.[1];
  if (!got || !sameText(got, auth.signature)) {
    throw InvalidSignature('The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  }
}

/** Constant-time comparison (the time taken does not tell how many leading characters match). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
