// The metadata conformance suite: the same cases against every backend (SQLite, PostgreSQL), through
// two independent connections `a` and `b` to one database (two nodes, or two processes). Concurrency
// cases fire all calls at once and count winners: the invariant must hold in the database.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord, MetadataStores, ProjectRecord, VersionRecord } from '../../src/storage/ports.js';

export interface Backend { a: MetadataStores; b: MetadataStores; close(): Promise<void> }

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const scope = { accountId: ACCOUNT, region: REGION };
let seq = 0;
const uniq = () => `${Date.now().toString(36)}${(seq++).toString(36)}`;

function project(name: string, createdMs = Date.now(), account = ACCOUNT): ProjectRecord {
  return { arn: `arn:aws:rekognition:${REGION}:${account}:project/${name}/${createdMs}`, accountId: account, region: REGION, name,
    createdAt: new Date(createdMs), status: 'CREATED', feature: 'CUSTOM_LABELS', autoUpdate: undefined };
}

function version(p: ProjectRecord, name: string, extra: Partial<VersionRecord> = {}): VersionRecord {
  return { arn: `${p.arn.replace(':project/', ':project/')}/version/${name}/${p.createdAt.getTime()}`, projectArn: p.arn, name,
    createdAt: new Date(), status: 'TRAINING_COMPLETED', statusMessage: 'queued', modelSha256: 'a'.repeat(64),
    detail: { feature: 'CUSTOM_LABELS', outputConfig: { S3Bucket: 'out' } }, ...extra };
}

const job = (id: string) => ({ id, kind: 'test-kind', payload: { id } });

/** Both stores, alternately: concurrent calls come from two connections. */
function alternate<T>(n: number, be: Backend, fn: (s: MetadataStores, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => fn(i % 2 ? be.b : be.a, i)));
}

