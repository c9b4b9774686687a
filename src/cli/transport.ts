// Sending requests through @aws-sdk/client-rekognition, so that a command works against Osprey and
// against AWS alike: the SDK serialises the input, signs it (SigV4, or nothing with
// --no-sign-request), retries and sends it over its NodeHttpHandler. What the CLI adds:
//  - the AWS CLI's retry behaviour: standard mode, `max_attempts` (3) attempts, backoff
//    rand(0,1) × min(2^(n−1), 20) s, through the SDK's ConfiguredRetryStrategy. The retry quota is the
//    SDK's (500 tokens; its 2026 costs, 14 per retry and 5 per throttling retry, where botocore
//    charges 5 and 10 per timeout: only a long run of failures tells them apart);
//  - --cli-connect-timeout / --cli-read-timeout (0 = no limit) as the handler's connection and socket
//    idle timeouts, --no-verify-ssl / --ca-bundle on its https agent;
//  - one middleware per attempt, innermost (inside the SDK's deserializer), that keeps the raw
//    response: the formatters print the response as the AWS CLI does, from the JSON text (Python's
//    number model: `95.0` stays a float; timestamps as sent), not from the SDK's deserialised output.
//    It also writes the --debug lines and, for service errors, reads code and message from the body
//    the way botocore does;
//  - the endpoint's path kept as given (`http://h/p` posts to `/p` as botocore does; the SDK would
//    post to `/p/`) and the user agent `osprey-cli/… command/rekognition.<command>`.
// The SDK itself is loaded from ./sdk.js only when the first request is sent (see there for why).
import { readFileSync } from 'node:fs';
import { GeneralError, ServiceError } from './errors.js';
import type { Credentials } from './config.js';
import type { RekognitionClient } from './sdk.js';

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

export interface Transport {
  /** Sends one operation; resolves with the raw 2xx response, throws ServiceError or GeneralError. */
  send(operation: string, input: Record<string, unknown>): Promise<RawResponse>;
  close(): void;
}

/** Error code and message of an error response, by botocore's rules for JSON protocols. */
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

/** The AWS CLI's standard-mode backoff before retry `n` (1-based), in milliseconds. */
export const cliBackoff = (n: number): number => Math.random() * Math.min(20, 2 ** (n - 1)) * 1000;

type Stack = RekognitionClient['middlewareStack'];
type StackMw = Parameters<Stack['addRelativeTo']>[0];
interface MwArgs { request: unknown; input: unknown }
interface MwOut { response: unknown; output: unknown }
/** A middleware in the SDK's shape, with the request and response typed only as far as the CLI uses them. */
const middleware = (f: (next: (a: MwArgs) => Promise<MwOut>) => (a: MwArgs) => Promise<MwOut>) => f as unknown as StackMw;

interface Attempt { response?: RawResponse; error?: Error }

