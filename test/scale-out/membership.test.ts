// A node's membership: the first heartbeat on join, renewals, listeners after each beat, the row
// deleted on leave; the embedded (alone) node forgets the rows of previous runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Membership } from '../../src/domain/nodes/membership.js';
import { createLogger } from '../../src/server/logger.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { sqliteStores } from '../../src/storage/sqlite/index.js';
import { systemClock } from '../../src/domain/shared/clock.js';

test('join beats, renews and runs listeners; leave deletes the row; alone forgets previous runs', async () => {
  const stores = sqliteStores(openDatabase(':memory:'));
  await stores.nodes.heartbeat({ id: 'old-run:4750', url: 'http://old' }, new Date());
  const m = new Membership({ nodes: stores.nodes, clock: systemClock, log: createLogger('silent'), beatMs: 40, deadAfterMs: 120 });
  let beats = 0;
  m.onBeat(async () => { beats++; });
  m.onBeat(async () => { throw new Error('a failing check does not stop the beat'); });
  await m.join({ nodeId: 'n1:1', advertiseUrl: 'http://127.0.0.1:1' }, { alone: true });
  const first = await stores.nodes.list();
  assert.deepEqual(first.map((n) => n.id), ['n1:1']);
  await sleep(300);
  const [row] = await stores.nodes.list();
  assert.ok(row.heartbeatAt > first[0].heartbeatAt, 'the heartbeat was renewed');
  assert.ok(beats >= 3, `listeners ran after each beat (${beats})`);
  assert.ok(m.isLive(row));
  assert.equal(m.isLive({ heartbeatAt: new Date(Date.now() - 500) }), false);
  await m.leave();
  assert.deepEqual(await stores.nodes.list(), []);
  await stores.close();
});
