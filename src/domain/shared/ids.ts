import { randomBytes, randomUUID } from 'node:crypto';

/** Injected id source, so domain tests can control it. */
export interface Ids {
  uuid(): string;
  hex(bytes: number): string;
}
export const randomIds: Ids = { uuid: () => randomUUID(), hex: (n) => randomBytes(n).toString('hex') };
