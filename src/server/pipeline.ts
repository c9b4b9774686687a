// The request pipeline, in order:
//   request-id → route (X-Amz-Target) → authenticate → decode → validate → authorize → invoke → encode
//   on error → encode-error; always → access log.
import { randomUUID } from 'node:crypto';
import { metadata, serverOperations as operations } from '../api/index.js';
import {
  InternalServerError, RequestEntityTooLarge, Serialization, ServiceError, UnknownOperation,
} from '../protocol/errors.js';
import { CONTENT_TYPE, encodeError, encodeOutput, jsonNesting, MAX_JSON_NESTING } from '../protocol/json.js';
import { validateInput } from '../protocol/validate.js';
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

function header(req: RawRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class Pipeline {
  constructor(private readonly deps: {
    handlers: CompleteHandlerTable; authenticator: Authenticator; authorize: Authorizer; log: Logger;
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