export async function openTransport(o: TransportOptions): Promise<Transport> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('./sdk.js');
  const url = new URL(o.endpoint);
  const where = url.href;
  const https = url.protocol === 'https:' ? await import('node:https') : undefined;
  const debug = o.debug;
  const sdkLog = (level: string) => (...args: unknown[]) => debug?.('osprey.sdk', `${level}: ${args.map(logText).join(' ')}`);
  const client = new sdk.RekognitionClient({
    endpoint: o.endpoint,
    region: o.region,
    credentials: o.credentials
      ? { accessKeyId: o.credentials.accessKeyId, secretAccessKey: o.credentials.secretAccessKey, sessionToken: o.credentials.sessionToken }
      : undefined,
    // --no-sign-request: the SDK's no-auth scheme instead of SigV4
    ...(o.credentials ? {} : {
      httpAuthSchemeProvider: () => [{ schemeId: 'smithy.api#noAuth' }],
      httpAuthSchemes: [{ schemeId: 'smithy.api#noAuth', identityProvider: () => async () => ({}), signer: { sign: async <R>(r: R) => r } }],
    }),
    maxAttempts: o.maxAttempts,
    retryMode: 'standard',
    retryStrategy: new sdk.ConfiguredRetryStrategy(o.maxAttempts, cliBackoff),
    requestHandler: {
      connectionTimeout: o.connectTimeout * 1000,
      socketTimeout: o.readTimeout * 1000,
      httpsAgent: https
        ? new https.Agent({ keepAlive: true, rejectUnauthorized: o.verifySsl, ca: o.caBundle ? readCaBundle(o.caBundle, where) : undefined })
        : undefined,
    },
    // settings the SDK would otherwise look up in the environment and ~/.aws/config: the CLI has
    // resolved its configuration already (docs/cli.md, "Configuration")
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    userAgentAppId: async () => undefined,
    authSchemePreference: async () => [],
    ...(debug ? { logger: { trace: () => undefined, debug: sdkLog('debug'), info: sdkLog('info'), warn: sdkLog('warn'), error: sdkLog('error') } } : {}),
  });

  let operation = '';
  let last: Attempt = {};
  const stack = client.middlewareStack;
  const endpointPath = url.pathname;
  stack.addRelativeTo(middleware((next) => async (args) => {
    const req = args.request as { headers: Record<string, string>; path: string };
    req.headers['user-agent'] = o.userAgent;
    if (endpointPath !== '/' && !endpointPath.endsWith('/') && req.path === `${endpointPath}/`) req.path = endpointPath;
    return next(args);
  }), { name: 'ospreyRequestShape', relation: 'after', toMiddleware: 'getUserAgentMiddleware' });
  stack.addRelativeTo(middleware((next) => async (args) => {
    const req = args.request as { body?: unknown };
    last = {};
    if (debug) debug('osprey.http', `Sending http request: POST ${where} ${operation} body=${bodyText(req.body)}`);
    try {
      const out = await next(args);
      const res = out.response as { statusCode: number; body: unknown };
      const bytes = await readAll(res.body);
      const body = Buffer.from(bytes).toString('utf8');
      res.body = bytes;
      last = { response: { status: res.statusCode, body } };
      debug?.('osprey.http', `Response status=${res.statusCode} body=${body}`);
      return out;
    } catch (e) {
      last = { error: e as Error };
      debug?.('osprey.http', `Exception received when sending request: ${(e as Error).message}`);
      throw e;
    }
  }), { name: 'ospreyRawResponse', relation: 'after', toMiddleware: 'deserializerMiddleware' });

  return {
    async send(op, input) {
      const Command = sdk.commands[op as keyof typeof sdk.commands];
      if (!Command) throw new GeneralError(`Unknown operation: ${op}`);
      operation = op;
      last = {};
      try {
        await client.send(new (Command as unknown as new (i: Record<string, unknown>) => Parameters<RekognitionClient['send']>[0])(input));
      } catch (e) {
        const err = e as Error & { $metadata?: { attempts?: number } };
        const res = last.response;
        // a 2xx answer the SDK could not deserialise is still printed the AWS CLI's way, from its JSON
        if (res && res.status >= 200 && res.status < 300) return res;
        if (res) {
          const attempts = err.$metadata?.attempts ?? 1;
          const { code, message } = errorCodeOf(res.status, res.body);
          throw new ServiceError(code, op, message, attempts > 1 || o.maxAttempts === 1 ? attempts - 1 : undefined);
        }
        throw connectionError(last.error ?? err, where);
      }
      return last.response!;
    },
    close() { client.destroy(); },
  };
}

const ERRNO: Record<string, string> = { ENOENT: '[Errno 2] No such file or directory', EACCES: '[Errno 13] Permission denied', EISDIR: '[Errno 21] Is a directory' };

/** The --ca-bundle file; one that cannot be read fails the way the AWS CLI reports it. */
function readCaBundle(path: string, where: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new GeneralError(`SSL validation failed for ${where} ${ERRNO[code] ?? (e as Error).message}`);
  }
}

/** A request that got no response, in the AWS CLI's words (the timeout texts are @smithy/node-http-handler's). */
export function connectionError(e: Error & { code?: string }, where: string): GeneralError {
  const code = e.code ?? '';
  if (e.name === 'TimeoutError' && /establish a connection/.test(e.message)) return new GeneralError(`Connect timeout on endpoint URL: "${where}"`);
  if (e.name === 'TimeoutError' && /inactivity/.test(e.message)) return new GeneralError(`Read timeout on endpoint URL: "${where}"`);
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return new GeneralError(`SSL validation failed for ${where} ${e.message}`);
  if (code || e.name === 'TimeoutError') return new GeneralError(`Could not connect to the endpoint URL: "${where}"`);
  // not a connection failure: the SDK refused the request before sending it
  return new GeneralError(e.message);
}

/** A request body as text (the SDK's JSON body is bytes whose string methods warn: read the bytes). */
function bodyText(b: unknown): string {
  if (typeof b === 'string') return b;
  if (b instanceof Uint8Array) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  return '';
}

async function readAll(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new Uint8Array(Buffer.from(body, 'utf8'));
  const chunks: Buffer[] = [];
  if (body && typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function') {
    for await (const c of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(c));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function logText(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? `<${x.byteLength} bytes>` : x instanceof Error ? `${x.name}: ${x.message}` : x));
  } catch {
    return String(v);
  }
}
