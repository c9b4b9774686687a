// Inference units across nodes (docs/scale-out.md, "Models across nodes"). The `placements` table
// says which node holds which unit of each hosted version; each node loads exactly its own units and
// answers DetectCustomLabels for a version it does not hold by forwarding the image to a node that
// does (remote.ts). After each heartbeat every node: moves the units of dead nodes to live ones
// (NodeStore.place, serialised in the database, so a unit moves once), then makes its loaded models
// match its placements. The embedded (SQLite) server is one node: it records every unit on itself.
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../../server/logger.js';
import type { NodeStore, PlacementRecord, VersionRecord, VersionStore } from '../../storage/ports.js';
import type { Membership } from '../nodes/membership.js';

/** A version's units in this process: the hosting service's worker pools. */
export interface LocalUnits {
  /** Version ARN → units loaded (or loading) here. */
  held(): Map<string, number>;
  /** Loads `units` units of the version here (replacing a pool of another size); throws when it cannot. */
  load(v: VersionRecord, units: number): Promise<void>;
  unload(arn: string): Promise<void>;
}

export interface PlacementDeps {
  nodes: NodeStore;
  versions: VersionStore;
  membership: Membership;
  local: LocalUnits;
  clock: Clock;
  log: Logger;
  /** Several nodes share the database: units go to any live node. Else this node places its own units. */
  shared: boolean;
}

/** How long a start waits for every unit to be loaded before the version fails. */
export const LOAD_TIMEOUT_MS = 180_000;
const POLL_MS = 200;

export const replacingMessage = (moving: number, total: number) =>
  `The model is running; ${moving} of ${total} inference units ${moving === 1 ? 'is' : 'are'} being moved to another node.`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HOSTED = new Set(['STARTING', 'RUNNING']);

export class Placement {
  private tail: Promise<void> = Promise.resolve();
  private pending?: Promise<void>;
  private checkedUnderPlaced = false;

  constructor(private readonly deps: PlacementDeps) {
    deps.membership.onBeat(async () => {
      // Not awaited: loading a model must never delay the next heartbeat.
      void this.afterBeat().catch((e) => deps.log.error('placement check failed', { error: e instanceof Error ? e.stack : String(e) }));
    });
  }

  get nodeId(): string | undefined { return this.deps.membership.identity?.nodeId; }

  /**
   * Shared deployments, from the hosting job: places the version's MinInferenceUnits units on live
   * nodes and waits until every one is loaded. Throws with the reason when a unit fails to load, no
   * node is live, or LOAD_TIMEOUT_MS passes; returns early once the version is no longer STARTING or
   * RUNNING (a stop arrived).
   */
  async placeAndWait(arn: string): Promise<void> {
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    for (;;) {
      const v = await this.deps.versions.get(arn);
      if (!v || !HOSTED.has(v.status)) return;
      const units = v.detail.minInferenceUnits ?? 1;
      const { placements } = await this.deps.nodes.place(arn, units, this.deps.clock.now(), this.deps.membership.deadAfterMs);
      if (placements.some((p) => p.nodeId === this.nodeId && !p.ready && !p.error)) await this.sync();
      const now = await this.deps.nodes.placements(arn);
      const failed = now.find((p) => p.error);
      if (failed) throw new Error(`The model could not be loaded on node ${failed.nodeId}: ${failed.error}`);
      if (now.length === units && now.every((p) => p.ready)) return;
      if (Date.now() > deadline) {
        throw new Error(now.length < units ? 'No live node could take the model\'s inference units.' : `The model's inference units were not loaded within ${LOAD_TIMEOUT_MS / 1000} s.`);
      }
      await sleep(POLL_MS);
    }
  }

  /** The version no longer holds units: removes its placements and this node's copy. */
  async release(arn: string): Promise<void> {
    await this.deps.nodes.unplace(arn);
    await this.sync();
  }

  /** Ready units of the version on other nodes (where DetectCustomLabels can be forwarded). */
  async remoteHolders(arn: string): Promise<PlacementRecord[]> {
    return (await this.deps.nodes.placements(arn)).filter((p) => p.ready && p.nodeId !== this.nodeId && p.nodeUrl);
  }

