// This node's membership of the cluster (docs/scale-out.md, "Nodes and heartbeats"): its row in the
// shared `nodes` table, renewed every HEARTBEAT_MS. A node whose row is older than DEAD_AFTER_MS
// (MISSED_BEATS missed beats) is dead: other nodes re-place its inference units and may treat its
// jobs as orphaned. A clean shutdown deletes the row, so the others act at once.
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../../server/logger.js';
import type { NodeRecord, NodeStore } from '../../storage/ports.js';

/** Milliseconds between two heartbeats of a node. */
export const HEARTBEAT_MS = 2000;
/** Heartbeats a node may miss before the others declare it dead. */
export const MISSED_BEATS = 3;
/** A node whose last heartbeat is older than this is dead (6 s). */
export const DEAD_AFTER_MS = HEARTBEAT_MS * MISSED_BEATS;

export interface NodeIdentity { nodeId: string; advertiseUrl: string }

/** Work done right after each heartbeat (placement checks); errors are logged, never fatal. */
export type BeatListener = () => Promise<void>;

export class Membership {
  identity?: NodeIdentity;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private readonly listeners: BeatListener[] = [];

  constructor(private readonly deps: { nodes: NodeStore; clock: Clock; log: Logger; beatMs?: number; deadAfterMs?: number }) {}

  get beatMs(): number { return this.deps.beatMs ?? HEARTBEAT_MS; }
  get deadAfterMs(): number { return this.deps.deadAfterMs ?? DEAD_AFTER_MS; }

  /**
   * Writes the first heartbeat (throws when the database refuses it) and beats from then on.
   * `alone`: this node owns the database (embedded SQLite), so every other row is a previous run's.
   */
  async join(identity: NodeIdentity, opts: { alone?: boolean } = {}): Promise<void> {
    this.identity = identity;
    if (opts.alone) for (const n of await this.deps.nodes.list()) if (n.id !== identity.nodeId) await this.deps.nodes.leave(n.id);
    await this.deps.nodes.heartbeat({ id: identity.nodeId, url: identity.advertiseUrl }, this.deps.clock.now());
    this.deps.log.info('node joined', { nodeId: identity.nodeId, url: identity.advertiseUrl });
    this.timer = setInterval(() => { if (!this.beating) this.beating = this.beat().finally(() => { this.beating = undefined; }); }, this.beatMs);
    this.timer.unref();
  }

  onBeat(fn: BeatListener): void { this.listeners.push(fn); }

  /** Whether a node row counts as live at `now`. */
  isLive(node: Pick<NodeRecord, 'heartbeatAt'>, now = this.deps.clock.now()): boolean {
    return node.heartbeatAt.getTime() >= now.getTime() - this.deadAfterMs;
  }

  private async beat(): Promise<void> {
    const id = this.identity!;
    try {
      await this.deps.nodes.heartbeat({ id: id.nodeId, url: id.advertiseUrl }, this.deps.clock.now());
    } catch (e) {
      this.deps.log.error('heartbeat failed', { nodeId: id.nodeId, error: String(e) });
      return;
    }
    for (const fn of this.listeners) await fn().catch((e) => this.deps.log.error('after-heartbeat check failed', { error: e instanceof Error ? e.stack : String(e) }));
  }

  /** Stops beating and deletes this node's row (its units are re-placed by the others at once). */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.beating;
    if (this.identity) await this.deps.nodes.leave(this.identity.nodeId).catch(() => undefined);
  }
}
