// The request pipeline, one for both protocols, in order:
//   request-id → route → authenticate → decode → validate → authorize → invoke → encode
//   on error → encode-error; always → access log.
// AWS JSON 1.1 (Rekognition): POST / routed by X-Amz-Target, bodies buffered (handle()).
// S3 REST-XML: routed by method, bucket, key and sub-resource (protocol/s3/route.ts); object bodies
// stay streams both ways (handleS3()); the authorize stage decides the operation's S3 permissions
// (domain/s3/permissions.ts: identity and bucket policies, bucket owner) before its handler runs.
import { randomUUID } from 'node:crypto';
import { metadata, serverOperations as operations } from '../api/index.js';
import {
  InternalServerError, RequestEntityTooLarge, Serialization, ServiceError, UnknownOperation,
} from '../protocol/errors.js';
import { CONTENT_TYPE, encodeError, encodeOutput, jsonNesting, MAX_JSON_NESTING } from '../protocol/json.js';
import { validateInput } from '../protocol/validate.js';
import type { Readable } from 'node:stream';
import { S3, S3Error } from '../protocol/s3-errors.js';
import { routeS3 } from '../protocol/s3/route.js';
import { xmlError } from '../protocol/s3/xml.js';
import type { S3Handler, S3Response } from '../handlers/s3/types.js';
import type { S3Access } from '../domain/s3/service.js';
import type { Authenticated, Authenticator } from './auth.js';
import type { Logger } from './logger.js';

export interface RequestContext {
  requestId: string;
  operation: string;
  caller: Authenticated;
}

export type Handler = (ctx: RequestContext, input: any) => Promise<unknown>;
export type HandlerTable = Partial<Record<string, Handler>>;
/** Every modelled operation has a handler (checked when the pipeline is built). */
export type CompleteHandlerTable = Record<string, Handler>;

/** Checks the caller's identity policy for an action (strict mode); throws AccessDenied. */
export type Authorizer = (ctx: RequestContext, input: Record<string, unknown>) => void;

export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

function header(req: { headers: RawRequest['headers'] }, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class Pipeline {
  constructor(private readonly deps: {
    handlers: CompleteHandlerTable; authenticator: Authenticator; authorize: Authorizer; log: Logger;
    /** S3 operation name → handler (handlers/s3). */
    s3?: Record<string, S3Handler>;
    /** The S3 authorize stage: the permissions an operation needs, for this caller (S3Service.authorizeRequest). */
    s3Authorize?: (caller: Authenticated, operation: string, target: { bucket?: string; key?: string; copySource?: { bucket: string; key: string } }) => Promise<S3Access>;
  }) {}

  async handle(req: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    let operation = '-';
    let response: RawResponse;
    try {
      operation = this.route(req);
      const caller = await this.deps.authenticator.authenticate(req, metadata.signingName);
      if (req.body.length > MAX_BODY_BYTES) throw RequestEntityTooLarge(`Request body of ${req.body.length} bytes exceeds the ${MAX_BODY_BYTES}-byte limit.`);
      const ctx: RequestContext = { requestId, operation, caller };
      const input = validateInput(operations[operation].input, decode(req.body));
      this.deps.authorize(ctx, input);
      const output = await this.deps.handlers[operation](ctx, input);
      response = { status: 200, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId }, body: encodeOutput(output) };
    } catch (e) {
      const err = e instanceof ServiceError ? e : this.internal(e, requestId, operation);
      response = {
        status: err.status,
        headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
        body: encodeError(err, requestId),
      };
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.status >= 500 || this.logAccess) this.deps.log.info('request', { id: requestId, op: operation, status: response.status, ms: Math.round(ms * 100) / 100 });
    return response;
  }

  logAccess = false;

  /** An S3 request; the body is read (streamed) by the operation that needs it. */
  async handleS3(req: { method: string; url: string; headers: RawRequest['headers']; body: Readable }): Promise<S3Response> {
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const started = process.hrtime.bigint();
    let operation = 's3:-';
    let response: S3Response;
    try {
      const route = routeS3(req.method, req.url, header(req, 'host'), header(req, 'x-amz-copy-source'));
      operation = `s3:${route.operation}`;
      const { caller, signing } = await this.deps.authenticator.authenticateS3({ method: req.method, rawPath: route.rawPath, query: route.query, headers: req.headers });
      const handler = this.deps.s3?.[route.operation];
      if (!handler || !this.deps.s3Authorize) throw S3.NotImplemented();
      const access = await this.deps.s3Authorize(caller, route.operation, route);
      response = await handler({ requestId, caller, signing, access }, { route, headers: req.headers, body: req.body });
      response.headers = { ...response.headers, 'x-amz-request-id': requestId };
    } catch (e) {
      const err = e instanceof S3Error ? e : e instanceof ServiceError && e.status < 500 ? new S3Error(e.code, e.message, e.status)
        : clientWentAway(e) ? S3.IncompleteBody('The client closed the connection before the request body ended.') : this.s3Internal(e, requestId, operation);
      const body = req.method === 'HEAD' ? undefined : xmlError(err.code, err.message, requestId, err.extra);
      response = { status: err.status, headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId }, body };
      // A body the operation did not read is not drained: the connection closes after the answer.
      const received = (req.body as { complete?: boolean }).complete ?? req.body.readableEnded;
      if (!received) response.headers!.connection = 'close';
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (response.status >= 500 || this.logAccess) this.deps.log.info('request', { id: requestId, op: operation, status: response.status, ms: Math.round(ms * 100) / 100 });
    return response;
  }

  private s3Internal(e: unknown, requestId: string, operation: string): S3Error {
    this.deps.log.error('internal error', { id: requestId, op: operation, error: e instanceof Error ? e.stack : String(e) });
    return S3.InternalError();
  }

  private route(req: RawRequest): string {
    const target = header(req, 'x-amz-target');
    if (req.method !== 'POST' || !target) throw UnknownOperation('Missing or unsupported X-Amz-Target: expected POST / with X-Amz-Target: RekognitionService.<Operation>.');
    const [prefix, op] = target.split('.', 2);
    if (prefix !== metadata.targetPrefix || !op || !Object.hasOwn(operations, op)) {
      throw UnknownOperation(`Unknown operation ${target}.`);
    }
    return op;
  }

  private internal(e: unknown, requestId: string, operation: string): ServiceError {
    this.deps.log.error('internal error', { id: requestId, op: operation, error: e instanceof Error ? e.stack : String(e) });
    return InternalServerError(`An internal error occurred (request ${requestId}).`);
  }
}

/** The error a request body fails with when its client closes the connection (node:http's "aborted"). */
function clientWentAway(e: unknown): boolean {
  return e instanceof Error && ((e as NodeJS.ErrnoException).code === 'ECONNRESET' || e.message === 'aborted');
}

function decode(body: Buffer): unknown {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw Serialization('The request body is not valid JSON.');
  }
  const depth = jsonNesting(value);
  if (depth > MAX_JSON_NESTING) throw Serialization(`The request body nests arrays and objects more than ${MAX_JSON_NESTING} levels deep.`);
  return value;
}
