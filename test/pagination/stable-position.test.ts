// Pagination tokens hold the position of the last item returned, not an offset: every paginated
// operation, walked page by page while items are created and deleted between the pages, returns
// each item that existed throughout exactly once (an offset skips one after a delete before the
// position and repeats one after a create before it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteProjectStore } from '../../src/storage/sqlite/projects.js';
import { SqliteVersionStore } from '../../src/storage/sqlite/versions.js';
import { SqliteDatasetStore } from '../../src/storage/sqlite/datasets.js';
import { SqlitePolicyStore } from '../../src/storage/sqlite/policies.js';
import { SqliteTagStore } from '../../src/storage/sqlite/tags.js';
import { Paginator } from '../../src/domain/shared/pagination.js';
import { ProjectService } from '../../src/domain/projects/service.js';
import { VersionService } from '../../src/domain/versions/service.js';
import { DatasetService } from '../../src/domain/datasets/service.js';
import { ProjectPolicyService } from '../../src/domain/policies/service.js';
import { TagService } from '../../src/domain/tags/service.js';
import { datasetArn, versionArn } from '../../src/domain/shared/arn.js';
import type { DatasetEntryRecord } from '../../src/storage/ports.js';

const caller = { accountId: '111122223333', region: 'us-east-1', principalArn: 'arn:aws:iam::111122223333:root' };

function world() {
  const db = openDatabase(':memory:');
  let ms = Date.UTC(2026, 0, 1);
  // Two items per millisecond, so ties on the creation time are paged through too.
  let calls = 0;
  const clock = { now: () => new Date(ms + Math.floor(calls++ / 2)) };
  const paginator = new Paginator(Buffer.alloc(32, 3), () => new Date(ms));
  const stores = { projects: new SqliteProjectStore(db), versions: new SqliteVersionStore(db), datasets: new SqliteDatasetStore(db), policies: new SqlitePolicyStore(db) };
  const tags = new TagService({ tags: new SqliteTagStore(db), maxTagsPerResource: 50 });
  const projects = new ProjectService({ projects: stores.projects, tags, clock, paginator, limits: { projectsPerAccount: 100 } });
  const unused = undefined as never; // collaborators the listings never reach (blobs, jobs, runner, objects)
  const versions = new VersionService({ versions: stores.versions, projects, blobs: unused, paginator, runner: unused });
  const datasets = new DatasetService({ datasets: stores.datasets, projects, tags, objects: unused, paginator, clock, runner: unused, jobs: unused });
  const ids = { uuid: () => String(calls++), hex: () => (calls++).toString(16).padStart(32, '0') };
  const policies = new ProjectPolicyService({ policies: stores.policies, projects, clock, ids, paginator, maxPerProject: 5 });
  return { stores, projects, versions, datasets, policies, clock };
}

/**
 * Walks every page of a listing (page size 2), calling `between(page number)` after each page, and
 * returns the items seen in order.
 */
async function walk<T>(list: (token?: string) => Promise<{ items: T[]; nextToken?: string }>, between: (page: number) => Promise<void>): Promise<T[]> {
  const seen: T[] = [];
  let token: string | undefined;
  for (let page = 1; ; page++) {
    const r = await list(token);
    assert.ok(r.items.length <= 2);
    seen.push(...r.items);
    if (!r.nextToken) return seen;
    token = r.nextToken;
    await between(page);
    assert.ok(page < 50, 'the walk ends');
  }
}

function assertOnce(seen: string[], mustSee: string[]) {
  assert.equal(new Set(seen).size, seen.length, `an item came twice: ${seen.join(', ')}`);
  for (const name of mustSee) assert.ok(seen.includes(name), `${name} was skipped: saw ${seen.join(', ')}`);
}

test('DescribeProjects pages see every project once while projects are created and deleted between pages', async () => {
  const w = world();
  const made = [];
  for (let i = 0; i < 7; i++) made.push(await w.projects.create(caller, { name: `p${i}` }));
  const seen = await walk(async (token) => {
    const r = await w.projects.describe(caller, { maxResults: 2, nextToken: token });
    return { items: r.projects.map((p) => p.name), nextToken: r.nextToken };
  }, async (page) => {
    if (page === 1) await w.projects.delete(caller, made[6].arn); // the newest, already seen
    if (page === 2) await w.projects.create(caller, { name: `new${page}` }); // newer than everything
  });
  assertOnce(seen, ['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
});

test('DescribeProjectVersions pages see every version once while versions are created and deleted between pages', async () => {
  const w = world();
  const project = await w.projects.create(caller, { name: 'versions' });
  const put = async (name: string) => {
    const createdAt = w.clock.now();
    await w.stores.versions.insert({ arn: versionArn(caller, 'versions', name, createdAt.getTime()), projectArn: project.arn, name, createdAt, status: 'TRAINING_COMPLETED', detail: { feature: 'CUSTOM_LABELS', outputConfig: {} } });
    return versionArn(caller, 'versions', name, createdAt.getTime());
  };
  const arns = [];
  for (let i = 0; i < 7; i++) arns.push(await put(`v${i}`));
  const seen = await walk(async (token) => {
    const r = await w.versions.describe(caller, { projectArn: project.arn, maxResults: 2, nextToken: token });
    return { items: r.versions.map((v) => v.name), nextToken: r.nextToken };
  }, async (page) => {
    if (page === 1) await w.stores.versions.delete(arns[6]);
    if (page === 2) await put('new');
  });
  assertOnce(seen, ['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
});

test('ListProjectPolicies pages see every policy once while policies are created and deleted between pages', async () => {
  const w = world();
  const project = await w.projects.create(caller, { name: 'policies' });
  const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'rekognition:CopyProjectVersion', Resource: `${project.arn.replace(/\/\d+$/, '')}/version/*` }] });
  const rev: Record<string, string> = {};
  for (const name of ['b', 'c', 'd', 'e']) rev[name] = await w.policies.put(caller, { projectArn: project.arn, name, document: doc });
  const seen = await walk(async (token) => {
    const r = await w.policies.list(caller, { projectArn: project.arn, maxResults: 2, nextToken: token });
    return { items: r.policies.map((p) => p.name), nextToken: r.nextToken };
  }, async (page) => {
    if (page === 1) await w.policies.delete(caller, { projectArn: project.arn, name: 'b' });
    if (page === 2) await w.policies.put(caller, { projectArn: project.arn, name: 'a', document: doc });
  });
  assertOnce(seen, ['c', 'd', 'e']);
});