  private async afterBeat(): Promise<void> {
    if (this.deps.shared) await this.replaceStranded();
    await this.sync();
  }

  /** Moves the units of dead nodes; at this node's first check also places RUNNING versions left with too few units. */
  private async replaceStranded(): Promise<void> {
    const now = this.deps.clock.now();
    const arns = new Set(await this.deps.nodes.stranded(now, this.deps.membership.deadAfterMs));
    if (!this.checkedUnderPlaced) {
      for (const v of await this.deps.versions.withStatus(['RUNNING'])) {
        if ((await this.deps.nodes.placements(v.arn)).length < (v.detail.minInferenceUnits ?? 1)) arns.add(v.arn);
      }
      this.checkedUnderPlaced = true;
    }
    for (const arn of arns) {
      const v = await this.deps.versions.get(arn);
      // Starting versions are placed by their hosting job; others hold no units any more.
      if (!v || v.status !== 'RUNNING') {
        if (!v || !HOSTED.has(v.status)) await this.deps.nodes.unplace(arn);
        continue;
      }
      const units = v.detail.minInferenceUnits ?? 1;
      const { placed, placements } = await this.deps.nodes.place(arn, units, now, this.deps.membership.deadAfterMs);
      if (placed === 0) continue;
      this.deps.log.warn('inference units re-placed from a dead node', { version: arn, units: placed, nodes: placements.map((p) => p.nodeId) });
      await this.deps.versions.update(arn, 'RUNNING', { statusMessage: replacingMessage(placements.filter((p) => !p.ready).length, units) });
    }
  }

  /** Makes this node's loaded models match its placements (runs one at a time; callers share a pending run). */
  sync(): Promise<void> {
    if (this.pending) return this.pending;
    const run = this.tail.catch(() => undefined).then(() => { this.pending = undefined; return this.syncOnce(); });
    this.pending = run;
    this.tail = run;
    return run;
  }

  private async syncOnce(): Promise<void> {
    const me = this.nodeId;
    if (!me) return;
    if (!this.deps.shared) return this.recordLocal(me);
    const mine = new Map<string, number>();
    for (const p of await this.deps.nodes.onNode(me)) mine.set(p.versionArn, (mine.get(p.versionArn) ?? 0) + 1);
    const held = this.deps.local.held();
    for (const [arn, units] of held) if (mine.get(arn) !== units) await this.deps.local.unload(arn);
    for (const [arn, units] of mine) {
      if (this.deps.local.held().get(arn) === units) continue;
      const v = await this.deps.versions.get(arn);
      if (!v || !HOSTED.has(v.status)) continue;
      try {
        await this.deps.local.load(v, units);
        await this.deps.nodes.loaded(arn, me);
        this.deps.log.info('inference units loaded', { version: arn, units, nodeId: me });
        await this.settled(arn);
      } catch (e) {
        this.deps.log.error('inference units failed to load', { version: arn, nodeId: me, error: String(e) });
        await this.deps.nodes.loaded(arn, me, (e as Error).message);
      }
    }
  }

  /** Once every unit of a RUNNING version is loaded again, its status message says so. */
  private async settled(arn: string): Promise<void> {
    const v = await this.deps.versions.get(arn);
    if (v?.status !== 'RUNNING' || !v.statusMessage?.includes('being moved')) return;
    const all = await this.deps.nodes.placements(arn);
    if (all.every((p) => p.ready)) await this.deps.versions.update(arn, 'RUNNING', { statusMessage: 'The model is running.' });
  }

  /** The embedded server: every model it holds is recorded as placed on itself, and nothing else. */
  private async recordLocal(me: string): Promise<void> {
    const held = this.deps.local.held();
    for (const [arn, units] of held) {
      const { placements } = await this.deps.nodes.place(arn, units, this.deps.clock.now(), this.deps.membership.deadAfterMs);
      if (placements.some((p) => !p.ready)) await this.deps.nodes.loaded(arn, me);
    }
    for (const p of await this.deps.nodes.onNode(me)) if (!held.has(p.versionArn)) await this.deps.nodes.unplace(p.versionArn);
  }
}