export function metadataConformance(name: string, open: () => Promise<Backend>, opts: { skip?: string | false } = {}): void {
  describe(`metadata stores: ${name}`, { skip: opts.skip }, () => {
    let be: Backend;
    before(async () => { be = await open(); });
    after(async () => { await be?.close(); });

    test('projects: insert, read through the other connection, newest first, unique name', async () => {
      const n = uniq();
      const p1 = project(`p1-${n}`, 1000), p2 = project(`p2-${n}`, 2000);
      assert.equal(await be.a.projects.create(p1, { tags: { team: 'x' }, maxPerAccount: 10_000 }), 'inserted');
      assert.equal(await be.a.projects.create(p2, { tags: {}, maxPerAccount: 10_000 }), 'inserted');
      assert.deepEqual(await be.b.projects.get(p1.arn), p1);
      assert.deepEqual(await be.b.projects.getByName(scope, p2.name), p2);
      assert.deepEqual(await be.b.tags.get(p1.arn), { team: 'x' });
      const listed = await be.b.projects.list(scope, { names: [p1.name, p2.name], features: ['CUSTOM_LABELS'], limit: 10 });
      assert.deepEqual(listed.map((p) => p.name), [p2.name, p1.name]);
      const page2 = await be.b.projects.describe(scope, { names: [p1.name, p2.name], features: ['CUSTOM_LABELS'], after: { createdAt: p2.createdAt, name: p2.name }, limit: 10 });
      assert.deepEqual(page2.map((p) => [p.name, p.datasets.length]), [[p1.name, 0]]);
      assert.equal(await be.b.projects.create({ ...project(p1.name, 3000) }, { tags: { t: 'v' }, maxPerAccount: 10_000 }), 'name-taken');
      assert.equal(await be.a.tags.resourceExists(p1.arn), true);
      await be.b.projects.delete(p1.arn);
      assert.equal(await be.a.projects.get(p1.arn), undefined);
      assert.deepEqual(await be.a.tags.get(p1.arn), {});
    });

    test('projects: 20 concurrent creates against a quota of 5 per account → exactly 5', async () => {
      const account = `9${Math.floor(Math.random() * 1e11).toString().padStart(11, '0')}`;
      const results = await alternate(20, be, (s, i) => s.projects.create(project(`q${i}`, 1000 + i, account), { tags: { i: String(i) }, maxPerAccount: 5 }));
      assert.equal(results.filter((r) => r === 'inserted').length, 5, results.join());
      assert.equal(results.filter((r) => r === 'full').length, 15);
      const rows = await be.a.projects.list({ accountId: account, region: REGION }, { features: ['CUSTOM_LABELS'], limit: 100 });
      assert.equal(rows.length, 5);
    });

    test('projects: 30 concurrent creates of one name → exactly one, with its tags', async () => {
      const name = `same-${uniq()}`;
      const results = await alternate(30, be, (s, i) => s.projects.create(project(name, 5000 + i), { tags: { who: String(i) }, maxPerAccount: 10_000 }));
      assert.equal(results.filter((r) => r === 'inserted').length, 1);
      const winner = results.indexOf('inserted');
      const p = await be.a.projects.getByName(scope, name);
      assert.equal(p?.createdAt.getTime(), 5000 + winner);
      assert.deepEqual(await be.a.tags.get(p!.arn), { who: String(winner) });
    });

    test('tags: 20 concurrent TagResource calls against a quota of 10 → exactly 10 keys', async () => {
      const p = project(`tags-${uniq()}`);
      await be.a.projects.insert(p);
      const results = await alternate(20, be, (s, i) => s.tags.putWithin(p.arn, { [`k${i}`]: 'v' }, 10));
      assert.equal(results.filter(Boolean).length, 10);
      assert.equal(Object.keys(await be.b.tags.get(p.arn)).length, 10);
      assert.equal(await be.a.tags.putWithin(p.arn, { k0: 'again' }, 10) || await be.a.tags.putWithin(p.arn, { k1: 'again' }, 10), true, 'overwriting a key stays within');
      await be.b.tags.remove(p.arn, Object.keys(await be.b.tags.get(p.arn)).slice(0, 3));
      assert.equal(Object.keys(await be.a.tags.get(p.arn)).length, 7);
    });

    test('versions: create writes version, tags and job together; refusals write nothing', async () => {
      const p = project(`v-${uniq()}`);
      await be.a.projects.insert(p);
      const v = version(p, 'v1', { status: 'TRAINING_IN_PROGRESS' });
      assert.equal(await be.a.versions.create({ version: v, tags: { a: '1' }, job: job(`train:${v.arn}`), maxPerProject: 2 }), 'inserted');
      assert.deepEqual(await be.b.versions.get(v.arn), v);
      assert.deepEqual(await be.b.tags.get(v.arn), { a: '1' });
      assert.equal((await be.b.jobs.get(`train:${v.arn}`))?.state, 'QUEUED');
      const dup = version(p, 'v1');
      assert.equal(await be.b.versions.create({ version: { ...dup, arn: dup.arn + 'x' }, tags: { b: '2' }, job: job(`dup:${v.arn}`), maxPerProject: 2 }), 'name-taken');
      assert.equal(await be.a.jobs.get(`dup:${v.arn}`), undefined, 'no job for a refused version');
      assert.equal(await be.a.versions.create({ version: version(p, 'v2'), tags: {}, job: job(`j2:${p.arn}`), maxPerProject: 2 }), 'inserted');
      const v3 = version(p, 'v3');
      assert.equal(await be.a.versions.create({ version: v3, tags: { c: '3' }, job: job(`j3:${p.arn}`), maxPerProject: 2 }), 'full');
      assert.equal(await be.a.versions.get(v3.arn), undefined);
      assert.deepEqual(await be.a.tags.get(v3.arn), {});
      const gone = project(`gone-${uniq()}`);
      assert.equal(await be.a.versions.create({ version: version(gone, 'v1'), tags: {}, job: job(`jg:${gone.arn}`), maxPerProject: 2 }), 'project-gone');
      const listed = await be.b.versions.list(p.arn, { limit: 10 });
      assert.deepEqual(listed.map((x) => x.name).sort(), ['v1', 'v2']);
      assert.equal(await be.a.projects.children(p.arn).then((c) => c.versions), 2);
    });

    test('versions: 20 concurrent creates against 3 per project → exactly 3, each with its job', async () => {
      const p = project(`vq-${uniq()}`);
      await be.a.projects.insert(p);
      const results = await alternate(20, be, (s, i) => s.versions.create({ version: version(p, `n${i}`), tags: {}, job: job(`vq${i}:${p.arn}`), maxPerProject: 3 }));
      assert.equal(results.filter((r) => r === 'inserted').length, 3, results.join());
      const jobs = await Promise.all(results.map((_, i) => be.a.jobs.get(`vq${i}:${p.arn}`)));
      assert.deepEqual(jobs.map((j) => !!j), results.map((r) => r === 'inserted'));
    });

    test('versions: concurrent conditional transitions from one status → exactly one wins', async () => {
      const p = project(`t-${uniq()}`);
      await be.a.projects.insert(p);
      const v = version(p, 'v1');
      await be.a.versions.insert(v);
      const results = await alternate(20, be, (s, i) => s.versions.transition(v.arn, ['TRAINING_COMPLETED'], i % 2 ? 'STARTING' : 'DELETING', { statusMessage: `by ${i}` }));
      assert.equal(results.filter(Boolean).length, 1);
      const after = await be.b.versions.get(v.arn);
      const winner = results.indexOf(true);
      assert.equal(after?.status, winner % 2 ? 'STARTING' : 'DELETING');
      assert.equal(after?.statusMessage, `by ${winner}`);
      assert.equal(await be.a.versions.update(v.arn, after!.status, { detail: { description: 'd' } }), true);
      assert.equal((await be.b.versions.get(v.arn))?.detail.description, 'd');
      assert.equal((await be.b.versions.get(v.arn))?.statusMessage, `by ${winner}`, 'an update keeps the message');
      assert.equal(await be.a.versions.modelReferences('a'.repeat(64)) >= 1, true);
    });

    test('versions: concurrent starts hold the inference-unit limit', async () => {
      // Other tests' versions are not hosted; this test's limit counts every hosted version.
      const hostedBefore = (await be.a.versions.withStatus(['STARTING', 'RUNNING', 'STOPPING'])).reduce((n, v) => n + (v.detail.minInferenceUnits ?? 1), 0);
      const p = project(`h-${uniq()}`);
      await be.a.projects.insert(p);
      const vs = Array.from({ length: 8 }, (_, i) => version(p, `h${i}`));
      for (const v of vs) await be.a.versions.insert(v);
      const results = await alternate(8, be, (s, i) => s.versions.startHosting(vs[i].arn, {
        from: ['TRAINING_COMPLETED'], units: 2, maxTotalUnits: hostedBefore + 6, statusMessage: 'starting', job: job(`host:${vs[i].arn}`),
      }));
      assert.equal(results.filter((r) => r === 'started').length, 3, results.join());
      const started = (await be.b.versions.withStatus(['STARTING'])).filter((v) => v.projectArn === p.arn);
      assert.equal(started.length, 3);
      for (const v of started) assert.equal(v.detail.minInferenceUnits, 2);
      const again = await be.a.versions.startHosting(started[0].arn, { from: ['TRAINING_COMPLETED'], units: 1, maxTotalUnits: 1000, statusMessage: 's', job: job(`again:${p.arn}`) });
      assert.equal(again, 'changed');
      for (const v of started) await be.a.versions.transition(v.arn, ['STARTING'], 'FAILED');
    });

    test('copies: 100 concurrent same-name copies → exactly one version and one job', async () => {
      const src = project(`cs-${uniq()}`), dst = project(`cd-${uniq()}`);
      await be.a.projects.insert(src); await be.a.projects.insert(dst);
      const source = version(src, 'v1');
      await be.a.versions.insert(source);
      const results = await alternate(100, be, (s, i) => {
        const v = version(dst, 'same', { arn: `${dst.arn}/version/same/${i}`, status: 'COPYING_IN_PROGRESS' });
        return s.copies.insertCopy({ version: v, tags: { i: String(i) }, source: { arn: source.arn, modelSha256: source.modelSha256!, statuses: ['TRAINING_COMPLETED'] },
          job: job(`copy:${v.arn}`), maxVersionsPerProject: 1000 });
      });
      assert.equal(results.filter((r) => r === 'inserted').length, 1);
      assert.deepEqual([...new Set(results.filter((r) => r !== 'inserted'))], ['name-taken']);
      const winner = results.indexOf('inserted');
      const rows = await be.b.versions.list(dst.arn, { limit: 200 });
      assert.deepEqual(rows.map((r) => r.arn), [`${dst.arn}/version/same/${winner}`]);
      assert.equal(await be.b.jobs.countActive('test-kind') >= 1, true);
      assert.ok(await be.b.jobs.get(`copy:${dst.arn}/version/same/${winner}`));
      assert.equal(await be.b.jobs.get(`copy:${dst.arn}/version/same/${(winner + 1) % 100}`), undefined);
      // A source that changed status is refused.
      await be.a.versions.transition(source.arn, ['TRAINING_COMPLETED'], 'DELETING');
      const late = version(dst, 'late');
      assert.equal(await be.a.copies.insertCopy({ version: late, tags: {}, source: { arn: source.arn, modelSha256: source.modelSha256!, statuses: ['TRAINING_COMPLETED'] },
        job: job(`copy:${late.arn}`), maxVersionsPerProject: 1000 }), 'source-changed');
    });

    test('policies: 50 concurrent puts with one revision id → exactly one wins; quota holds', async () => {
      const p = project(`pol-${uniq()}`);
      await be.a.projects.insert(p);
      const now = new Date();
      assert.equal(await be.a.policies.insert({ projectArn: p.arn, name: 'x', revisionId: 'r0', document: '{}', createdAt: now, updatedAt: now }, 5), 'inserted');
      const results = await alternate(50, be, (s, i) => s.policies.update(p.arn, 'x', 'r0', { revisionId: `r${i + 1}`, document: `{"i":${i}}`, updatedAt: now }));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await be.b.policies.get(p.arn, 'x'))?.revisionId, `r${winner + 1}`);
      const inserts = await alternate(12, be, (s, i) => s.policies.insert({ projectArn: p.arn, name: `n${i % 6}`, revisionId: `q${i}`, document: '{}', createdAt: now, updatedAt: now }, 5));
      assert.equal(inserts.filter((r) => r === 'inserted').length, 4, inserts.join());
      assert.equal((await be.a.policies.list(p.arn)).length, 5);
      assert.deepEqual((await be.a.policies.list(p.arn, { after: (await be.a.policies.list(p.arn))[0].name, limit: 2 })).map((r) => r.name), (await be.a.policies.list(p.arn)).slice(1, 3).map((r) => r.name));
      assert.equal(await be.b.policies.delete(p.arn, 'x', 'wrong'), false);
      assert.equal(await be.b.policies.delete(p.arn, 'x', `r${winner + 1}`), true);
      assert.equal(await be.a.policies.insert({ projectArn: `${p.arn}-none`, name: 'x', revisionId: 'r', document: '{}', createdAt: now, updatedAt: now }, 5), 'no-project');
    });

    test('jobs: concurrent leases from two runners never hand out one job twice', async () => {
      const kind = `k-${uniq()}`;
      for (let i = 0; i < 20; i++) await be.a.jobs.enqueue({ id: `${kind}-${i}`, kind, payload: { i }, createdAt: new Date(1000 + i) });
      const leased = (await alternate(40, be, (s, i) => s.jobs.lease([kind], `owner-${i % 2}`, new Date(), 60_000))).filter((j) => j);
      assert.equal(leased.length, 20);
      assert.equal(new Set(leased.map((j) => j!.id)).size, 20);
      const first = leased.find((j) => j!.id === `${kind}-0`)!;
      assert.equal(first.state, 'RUNNING'); assert.equal(first.attempts, 1); assert.deepEqual(first.payload, { i: 0 });
      assert.equal(await be.b.jobs.renew(first.id, 'someone-else', new Date(Date.now() + 1000)), false);
      assert.equal(await be.b.jobs.renew(first.id, first.leaseOwner!, new Date(Date.now() + 1000)), true);
      await be.b.jobs.finish(first.id, first.leaseOwner!, 'DONE');
      assert.equal((await be.a.jobs.get(first.id))?.state, 'DONE');
      assert.equal(await be.a.jobs.countActive(kind), 19);
      const mine = (js: { kind: string }[]) => js.filter((j) => j.kind === kind).length;
      assert.equal(mine(await be.a.jobs.orphaned(new Date())), 0, 'live leases are not orphaned');
      assert.equal(mine(await be.a.jobs.orphaned(new Date(), 'owner-0')), leased.filter((j) => j!.leaseOwner === 'owner-1' && j!.id !== first.id).length,
        'the only runner also takes jobs of other owners');
      const orphans = (await be.a.jobs.orphaned(new Date(Date.now() + 120_000))).filter((j) => j.kind === kind);
      assert.equal(orphans.length, 19, 'expired leases are orphaned');
      // Two nodes find the same orphan: only one requeues it.
      const o = orphans[0];
      const requeued = await Promise.all([be.a.jobs.requeue(o.id, o.leaseOwner!), be.b.jobs.requeue(o.id, o.leaseOwner!)]);
      assert.deepEqual(requeued.filter(Boolean).length, 1);
      const again = await be.b.jobs.lease([kind], 'owner-2', new Date(), 1000);
      assert.equal(again?.id, o.id); assert.equal(again?.attempts, 2);
      assert.equal(await be.a.jobs.requeue(o.id, o.leaseOwner!), false, 'a stale orphan list cannot requeue a job that was leased again');
      assert.equal(await be.a.jobs.finish(o.id, o.leaseOwner!, 'FAILED'), false, 'nor end it');
    });

    test('jobs: a cluster-wide cap holds across concurrent leases from two runners', async () => {
      const kind = `cap-${uniq()}`;
      for (let i = 0; i < 10; i++) await be.a.jobs.enqueue({ id: `${kind}-${i}`, kind, payload: {}, createdAt: new Date(1000 + i) });
      const leased = (await alternate(10, be, (s, i) => s.jobs.lease([kind], `owner-${i}`, new Date(), 60_000, { [kind]: 2 }))).filter((j) => j);
      assert.equal(leased.length, 2);
      await be.a.jobs.finish(leased[0]!.id, leased[0]!.leaseOwner!, 'DONE');
      assert.ok(await be.b.jobs.lease([kind], 'owner-x', new Date(), 60_000, { [kind]: 2 }));
      assert.equal(await be.b.jobs.lease([kind], 'owner-y', new Date(), 60_000, { [kind]: 2 }), undefined);
      assert.ok(await be.b.jobs.lease([kind], 'owner-z', new Date(), 60_000), 'no cap, no limit');
    });

    test('jobs: claims by id from two nodes at once: one winner each, a cap counts live leases only', async () => {
      const kind = `claim-${uniq()}`;
      for (let i = 0; i < 6; i++) await be.a.jobs.enqueue({ id: `${kind}-${i}`, kind, payload: { i }, createdAt: new Date() });
      const now = new Date();
      // Every job claimed by both nodes at once, under a cap of 3: three RUNNING, the rest 'capped', none twice.
      const out = await alternate(12, be, (s, i) => s.jobs.claim(`${kind}-${i % 6}`, `node-${i % 2}`, now, 60_000, 3));
      const won = out.filter((r) => r && r !== 'capped') as JobRecord[];
      assert.equal(won.length, 3);
      assert.equal(new Set(won.map((j) => j.id)).size, 3);
      for (const j of won) { assert.equal(j.state, 'RUNNING'); assert.equal(j.attempts, 1); }
      assert.deepEqual(await be.b.jobs.running([kind, 'none'], now), { [kind]: 3, none: 0 });
      const rest = [0, 1, 2, 3, 4, 5].map((i) => `${kind}-${i}`).filter((id) => !won.some((j) => j.id === id));
      assert.equal(await be.a.jobs.claim(rest[0], 'node-x', now, 60_000, 3), 'capped');
      assert.equal(await be.a.jobs.claim(won[0].id, 'node-x', now, 60_000), undefined, 'a RUNNING job is not claimed again');
      // Expired leases (a dead node) free their slots.
      const later = new Date(now.getTime() + 120_000);
      assert.deepEqual(await be.a.jobs.running([kind], later), { [kind]: 0 });
      const c = await be.b.jobs.claim(rest[0], 'node-y', later, 60_000, 3);
      assert.ok(c && c !== 'capped'); assert.equal(c.leaseOwner, 'node-y'); assert.deepEqual(c.payload, { i: Number(rest[0].split('-').pop()) });
      assert.ok(await be.b.jobs.claim(rest[1], 'node-y', later, 60_000), 'no cap, no limit');
    });

    test('datasets: create with tags and job, entries, filters, labels, stats, move', async () => {
      const p = project(`ds-${uniq()}`);
      await be.a.projects.insert(p);
      const now = new Date();
      const train = { arn: `${p.arn}/dataset/train/1`, projectArn: p.arn, type: 'TRAIN' as const, status: 'CREATE_IN_PROGRESS' as const, createdAt: now, updatedAt: now };
      const test2 = { ...train, arn: `${p.arn}/dataset/test/1`, type: 'TEST' as const, status: 'CREATE_COMPLETE' as const };
      assert.equal(await be.a.datasets.create(train, { tags: { d: '1' }, job: job(`ds:${train.arn}`) }), true);
      assert.equal(await be.b.datasets.create({ ...train, arn: `${train.arn}-other` }, { tags: {}, job: job(`ds2:${train.arn}`) }), false, 'one TRAIN per project');
      assert.equal(await be.a.jobs.get(`ds2:${train.arn}`), undefined);
      assert.equal(await be.a.datasets.create(test2, { tags: {} }), true);
      assert.deepEqual(await be.b.tags.get(train.arn), { d: '1' });
      const entry = (ref: string, labels: Record<string, number>, hasErrors = false) => ({ sourceRef: ref, line: JSON.stringify({ 'source-ref': ref }), labeled: Object.keys(labels).length > 0, hasErrors, labels });
      const entries = [entry('s3://b/1.jpg', { cat: 0 }), entry('s3://b/2.jpg', { dog: 2, cat: 1 }), entry('s3://b/3.jpg', {}), entry('s3://b/4.jpg', { bird: 0 }, true)];
      const patch = { statusMessage: 'done', statusMessageCode: 'SUCCESS' as const, updatedAt: new Date() };
      assert.equal(await be.a.datasets.commitEntries(train.arn, entries, { replaceAll: true, from: ['CREATE_IN_PROGRESS'], to: 'CREATE_COMPLETE', patch }), true);
      assert.equal(await be.b.datasets.commitEntries(train.arn, entries, { replaceAll: true, from: ['CREATE_IN_PROGRESS'], to: 'CREATE_COMPLETE', patch }), false);
      assert.equal((await be.b.datasets.get(train.arn))?.statusMessage, 'done');
      assert.deepEqual((await be.b.datasets.allEntries(train.arn)).map(({ position: _, ...e }) => e), entries);
      assert.deepEqual(await be.b.datasets.labels(train.arn, { after: 'bird', limit: 1 }), [{ label: 'cat', entryCount: 2, boxCount: 1 }]);
      const q = { limit: 10 };
      assert.deepEqual((await be.b.datasets.listEntries(train.arn, { ...q, containsLabels: ['cat'] })).map((e) => e.sourceRef), ['s3://b/1.jpg', 's3://b/2.jpg']);
      assert.deepEqual((await be.b.datasets.listEntries(train.arn, { ...q, labeled: false })).map((e) => e.sourceRef), ['s3://b/3.jpg']);
      assert.deepEqual((await be.b.datasets.listEntries(train.arn, { ...q, hasErrors: true })).map((e) => e.sourceRef), ['s3://b/4.jpg']);
      assert.deepEqual((await be.b.datasets.listEntries(train.arn, { ...q, sourceRefContains: '2.j' })).map((e) => e.sourceRef), ['s3://b/2.jpg']);
      assert.deepEqual((await be.b.datasets.listEntries(train.arn, { after: (await be.b.datasets.listEntries(train.arn, { limit: 1 }))[0].position, limit: 2 })).map((e) => e.sourceRef), ['s3://b/2.jpg', 's3://b/3.jpg']);
      assert.deepEqual(await be.b.datasets.labels(train.arn, { limit: 10 }), [
        { label: 'bird', entryCount: 1, boxCount: 0 }, { label: 'cat', entryCount: 2, boxCount: 1 }, { label: 'dog', entryCount: 1, boxCount: 2 }]);
      assert.deepEqual(await be.b.datasets.stats(train.arn), { totalEntries: 4, labeledEntries: 3, errorEntries: 1, totalLabels: 3 });
      // Update: an existing source-ref keeps its place, a new one goes last.
      assert.equal(await be.a.datasets.transition(train.arn, ['CREATE_COMPLETE'], 'UPDATE_IN_PROGRESS', { updatedAt: new Date() }), true);
      await be.a.datasets.commitEntries(train.arn, [entry('s3://b/5.jpg', {}), entry('s3://b/1.jpg', { fish: 1 })], { replaceAll: false, from: ['UPDATE_IN_PROGRESS'], to: 'UPDATE_IN_PROGRESS', patch });
      assert.deepEqual((await be.b.datasets.allEntries(train.arn)).map((e) => e.sourceRef), ['s3://b/1.jpg', 's3://b/2.jpg', 's3://b/3.jpg', 's3://b/4.jpg', 's3://b/5.jpg']);
      await be.a.datasets.transition(test2.arn, ['CREATE_COMPLETE'], 'UPDATE_IN_PROGRESS', { updatedAt: new Date() });
      await be.b.datasets.moveEntries(train.arn, test2.arn, ['s3://b/4.jpg', 's3://b/2.jpg'], 'UPDATE_COMPLETE', patch);
      assert.deepEqual((await be.a.datasets.allEntries(test2.arn)).map((e) => e.sourceRef), ['s3://b/4.jpg', 's3://b/2.jpg']);
      assert.deepEqual((await be.a.datasets.allEntries(train.arn)).map((e) => e.sourceRef), ['s3://b/1.jpg', 's3://b/3.jpg', 's3://b/5.jpg']);
      assert.deepEqual((await be.a.datasets.byProject(p.arn)).map((d) => d.status), ['UPDATE_COMPLETE', 'UPDATE_COMPLETE']);
      const described = await be.b.projects.describe(scope, { names: [p.name], features: ['CUSTOM_LABELS'], limit: 1 });
      assert.equal(described[0].datasets.length, 2);
      await be.a.datasets.delete(test2.arn);
      assert.equal(await be.b.datasets.get(test2.arn), undefined);
      assert.deepEqual(await be.b.datasets.allEntries(test2.arn), []);
    });

    test('keys: insert, read, update, aliases unique per scope', async () => {
      const keyId = `k-${uniq()}`;
      const k = { keyId, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`, accountId: ACCOUNT, region: REGION, description: 'd', managed: false,
        enabled: true, sealedMaterial: Buffer.from([0, 1, 2, 255]), createdAt: new Date(1234) };
      await be.a.keys.insert(k);
      assert.deepEqual({ ...(await be.b.keys.get(keyId)), policy: undefined }, { ...k, policy: undefined });
      await be.b.keys.update(keyId, { enabled: false });
      await be.b.keys.update(keyId, { policy: '{"p":1}' });
      const got = await be.a.keys.get(keyId);
      assert.equal(got?.enabled, false); assert.equal(got?.policy, '{"p":1}'); assert.equal(got?.description, 'd');
      const alias = `alias/${keyId}`;
      const results = await alternate(10, be, (s) => s.keys.putAlias(scope, alias, keyId));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await be.b.keys.resolveAlias(scope, alias), keyId);
      assert.ok((await be.b.keys.aliases(scope)).some((a) => a.aliasName === alias));
      assert.ok((await be.b.keys.list(scope)).some((x) => x.keyId === keyId));
      await be.a.keys.deleteAlias(scope, alias);
      assert.equal(await be.b.keys.resolveAlias(scope, alias), undefined);
    });
    // Nodes and placements. Each test names its own nodes and runs at its own clock time, far from the
    // others', so other tests' nodes are dead in it.
    const DEAD_MS = 6000;
    let epoch = 0;
    const clockBase = () => 2_000_000_000_000 + (epoch++) * 1_000_000_000 + Math.floor(Math.random() * 1000) * 1_000_000;

    test('nodes: heartbeats seen through the other connection; live by heartbeat; leave removes the row', async () => {
      const t = clockBase();
      const id = `n-${uniq()}`;
      await be.a.nodes.heartbeat({ id, url: 'http://a:1' }, new Date(t));
      await be.b.nodes.heartbeat({ id, url: 'http://a:2' }, new Date(t + 2000));
      await be.a.nodes.heartbeat({ id, url: 'http://a:2' }, new Date(t + 1000)); // a late beat never moves the heartbeat back
      const row = (await be.b.nodes.list()).find((n) => n.id === id);
      assert.deepEqual(row, { id, url: 'http://a:2', startedAt: new Date(t), heartbeatAt: new Date(t + 2000) });
      await be.b.nodes.leave(id);
      assert.equal((await be.a.nodes.list()).some((n) => n.id === id), false);
    });

    test('placements: units spread over live nodes, idempotent, readiness per node, shrink and unplace', async () => {
      const t = new Date(clockBase());
      const [n1, n2, n3] = [1, 2, 3].map((i) => `p${i}-${uniq()}`);
      for (const n of [n1, n2, n3]) await be.a.nodes.heartbeat({ id: n, url: `http://${n}` }, t);
      const arn = `arn:v/${uniq()}`;
      const first = await be.a.nodes.place(arn, 2, t, DEAD_MS);
      assert.equal(first.placed, 2);
      assert.deepEqual(first.placements.map((p) => [p.unit, p.ready]), [[0, false], [1, false]]);
      const holders = first.placements.map((p) => p.nodeId);
      assert.equal(new Set(holders).size, 2, 'two units of one version go to two nodes');
      assert.deepEqual(first.placements.map((p) => p.nodeUrl), holders.map((h) => `http://${h}`));
      assert.equal((await be.b.nodes.place(arn, 2, t, DEAD_MS)).placed, 0, 'placing again changes nothing');
      // A second version goes to the node that holds nothing yet.
      const other = `arn:v/${uniq()}`;
      const spare = [n1, n2, n3].find((n) => !holders.includes(n))!;
      assert.deepEqual((await be.b.nodes.place(other, 1, t, DEAD_MS)).placements.map((p) => p.nodeId), [spare]);
      await be.b.nodes.loaded(arn, holders[0]);
      await be.a.nodes.loaded(arn, holders[1], 'out of memory');
      const after = await be.b.nodes.placements(arn);
      assert.deepEqual(after.map((p) => [p.nodeId, p.ready, p.error]), [[holders[0], true, undefined], [holders[1], false, 'out of memory']]);
      assert.deepEqual((await be.a.nodes.onNode(holders[0])).map((p) => [p.versionArn, p.unit]), [[arn, 0]]);
      const shrunk = await be.a.nodes.place(arn, 1, t, DEAD_MS);
      assert.deepEqual(shrunk.placements.map((p) => [p.unit, p.nodeId]), [[0, holders[0]]]);
      await be.b.nodes.unplace(arn);
      assert.deepEqual(await be.a.nodes.placements(arn), []);
      assert.equal((await be.a.nodes.placements(other)).length, 1);
    });

    test('placements: 20 concurrent placements of one version → each unit once; 12 versions at once spread evenly', async () => {
      const t = new Date(clockBase());
      const ids = [1, 2, 3].map((i) => `c${i}-${uniq()}`);
      for (const n of ids) await be.b.nodes.heartbeat({ id: n, url: `http://${n}` }, t);
      const arn = `arn:v/${uniq()}`;
      const results = await alternate(20, be, (s) => s.nodes.place(arn, 3, t, DEAD_MS));
      assert.equal(results.reduce((n, r) => n + r.placed, 0), 3, 'three units placed in all, by whichever call came first');
      const placed = await be.a.nodes.placements(arn);
      assert.deepEqual(placed.map((p) => p.unit), [0, 1, 2]);
      assert.deepEqual(placed.map((p) => p.nodeId).sort(), [...ids].sort());
      const many = Array.from({ length: 12 }, () => `arn:v/${uniq()}`);
      await alternate(12, be, (s, i) => s.nodes.place(many[i], 1, t, DEAD_MS));
      const perNode = await Promise.all(ids.map(async (n) => (await be.b.nodes.onNode(n)).length));
      assert.deepEqual(perNode, [5, 5, 5], 'every node ends with 1 + 4 units');
    });

    test('placements: a dead node\'s unit is moved once, by one of many concurrent checks, to a live node', async () => {
      const t0 = clockBase();
      const [n1, n2, n3] = [1, 2, 3].map((i) => `d${i}-${uniq()}`);
      for (const n of [n1, n2]) await be.a.nodes.heartbeat({ id: n, url: `http://${n}` }, new Date(t0));
      const arn = `arn:v/${uniq()}`;
      const { placements } = await be.a.nodes.place(arn, 2, new Date(t0), DEAD_MS);
      await be.a.nodes.loaded(arn, n1);
      await be.a.nodes.loaded(arn, n2);
      const dead = placements[0].nodeId;
      const survivor = placements[1].nodeId;
      // n3 joins; the dead node stops beating; the survivor keeps beating.
      const t1 = t0 + DEAD_MS + 2000;
      await be.b.nodes.heartbeat({ id: survivor, url: `http://${survivor}` }, new Date(t1));
      await be.b.nodes.heartbeat({ id: n3, url: `http://${n3}` }, new Date(t1));
      assert.deepEqual(await be.a.nodes.stranded(new Date(t0), DEAD_MS).then((v) => v.includes(arn)), false, 'not stranded while the node beats');
      assert.ok((await be.b.nodes.stranded(new Date(t1), DEAD_MS)).includes(arn));
      const results = await alternate(10, be, (s) => s.nodes.place(arn, 2, new Date(t1), DEAD_MS));
      assert.equal(results.reduce((n, r) => n + r.placed, 0), 1, 'the stranded unit is moved exactly once');
      const now = await be.a.nodes.placements(arn);
      assert.deepEqual(now.map((p) => [p.unit, p.nodeId, p.ready]), [[0, n3, false], [1, survivor, true]], 'moved to the node without a unit of it; the survivor keeps its ready unit');
      assert.equal((await be.a.nodes.stranded(new Date(t1), DEAD_MS)).includes(arn), false);
      // A node that left (row deleted) is dead at once.
      await be.b.nodes.leave(n3);
      assert.ok((await be.a.nodes.stranded(new Date(t1), DEAD_MS)).includes(arn));
      assert.deepEqual((await be.a.nodes.place(arn, 2, new Date(t1), DEAD_MS)).placements.map((p) => p.nodeId), [survivor, survivor]);
      assert.equal(dead === n1 || dead === n2, true);
    });

    test('buckets: one owner per global name, even from 20 concurrent creates; policy and delete seen by the other connection', async () => {
      const name = `bucket-${uniq()}`;
      const results = await alternate(20, be, (s, i) => s.buckets!.insert({ name, ownerAccountId: `1000000000${String(i).padStart(2, '0')}`, region: REGION, createdAt: new Date(1000) }));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = `1000000000${String(results.indexOf(true)).padStart(2, '0')}`;
      const got = await be.b.buckets!.get(name);
      assert.deepEqual(got, { name, ownerAccountId: winner, region: REGION, createdAt: new Date(1000) });
      assert.ok((await be.a.buckets!.list(winner)).some((x) => x.name === name));
      assert.ok(!(await be.a.buckets!.list('999999999999')).some((x) => x.name === name));
      await be.a.buckets!.setPolicy(name, '{"Version":"2012-10-17"}');
      assert.equal((await be.b.buckets!.get(name))?.policy, '{"Version":"2012-10-17"}');
      await be.a.buckets!.setPolicy(name, undefined);
      assert.equal((await be.b.buckets!.get(name))?.policy, undefined);
      await be.b.buckets!.delete(name);
      assert.equal(await be.a.buckets!.get(name), undefined);
      assert.equal(await be.a.buckets!.insert({ name, ownerAccountId: ACCOUNT, region: 'eu-west-1', createdAt: new Date() }), true, 'a deleted name is free again');
    });
  });
}
