// The operation table must match the botocore model installed on this machine, member by member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operations, shapes, paginators, waiters, kebabCase, operationNames } from '../../src/api/index.js';
// @ts-expect-error plain ESM script without types
import { loadBotocore, OPERATIONS } from '../../scripts/gen-api.mjs';

const boto = loadBotocore();

test('covers exactly the 23 Custom Labels operations', () => {
  assert.equal(operationNames.length, 23);
  assert.deepEqual([...operationNames].sort(), [...OPERATIONS].sort());
});

test('every operation has botocore’s input, output and errors', () => {
  for (const name of operationNames) {
    const b = boto.service.operations[name];
    assert.equal(operations[name].input, b.input.shape, name);
    assert.equal(operations[name].output, b.output.shape, name);
    assert.deepEqual(operations[name].errors, b.errors.map((e: { shape: string }) => e.shape), name);
  }
});

test('every reachable shape matches botocore member by member, constraint by constraint', () => {
  let compared = 0;
  for (const [name, ours] of Object.entries(shapes)) {
    const b = boto.service.shapes[name];
    assert.ok(b, `shape ${name} is in botocore`);
    assert.equal(ours.type, b.type, `${name}.type`);
    for (const k of ['required', 'min', 'max', 'pattern', 'enum', 'exception', 'fault'] as const) {
      assert.deepEqual((ours as any)[k], b[k], `${name}.${k}`);
    }
    assert.deepEqual(Object.keys(ours.members ?? {}), Object.keys(b.members ?? {}), `${name} members`);
    for (const [m, ref] of Object.entries(ours.members ?? {})) {
      assert.equal(ref.shape, b.members[m].shape, `${name}.${m}`);
      compared++;
    }
    for (const k of ['member', 'key', 'value'] as const) assert.equal((ours as any)[k]?.shape, b[k]?.shape, `${name}.${k}`);
  }
  assert.ok(compared > 100, `compared ${compared} members`);
});

test('no documentation text is carried', () => {
  const text = JSON.stringify({ operations, shapes, paginators });
  assert.ok(!text.includes('documentation'));
});

test('paginators and waiters match botocore', () => {
  for (const [op, p] of Object.entries(paginators)) assert.deepEqual(p, boto.paginators[op]);
  assert.deepEqual(Object.keys(paginators).sort(), ['DescribeProjectVersions', 'DescribeProjects', 'ListDatasetEntries', 'ListDatasetLabels', 'ListProjectPolicies']);
  for (const [name, w] of Object.entries(waiters)) {
    assert.equal(w.delay, boto.waiters[name].delay);
    assert.equal(w.maxAttempts, boto.waiters[name].maxAttempts);
    assert.deepEqual(w.acceptors, boto.waiters[name].acceptors);
  }
  assert.deepEqual(Object.keys(waiters).sort(), ['ProjectVersionRunning', 'ProjectVersionTrainingCompleted']);
});

test('kebab-case names follow the AWS CLI', () => {
  assert.equal(kebabCase('CopyProjectVersion'), 'copy-project-version');
  assert.equal(kebabCase('ListTagsForResource'), 'list-tags-for-resource');
  assert.equal(kebabCase('S3KeyPrefix'), 's3-key-prefix');
  assert.equal(kebabCase('KmsKeyId'), 'kms-key-id');
});

test('Osprey extension operations are marked apart: not in botocore, routed by the server, shapes resolvable', async () => {
  const { extensionOperations, extensionShapes, EXPLICIT_ONLY_ACTIONS } = await import('../../src/api/extensions.js');
  const { serverOperations, shape } = await import('../../src/api/index.js');
  assert.deepEqual(Object.keys(extensionOperations), ['ExportProjectVersion']);
  for (const [name, op] of Object.entries(extensionOperations)) {
    assert.equal(boto.service.operations[name], undefined, `${name} is not an AWS operation`);
    assert.equal(operations[name], undefined, `${name} stays out of the AWS operation table (and osprey rekognition)`);
    assert.equal(serverOperations[name], op);
    for (const e of op.errors) assert.ok(shapes[e]?.exception, `${name} error ${e} is a modelled exception`);
  }
  for (const [name, s] of Object.entries(extensionShapes)) {
    assert.equal(boto.service.shapes[name], undefined, `${name} does not shadow a botocore shape`);
    for (const ref of [...Object.values(s.members ?? {}), s.member].filter(Boolean)) assert.ok(shape(ref!.shape), `${name} → ${ref!.shape}`);
  }
  assert.ok(EXPLICIT_ONLY_ACTIONS.has('rekognition:ExportProjectVersion'));
});