async function datasetWithEntries(w: ReturnType<typeof world>, refs: string[], labelOf: (ref: string) => string) {
  const project = await w.projects.create(caller, { name: `ds${Math.random().toString(36).slice(2, 8)}` });
  const now = w.clock.now();
  const arn = datasetArn(caller, project.name, 'TRAIN', now.getTime());
  await w.stores.datasets.insert({ arn, projectArn: project.arn, type: 'TRAIN', status: 'CREATE_IN_PROGRESS', createdAt: now, updatedAt: now });
  await w.stores.datasets.commitEntries(arn, refs.map((r) => entry(r, labelOf(r))), { replaceAll: true, from: ['CREATE_IN_PROGRESS'], to: 'CREATE_COMPLETE', patch: { updatedAt: now } });
  // The TEST dataset receives entries moved out (the store's way to delete entries).
  const testArn = datasetArn(caller, project.name, 'TEST', now.getTime());
  await w.stores.datasets.insert({ arn: testArn, projectArn: project.arn, type: 'TEST', status: 'CREATE_COMPLETE', createdAt: now, updatedAt: now });
  const move = async (ref: string) => {
    for (const a of [arn, testArn]) await w.stores.datasets.transition(a, ['CREATE_COMPLETE', 'UPDATE_COMPLETE'], 'UPDATE_IN_PROGRESS', { updatedAt: now });
    await w.stores.datasets.moveEntries(arn, testArn, [ref], 'UPDATE_COMPLETE', { updatedAt: now });
  };
  const add = async (ref: string) => {
    await w.stores.datasets.commitEntries(arn, [entry(ref, labelOf(ref))], { replaceAll: false, from: ['CREATE_COMPLETE', 'UPDATE_COMPLETE'], to: 'UPDATE_COMPLETE', patch: { updatedAt: now } });
  };
  return { arn, move, add };
}

function entry(ref: string, label: string): DatasetEntryRecord {
  return { sourceRef: ref, line: JSON.stringify({ 'source-ref': ref, label }), labeled: true, hasErrors: false, labels: { [label]: 0 } };
}

test('ListDatasetEntries pages see every entry once while entries are added and removed between pages', async () => {
  const w = world();
  const refs = ['s3://b/0.png', 's3://b/1.png', 's3://b/2.png', 's3://b/3.png', 's3://b/4.png', 's3://b/5.png'];
  const ds = await datasetWithEntries(w, refs, () => 'cat');
  const seen = await walk(async (token) => {
    const r = await w.datasets.listEntries(caller, ds.arn, {}, { maxResults: 2, nextToken: token });
    return { items: r.entries.map((l) => JSON.parse(l)['source-ref'] as string), nextToken: r.nextToken };
  }, async (page) => {
    if (page === 1) await ds.move(refs[0]);
    if (page === 2) await ds.add('s3://b/new.png');
  });
  assertOnce(seen, refs.slice(1));
});

test('ListDatasetLabels pages see every label once while labels appear and disappear between pages', async () => {
  const w = world();
  const refs = ['s3://b/b.png', 's3://b/c.png', 's3://b/d.png', 's3://b/e.png', 's3://b/f.png'];
  const labelOf = (ref: string) => ref.slice(-5, -4); // each image has its own label
  const ds = await datasetWithEntries(w, refs, labelOf);
  const seen = await walk(async (token) => {
    const r = await w.datasets.listLabels(caller, ds.arn, { maxResults: 2, nextToken: token });
    return { items: r.labels.map((l) => l.label), nextToken: r.nextToken };
  }, async (page) => {
    if (page === 1) await ds.move('s3://b/b.png'); // label b goes away
    if (page === 2) await ds.add('s3://b/a.png'); // label a sorts first
  });
  assertOnce(seen, ['c', 'd', 'e', 'f']);
});
