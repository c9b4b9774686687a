// Test data for the hosting tests.
//
// TEST-ONLY SEAM (documented in docs/inference.md): until training through the API is usable, a
// model version is seeded by training the ML library's sample model and inserting a
// TRAINING_COMPLETED version straight through the stores and vault.seal, with the server stopped.
// None of this is on the product's request path. The trained model is cached in the run folder
// (test/helpers/tmp.ts), so the test files of one `npm test` share one training run; never across runs.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { SqliteProjectStore } from '../../src/storage/sqlite/projects.js';
import { SqliteVersionStore } from '../../src/storage/sqlite/versions.js';
import { SqliteKeyStore } from '../../src/storage/sqlite/keys.js';
import { FsBlobStore } from '../../src/storage/blobs.js';
import { seedObjects } from '../helpers/objects.js';
import { KeyService } from '../../src/domain/keys/service.js';
import { KmsModelVault } from '../../src/domain/keys/vault.js';
import { keyPolicyCheck } from '../../src/domain/keys/policy.js';
import { kmsMasterKey, loadServerSecret } from '../../src/domain/keys/master.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { randomIds } from '../../src/domain/shared/ids.js';
import { projectArn, versionArn } from '../../src/domain/shared/arn.js';
import type { VersionStatus } from '../../src/domain/versions/lifecycle.js';
import type { VersionDetail } from '../../src/storage/ports.js';
import { generateSampleImages, SAMPLE_CLASSES, type SampleImage } from '../../src/ml/sample-dataset.js';
import { imageToInput } from '../../src/ml/image.js';
import { trainClassifier } from '../../src/ml/train.js';
import { predictBatch } from '../../src/ml/predict.js';
import { buildEvaluationSummary, evaluateClassification } from '../../src/ml/evaluate.js';
import { runDir } from '../helpers/tmp.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const BUCKET = 'hosting-test';
export const OUTPUT_BUCKET = 'hosting-output';

const CACHE = join(runDir(), 'hosting-fixture-v3');

export interface SampleModel { model: Buffer; images: SampleImage[] }

/** The sample data set and a model trained on its train split (cached across test files). */
export async function sampleModel(): Promise<SampleModel> {
  const images = await generateSampleImages({ count: 320, seed: 42 });
  const file = join(CACHE, 'model.bin');
  if (existsSync(file)) return { model: readFileSync(file), images };
  const examples = await Promise.all(images.filter((i) => i.split === 'train').map(async (i) => ({
    image: await imageToInput(i.bytes, 32), labels: [SAMPLE_CLASSES.indexOf(i.className)],
  })));
  const r = await trainClassifier({ examples, labelNames: [...SAMPLE_CLASSES], inputSize: 32, epochs: 20, seed: 7 });
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, r.model);
  renameSync(tmp, file);
  return { model: r.model, images };
}

export interface SeedOptions {
  project?: string;
  version?: string;
  /** Bytes to seal instead of the trained model (corrupt-artifact tests). */
  model?: Buffer;
  account?: string;
  /** A status other than TRAINING_COMPLETED, as a dead process could have left it. */
  status?: VersionStatus;
  detail?: Partial<VersionDetail>;
}

export interface Seeded { projectArn: string; versionArn: string; summaryKey: string; modelSha256: string }

/**
 * Seeds (server stopped) a project with a TRAINING_COMPLETED version holding `model`, the sample
 * images under s3://BUCKET/<class>/<n>.(jpg|png), and an evaluation summary computed on the test split.
 */
export async function seedVersion(dataDir: string, sample: SampleModel, opts: SeedOptions = {}): Promise<Seeded> {
  mkdirSync(dataDir, { recursive: true });
  const scope = { accountId: opts.account ?? ACCOUNT, region: REGION };
  const caller = { ...scope, principalArn: `arn:aws:iam::${scope.accountId}:root` };
  const db = openDatabase(join(dataDir, 'osprey.db'));
  try {
    const projects = new SqliteProjectStore(db);
    const versions = new SqliteVersionStore(db);
    const keys = new KeyService({ keys: new SqliteKeyStore(db), masterKey: kmsMasterKey(loadServerSecret(dataDir)), clock: systemClock, ids: randomIds, policyCheck: keyPolicyCheck });
    const vault = new KmsModelVault(keys, new FsBlobStore(join(dataDir, 'blobs')));
    const objects = seedObjects(dataDir, scope.accountId);
    for (const img of sample.images) await objects.put(BUCKET, img.path, img.bytes);

    const name = opts.project ?? 'shapes';
    const now = Date.now();
    let project = await projects.getByName(scope, name);
    if (!project) {
      project = { arn: projectArn(scope, name, now), accountId: scope.accountId, region: scope.region, name, createdAt: new Date(now), status: 'CREATED', feature: 'CUSTOM_LABELS' };
      await projects.insert(project);
    }
    const vName = opts.version ?? 'v1';
    const arn = versionArn(scope, name, vName, now + 1);
    const model = opts.model ?? sample.model;

    // The evaluation summary the training issue would write: the test split, batch inference.
    const test = sample.images.filter((i) => i.split === 'test');
    const inputs = await Promise.all(test.map((i) => imageToInput(i.bytes, 32)));
    const result = evaluateClassification({
      labels: [...SAMPLE_CLASSES], groundTruth: test.map((i) => [SAMPLE_CLASSES.indexOf(i.className)]),
      confidences: await predictBatch(sample.model, inputs), multiLabel: false,
    });
    const summaryKey = `out/EvaluationResultSummary-${name}-${vName}.json`;
    const summary = buildEvaluationSummary({ result, projectVersionArn: arn, evaluationEndTimestamp: new Date(now), numberOfTrainingImages: sample.images.length - test.length });
    await objects.put(OUTPUT_BUCKET, summaryKey, JSON.stringify(summary));

    const sealed = await vault.seal(caller, model);
    const ok = await versions.insert({
      arn, projectArn: project.arn, name: vName, createdAt: new Date(now + 1), status: opts.status ?? 'TRAINING_COMPLETED',
      statusMessage: 'The model is ready to run.', modelSha256: sealed.sha256,
      detail: {
        feature: 'CUSTOM_LABELS', outputConfig: { S3Bucket: OUTPUT_BUCKET, S3KeyPrefix: 'out' }, modelEncryption: sealed.encryption,
        evaluationResult: { F1Score: result.aggregate.F1Score, Summary: { S3Object: { Bucket: OUTPUT_BUCKET, Name: summaryKey } } },
        trainingEndMs: now, ...opts.detail,
      },
    });
    if (!ok) throw new Error(`version ${vName} already exists`);
    return { projectArn: project.arn, versionArn: arn, summaryKey, modelSha256: sealed.sha256 };
  } finally {
    db.close();
  }
}

/** A 640x480 JPEG of one sample class (the benchmark's and the large-image tests' input). */
export async function largeJpeg(sample: SampleModel, width = 640, height = 480, quality = 85): Promise<Buffer> {
  const sharp = (await import('sharp')).default;
  const src = sample.images.find((i) => i.split === 'test' && i.className === 'circle')!;
  return sharp(src.bytes).resize(width, height, { fit: 'fill' }).jpeg({ quality }).toBuffer();
}
