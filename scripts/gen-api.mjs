// Derives src/api/model.json from the botocore Rekognition model installed on this machine.
// Only structural facts are kept (types, members, required, min/max, pattern, enum, errors,
// paginators, waiters); every documentation string is dropped.
// Usage: node scripts/gen-api.mjs [botocore-data-dir]
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPERATIONS = [
  'CreateProject', 'DescribeProjects', 'DeleteProject',
  'CreateDataset', 'DescribeDataset', 'DeleteDataset', 'ListDatasetEntries', 'ListDatasetLabels',
  'UpdateDatasetEntries', 'DistributeDatasetEntries',
  'CreateProjectVersion', 'DescribeProjectVersions', 'StartProjectVersion', 'StopProjectVersion',
  'DeleteProjectVersion', 'DetectCustomLabels', 'CopyProjectVersion',
  'PutProjectPolicy', 'ListProjectPolicies', 'DeleteProjectPolicy',
  'TagResource', 'UntagResource', 'ListTagsForResource',
];

const STRUCTURAL_KEYS = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'exception', 'fault', 'error'];

export function botocoreDataDir() {
  const dir = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))']).toString().trim();
  return join(dir, 'data', 'rekognition', '2016-06-27');
}

function readJson(path) {
  try { return JSON.parse(readFileSync(path, 'utf8')); } catch { return JSON.parse(gunzipSync(readFileSync(path + '.gz')).toString('utf8')); }
}

export function loadBotocore(dir = botocoreDataDir()) {
  return {
    service: readJson(join(dir, 'service-2.json')),
    paginators: readJson(join(dir, 'paginators-1.json')).pagination,
    waiters: readJson(join(dir, 'waiters-2.json')).waiters,
  };
}

function structuralShape(shape) {
  const out = {};
  for (const k of STRUCTURAL_KEYS) if (shape[k] !== undefined) out[k] = shape[k];
  if (shape.members) out.members = Object.fromEntries(Object.entries(shape.members).map(([n, m]) => [n, { shape: m.shape }]));
  if (shape.member) out.member = { shape: shape.member.shape };
  if (shape.key) out.key = { shape: shape.key.shape };
  if (shape.value) out.value = { shape: shape.value.shape };
  return out;
}

export function deriveModel({ service, paginators, waiters }) {
  const shapes = {};
  const visit = (name) => {
    if (shapes[name]) return;
    const s = service.shapes[name];
    shapes[name] = structuralShape(s);
    for (const ref of [...Object.values(s.members ?? {}), s.member, s.key, s.value]) if (ref) visit(ref.shape);
  };
  const operations = {};
  for (const op of OPERATIONS) {
    const o = service.operations[op];
    operations[op] = { input: o.input.shape, output: o.output.shape, errors: o.errors.map((e) => e.shape) };
    visit(o.input.shape); visit(o.output.shape);
    for (const e of o.errors) visit(e.shape);
  }
  const pag = Object.fromEntries(OPERATIONS.filter((op) => paginators[op]).map((op) => [op, paginators[op]]));
  const wait = Object.fromEntries(Object.entries(waiters).filter(([, w]) => OPERATIONS.includes(w.operation))
    .map(([n, w]) => [n, { operation: w.operation, delay: w.delay, maxAttempts: w.maxAttempts, acceptors: w.acceptors }]));
  const sorted = Object.fromEntries(Object.keys(shapes).sort().map((k) => [k, shapes[k]]));
  return {
    metadata: { apiVersion: service.metadata.apiVersion, targetPrefix: service.metadata.targetPrefix, jsonVersion: service.metadata.jsonVersion, signingName: service.metadata.endpointPrefix },
    operations, shapes: sorted, paginators: pag, waiters: wait,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const model = deriveModel(loadBotocore(process.argv[2]));
  const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api', 'model.json');
  writeFileSync(out, JSON.stringify(model, null, 1) + '\n');
  console.log(`wrote ${out}: ${Object.keys(model.operations).length} operations, ${Object.keys(model.shapes).length} shapes`);
}
