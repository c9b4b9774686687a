// Where a hosted version's inference units go (docs/scale-out.md, "Models across nodes"): a pure
// plan that both metadata adapters apply inside their placement transaction, so the rule is one.

export interface PlanInput {
  /** Units the version must have (MinInferenceUnits). */
  units: number;
  /** Ids of the live nodes. */
  live: string[];
  /** The version's current units. */
  current: { unit: number; nodeId: string }[];
  /** Units per node, every version together (the nodes' load). */
  load: Map<string, number>;
}

export interface Plan {
  /** Units to (re)place: new, or on a dead node. */
  assign: { unit: number; nodeId: string }[];
  /** Unit numbers ≥ `units`, to remove. */
  drop: number[];
}

/**
 * Keeps units on live nodes; each other unit 0…units-1 goes to the live node with the fewest units
 * of this version (spread, so one node's death takes as few of its units as possible), then the
 * fewest units overall, then the smallest id. With no live node nothing is assigned.
 */
export function planUnits(input: PlanInput): Plan {
  const live = new Set(input.live);
  const drop = input.current.filter((p) => p.unit >= input.units).map((p) => p.unit);
  const kept = input.current.filter((p) => p.unit < input.units && live.has(p.nodeId));
  const mine = new Map<string, number>();
  const load = new Map(input.load);
  for (const p of kept) mine.set(p.nodeId, (mine.get(p.nodeId) ?? 0) + 1);
  const keptUnits = new Set(kept.map((p) => p.unit));
  const assign: Plan['assign'] = [];
  const nodes = [...live].sort();
  if (nodes.length === 0) return { assign, drop };
  for (let unit = 0; unit < input.units; unit++) {
    if (keptUnits.has(unit)) continue;
    let best = nodes[0]!;
    for (const n of nodes) {
      const a = [mine.get(n) ?? 0, load.get(n) ?? 0];
      const b = [mine.get(best) ?? 0, load.get(best) ?? 0];
      if (a[0]! < b[0]! || (a[0] === b[0] && a[1]! < b[1]!)) best = n;
    }
    assign.push({ unit, nodeId: best });
    mine.set(best, (mine.get(best) ?? 0) + 1);
    load.set(best, (load.get(best) ?? 0) + 1);
  }
  return { assign, drop };
}
