// DetectCustomLabels on a node that holds no unit of the version: the image goes to a node that does
// (docs/scale-out.md). The transport is a port (PeerInference; server/node-rpc.ts implements it over
// HTTP with an HMAC of the shared server key), so the domain stays free of HTTP.
import { Throttling } from '../../protocol/errors.js';
import type { PlacementRecord } from '../../storage/ports.js';
import type { ModelKind } from './worker.js';

/** What a unit answers: the model's kind, labels and assumed thresholds, and its output (see WorkerReply). */
export interface UnitReply { kind: ModelKind; labels: string[]; thresholds: number[]; output: Float32Array }

/** The node could not be reached, or no longer holds the version: try another holder. */
export class PeerUnavailable extends Error {}

/**
 * Runs one image on a unit of `versionArn` at the node reachable at `nodeUrl`. Rejects with the
 * pool's own errors (PoolFull, ImageRejected) when the node answered so, or PeerUnavailable.
 */
export interface PeerInference { infer(nodeUrl: string, versionArn: string, bytes: Buffer): Promise<UnitReply> }

/** The parts of a pool DetectCustomLabels uses (a local InferencePool, or RemoteUnits). */
export interface Inference {
  kind: ModelKind;
  labels: string[];
  thresholds: number[];
  submit(bytes: Buffer): Promise<Float32Array>;
}

let spread = 0;

/** The units of a version on other nodes: each image goes to one holder, the next on PeerUnavailable. */
export class RemoteUnits implements Inference {
  kind: ModelKind = 'classification';
  labels: string[] = [];
  thresholds: number[] = [];

  constructor(private readonly arn: string, private readonly holders: PlacementRecord[], private readonly peers: PeerInference) {}

  async submit(bytes: Buffer): Promise<Float32Array> {
    const start = spread++;
    let last: Error | undefined;
    for (let i = 0; i < this.holders.length; i++) {
      const h = this.holders[(start + i) % this.holders.length]!;
      try {
        const r = await this.peers.infer(h.nodeUrl!, this.arn, bytes);
        this.kind = r.kind; this.labels = r.labels; this.thresholds = r.thresholds;
        return r.output;
      } catch (e) {
        if (!(e instanceof PeerUnavailable)) throw e;
        last = e;
      }
    }
    throw Throttling(`No node holding the model version ${this.arn} could be reached (${last?.message ?? 'none holds it'}); retry.`);
  }
}
