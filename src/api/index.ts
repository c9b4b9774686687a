// The operation table: every Custom Labels operation's shapes, constraints, errors, paginators and
// waiters. model.json is derived from the botocore service model by scripts/gen-api.mjs (structural
// facts only); test/api/model.test.ts holds it against the botocore model installed on the machine.
import model from './model.json' with { type: 'json' };
import { extensionOperations, extensionShapes } from './extensions.js';

export type ShapeType = 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'blob' | 'timestamp';

export interface ShapeRef { shape: string }

export interface Shape {
  type: ShapeType;
  required?: string[];
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  exception?: boolean;
  fault?: boolean;
}

export interface Operation { name: string; input: string; output: string; errors: string[] }

export interface Paginator { input_token: string; output_token: string; limit_key: string; result_key: string }

export interface WaiterAcceptor { state: 'success' | 'failure' | 'retry'; matcher: string; argument?: string; expected: unknown }
export interface Waiter { operation: string; delay: number; maxAttempts: number; acceptors: WaiterAcceptor[] }

export const metadata = model.metadata;
export const shapes = model.shapes as unknown as Record<string, Shape>;
export const operations: Record<string, Operation> = Object.fromEntries(
  Object.entries(model.operations).map(([name, o]) => [name, { name, ...o }]),
);
export const paginators = model.paginators as Record<string, Paginator>;
export const waiters = model.waiters as unknown as Record<string, Waiter>;
export const operationNames = Object.keys(operations);

/** Every operation the server routes: AWS's (`operations`) plus Osprey's extensions (./extensions.ts). */
export const serverOperations: Record<string, Operation> = { ...operations, ...extensionOperations };
export const serverOperationNames = Object.keys(serverOperations);

export function shape(name: string): Shape {
  const s = shapes[name] ?? extensionShapes[name];
  if (!s) throw new Error(`unknown shape ${name}`);
  return s;
}

/** CopyProjectVersion → copy-project-version (the AWS CLI's naming). */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase();
}
