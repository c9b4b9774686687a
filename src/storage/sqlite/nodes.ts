// Nodes (heartbeats) and inference-unit placements in SQLite. The embedded server is one node, which
// places every unit on itself; place() is one BEGIN IMMEDIATE transaction (one writer at a time).
import { planUnits } from '../../domain/hosting/placement-plan.js';
import type { NodeRecord, NodeStore, PlacementRecord } from '../ports.js';
import { inList, statement, type Db } from './database.js';

interface NodeRow { id: string; url: string; started_ms: number; heartbeat_ms: number }
interface PlacementRow { version_arn: string; unit: number; node_id: string; url: string | null; placed_ms: number; ready: number; error: string | null }

const toNode = (r: NodeRow): NodeRecord => ({ id: r.id, url: r.url, startedAt: new Date(r.started_ms), heartbeatAt: new Date(r.heartbeat_ms) });
const toPlacement = (r: PlacementRow): PlacementRecord => ({
  versionArn: r.version_arn, unit: r.unit, nodeId: r.node_id, nodeUrl: r.url ?? undefined, placedAt: new Date(r.placed_ms), ready: r.ready === 1, error: r.error ?? undefined,
});

const SELECT = 'SELECT p.version_arn, p.unit, p.node_id, n.url, p.placed_ms, p.ready, p.error FROM placements p LEFT JOIN nodes n ON n.id = p.node_id';

export class SqliteNodeStore implements NodeStore {
  constructor(private readonly db: Db) {}

  async heartbeat(node: { id: string; url: string }, now: Date) {
    statement(this.db, `INSERT INTO nodes (id, url, started_ms, heartbeat_ms) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat_ms = max(nodes.heartbeat_ms, excluded.heartbeat_ms)`).run(node.id, node.url, now.getTime(), now.getTime());
  }

  async list() {
    return (statement(this.db, 'SELECT * FROM nodes ORDER BY id').all() as NodeRow[]).map(toNode);
  }

  async leave(id: string) {
    statement(this.db, 'DELETE FROM nodes WHERE id = ?').run(id);
  }

  async place(versionArn: string, units: number, now: Date, deadAfterMs: number) {
    return this.db.transaction(() => {
      const live = statement(this.db, 'SELECT id FROM nodes WHERE heartbeat_ms >= ?').pluck().all(now.getTime() - deadAfterMs) as string[];
      const current = statement(this.db, 'SELECT unit, node_id FROM placements WHERE version_arn = ?').all(versionArn) as { unit: number; node_id: string }[];
      const load = new Map((statement(this.db, 'SELECT node_id, count(*) AS n FROM placements GROUP BY node_id').all() as { node_id: string; n: number }[]).map((r) => [r.node_id, r.n]));
      const plan = planUnits({ units, live, current: current.map((r) => ({ unit: r.unit, nodeId: r.node_id })), load });
      if (plan.drop.length) statement(this.db, `DELETE FROM placements WHERE version_arn = ? AND unit IN (${inList(plan.drop.length)})`).run(versionArn, ...plan.drop);
      for (const a of plan.assign) {
        statement(this.db, `INSERT INTO placements (version_arn, unit, node_id, placed_ms, ready, error) VALUES (?, ?, ?, ?, 0, NULL)
          ON CONFLICT (version_arn, unit) DO UPDATE SET node_id = excluded.node_id, placed_ms = excluded.placed_ms, ready = 0, error = NULL`)
          .run(versionArn, a.unit, a.nodeId, now.getTime());
      }
      return { placements: this.versionPlacements(versionArn), placed: plan.assign.length };
    }).immediate();
  }

  async stranded(now: Date, deadAfterMs: number) {
    return statement(this.db, `SELECT DISTINCT p.version_arn FROM placements p LEFT JOIN nodes n ON n.id = p.node_id
      WHERE n.id IS NULL OR n.heartbeat_ms < ? ORDER BY p.version_arn`).pluck().all(now.getTime() - deadAfterMs) as string[];
  }

  async placements(versionArn: string) { return this.versionPlacements(versionArn); }

  private versionPlacements(arn: string): PlacementRecord[] {
    return (statement(this.db, `${SELECT} WHERE p.version_arn = ? ORDER BY p.unit`).all(arn) as PlacementRow[]).map(toPlacement);
  }

  async onNode(nodeId: string) {
    return (statement(this.db, `${SELECT} WHERE p.node_id = ? ORDER BY p.version_arn, p.unit`).all(nodeId) as PlacementRow[]).map(toPlacement);
  }

  async loaded(versionArn: string, nodeId: string, error?: string) {
    statement(this.db, 'UPDATE placements SET ready = ?, error = ? WHERE version_arn = ? AND node_id = ?').run(error === undefined ? 1 : 0, error ?? null, versionArn, nodeId);
  }

  async unplace(versionArn: string) {
    statement(this.db, 'DELETE FROM placements WHERE version_arn = ?').run(versionArn);
  }
}
