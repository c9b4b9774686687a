// Nodes (heartbeats) and inference-unit placements in PostgreSQL. place() runs under the
// transaction-scoped advisory lock 'placements', so concurrent placements on any nodes are applied
// one after the other and a dead node's unit is moved once.
import { planUnits } from '../../domain/hosting/placement-plan.js';
import type { NodeRecord, NodeStore, PlacementRecord } from '../ports.js';
import { lockKey, tx, type Pool, type Queryable } from './database.js';

interface NodeRow { id: string; url: string; started_ms: number; heartbeat_ms: number }
interface PlacementRow { version_arn: string; unit: number; node_id: string; url: string | null; placed_ms: number; ready: boolean; error: string | null }

const toNode = (r: NodeRow): NodeRecord => ({ id: r.id, url: r.url, startedAt: new Date(r.started_ms), heartbeatAt: new Date(r.heartbeat_ms) });
const toPlacement = (r: PlacementRow): PlacementRecord => ({
  versionArn: r.version_arn, unit: r.unit, nodeId: r.node_id, nodeUrl: r.url ?? undefined, placedAt: new Date(r.placed_ms), ready: r.ready, error: r.error ?? undefined,
});

const SELECT = 'SELECT p.version_arn, p.unit, p.node_id, n.url, p.placed_ms, p.ready, p.error FROM placements p LEFT JOIN nodes n ON n.id = p.node_id';

async function versionPlacements(q: Queryable, arn: string): Promise<PlacementRecord[]> {
  return (await q.query<PlacementRow>(`${SELECT} WHERE p.version_arn = $1 ORDER BY p.unit`, [arn])).rows.map(toPlacement);
}

export class PgNodeStore implements NodeStore {
  constructor(private readonly pool: Pool) {}

  async heartbeat(node: { id: string; url: string }, now: Date) {
    await this.pool.query(`INSERT INTO nodes (id, url, started_ms, heartbeat_ms) VALUES ($1, $2, $3, $3)
      ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, heartbeat_ms = GREATEST(nodes.heartbeat_ms, EXCLUDED.heartbeat_ms)`, [node.id, node.url, now.getTime()]);
  }

  async list() {
    return (await this.pool.query<NodeRow>('SELECT * FROM nodes ORDER BY id')).rows.map(toNode);
  }

  async leave(id: string) {
    await this.pool.query('DELETE FROM nodes WHERE id = $1', [id]);
  }

  async place(versionArn: string, units: number, now: Date, deadAfterMs: number) {
    return tx(this.pool, async (c) => {
      await lockKey(c, 'placements');
      const live = (await c.query<{ id: string }>('SELECT id FROM nodes WHERE heartbeat_ms >= $1', [now.getTime() - deadAfterMs])).rows.map((r) => r.id);
      const current = (await c.query<{ unit: number; node_id: string }>('SELECT unit, node_id FROM placements WHERE version_arn = $1', [versionArn])).rows;
      const load = new Map((await c.query<{ node_id: string; n: number }>('SELECT node_id, count(*)::int AS n FROM placements GROUP BY node_id')).rows.map((r) => [r.node_id, r.n]));
      const plan = planUnits({ units, live, current: current.map((r) => ({ unit: r.unit, nodeId: r.node_id })), load });
      if (plan.drop.length) await c.query('DELETE FROM placements WHERE version_arn = $1 AND unit = ANY($2)', [versionArn, plan.drop]);
      for (const a of plan.assign) {
        await c.query(`INSERT INTO placements (version_arn, unit, node_id, placed_ms, ready, error) VALUES ($1, $2, $3, $4, false, NULL)
          ON CONFLICT (version_arn, unit) DO UPDATE SET node_id = EXCLUDED.node_id, placed_ms = EXCLUDED.placed_ms, ready = false, error = NULL`,
        [versionArn, a.unit, a.nodeId, now.getTime()]);
      }
      return { placements: await versionPlacements(c, versionArn), placed: plan.assign.length };
    });
  }

  async stranded(now: Date, deadAfterMs: number) {
    return (await this.pool.query<{ version_arn: string }>(`SELECT DISTINCT p.version_arn FROM placements p LEFT JOIN nodes n ON n.id = p.node_id
      WHERE n.id IS NULL OR n.heartbeat_ms < $1 ORDER BY p.version_arn`, [now.getTime() - deadAfterMs])).rows.map((r) => r.version_arn);
  }

  placements(versionArn: string) { return versionPlacements(this.pool, versionArn); }

  async onNode(nodeId: string) {
    return (await this.pool.query<PlacementRow>(`${SELECT} WHERE p.node_id = $1 ORDER BY p.version_arn, p.unit`, [nodeId])).rows.map(toPlacement);
  }

  async loaded(versionArn: string, nodeId: string, error?: string) {
    await this.pool.query('UPDATE placements SET ready = $1, error = $2 WHERE version_arn = $3 AND node_id = $4',
      [error === undefined, error ?? null, versionArn, nodeId]);
  }

  async unplace(versionArn: string) {
    await this.pool.query('DELETE FROM placements WHERE version_arn = $1', [versionArn]);
  }
}
