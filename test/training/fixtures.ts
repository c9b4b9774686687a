// Shared set-up for the dataset and training tests: a real server with the synthetic sample
// images in its object store (bucket "imgs"), plus small helpers to write objects and poll.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeSampleDataset } from '../../src/ml/sample-dataset.js';
import { aws, makeBucket } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';

export const BUCKET = 'imgs';

export async function sampleServer(opts: { epochs?: number; count?: number; env?: Record<string, string>; dataDir?: string } = {}) {
  const server = await startServer({
    dataDir: opts.dataDir,
    env: { OSPREY_TRAINING_EPOCHS: String(opts.epochs ?? 3), OSPREY_LOG_LEVEL: 'info', ...opts.env },
  });
  if (!opts.dataDir) {
    await writeSampleDataset({ out: join(server.dataDir, 'buckets', BUCKET), bucket: BUCKET, count: opts.count ?? 80, seed: 11 });
    makeBucket(server.url, 'results'); // the output bucket of the training tests
  }
  return server;
}

export function putObject(server: TestServer, bucket: string, key: string, body: string | Buffer): void {
  const file = join(server.dataDir, 'buckets', bucket, key);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
}

/** Polls until `check` returns a value (not a timed assertion: the limit only stops a hung test). */
export async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, limitMs = 300_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Runs `aws rekognition …` and returns its JSON, failing on a non-zero exit. */
export function cli(server: TestServer, args: string[]): any {
  const r = aws(server.url, args);
  if (r.code !== 0) throw new Error(`aws ${args.join(' ')} failed: ${r.stderr}`);
  return r.json;
}

export async function datasetStatus(server: TestServer, arn: string, done = ['CREATE_COMPLETE', 'CREATE_FAILED', 'UPDATE_COMPLETE', 'UPDATE_FAILED']) {
  return until(() => {
    const d = cli(server, ['describe-dataset', '--dataset-arn', arn]).DatasetDescription;
    return done.includes(d.Status) ? d : undefined;
  }, `dataset ${arn}`);
}

export async function versionDone(server: TestServer, projectArn: string, name: string) {
  return until(() => {
    const v = cli(server, ['describe-project-versions', '--project-arn', projectArn, '--version-names', name]).ProjectVersionDescriptions[0];
    return v && v.Status !== 'TRAINING_IN_PROGRESS' ? v : undefined;
  }, `version ${name}`);
}

export function manifestSource(bucket: string, name: string): string {
  return JSON.stringify({ GroundTruthManifest: { S3Object: { Bucket: bucket, Name: name } } });
}

/** A classification line in the Ground Truth format (spec §8.1). */
export function classLine(ref: string, label: string, attr = 'cls'): string {
  return JSON.stringify({
    'source-ref': ref, [attr]: 1,
    [`${attr}-metadata`]: { confidence: 1, 'class-name': label, 'human-annotated': 'yes', 'creation-date': '2024-01-01T00:00:00', type: 'groundtruth/image-classification', 'job-name': 'j' },
  });
}
