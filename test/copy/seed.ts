// Test-only seam: puts a trained-looking model version into a server's data dir (the server may be
// running: SQLite WAL, blobs renamed into place). The model bytes are sealed by the real vault under
// the owner's key; the copy does not care what the bytes are. The training results are sealed, as
// training writes them, under the owner's alias/aws/rekognition key. Also reads versions back and
// opens their models and output files, so tests can check a copy byte for byte. Never used by the product.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/storage/sqlite/database.js';
import { SqliteVersionStore } from '../../src/storage/sqlite/versions.js';
import { SqliteKeyStore } from '../../src/storage/sqlite/keys.js';
import { FsBlobStore } from '../../src/storage/blobs.js';
import { seedObjects } from '../helpers/objects.js';
import type { S3Service } from '../../src/domain/s3/service.js';
import { KeyService } from '../../src/domain/keys/service.js';
import { keyPolicyCheck } from '../../src/domain/keys/policy.js';
import { KmsModelVault } from '../../src/domain/keys/vault.js';
import { SealedObjects } from '../../src/domain/keys/sealed-objects.js';
import { kmsMasterKey, loadServerSecret } from '../../src/domain/keys/master.js';
import { parseArn, versionArn } from '../../src/domain/shared/arn.js';
import { randomIds } from '../../src/domain/shared/ids.js';
import type { VersionRecord } from '../../src/storage/ports.js';
import type { VersionStatus } from '../../src/domain/versions/lifecycle.js';

export class DataDir {
  readonly db: Db;
  readonly versions: SqliteVersionStore;
  readonly blobs: FsBlobStore;
  readonly objects: S3Service;
  readonly keys: KeyService;
  readonly vault: KmsModelVault;
  readonly sealed: SealedObjects;

  constructor(readonly dir: string) {
    this.db = openDatabase(join(dir, 'osprey.db'));
    this.versions = new SqliteVersionStore(this.db);
    this.blobs = new FsBlobStore(join(dir, 'blobs'));
    this.objects = seedObjects(dir, '111122223333');
    this.keys = new KeyService({ keys: new SqliteKeyStore(this.db), masterKey: kmsMasterKey(loadServerSecret(dir)), clock: { now: () => new Date() }, ids: randomIds, policyCheck: keyPolicyCheck });
    this.vault = new KmsModelVault(this.keys, this.blobs);
    this.sealed = new SealedObjects(this.keys, this.objects);
  }

  close(): void { this.db.close(); }

  /** Seeds a version with a model of `size` random bytes and training results in s3://bucket/prefix. */
  async seedVersion(projectArn: string, name: string, opts: { size?: number; bucket?: string; prefix?: string; status?: VersionStatus; manifestBytes?: number } = {}) {
    const p = parseArn(projectArn);
    if (!p || p.kind !== 'project') throw new Error(`not a project ARN: ${projectArn}`);
    const owner = { accountId: p.accountId, region: p.region, principalArn: `arn:aws:iam::${p.accountId}:root` };
    const model = randomBytes(opts.size ?? 4096);
    const { sha256, encryption } = await this.vault.seal(owner, model);
    const arn = versionArn(owner, p.projectName, name, Date.now());
    const bucket = opts.bucket ?? 'training-out';
    const prefix = opts.prefix ?? 'out';
    const key = (kind: string) => `${prefix}/${kind}-${p.projectName}-${name}.json`;
    const summary = { Version: 1, EvaluationDetails: { ProjectVersionArn: arn, EvaluationEndTimestamp: '2024-01-01T00:00:00.000000', Labels: ['cat', 'dog'], NumberOfTrainingImages: 8, NumberOfTestingImages: 2 },
      AggregatedEvaluationResults: { F1Score: 0.875, Precision: 0.9, Recall: 0.85 }, LabelEvaluationResults: [] };
    const manifestLine = JSON.stringify({ 'source-ref': 's3://images/cat.jpg', cat: 1 }) + '\n';
    const manifest = manifestLine.repeat(Math.max(1, Math.ceil((opts.manifestBytes ?? 0) / manifestLine.length)));
    const put = await this.sealed.writerFor(owner, undefined);
    await put(bucket, key('EvaluationResultSummary'), JSON.stringify(summary));
    await put(bucket, key('ManifestSummary'), JSON.stringify({ statistics: {}, errors: [] }));
    for (const k of ['TrainingGroundTruth', 'TrainingManifestWithValidation', 'TestingGroundTruth', 'TestingManifestWithValidation']) await put(bucket, key(k), manifest);
    const ref = (kind: string) => ({ Bucket: bucket, Name: key(kind) });
    const assets = (kind: string) => ({ Assets: [{ GroundTruthManifest: { S3Object: ref(kind) } }] });
    const record: VersionRecord = {
      arn, projectArn, name, createdAt: new Date(), status: opts.status ?? 'TRAINING_COMPLETED', statusMessage: 'The model is ready to run.',
      modelSha256: sha256,
      detail: {
        feature: 'CUSTOM_LABELS', outputConfig: { S3Bucket: bucket, S3KeyPrefix: prefix }, modelEncryption: encryption,
        evaluationResult: { F1Score: 0.875, Summary: { S3Object: ref('EvaluationResultSummary') } },
        manifestSummary: { S3Object: ref('ManifestSummary') },
        trainingDataResult: { Output: assets('TrainingGroundTruth'), Validation: assets('TrainingManifestWithValidation') },
        testingDataResult: { Output: assets('TestingGroundTruth'), Validation: assets('TestingManifestWithValidation') },
        trainingEndMs: Date.now(), billableTrainingTimeInSeconds: 1,
      },
    };
    if (!(await this.versions.insert(record))) throw new Error(`version ${name} already exists`);
    return { arn, model, sha256, record, summary, manifest };
  }

  async version(arn: string) { return this.versions.get(arn); }
  async openModel(arn: string) { return this.vault.open((await this.versions.get(arn))!); }
  /** The plaintext of an object in a bucket folder, sealed or not (undefined when missing). */
  async readObject(bucket: string, key: string) { return this.sealed.getAsService(bucket, key); }
}
