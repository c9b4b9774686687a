// bench/scale-out.ts, section `copy`: CopyProjectVersion latency on S3 (issue 12) for model blobs of
// several sizes (default 1, 100 and 1000 MB), one node on PostgreSQL + a private moto_server, beside
// the time the S3 service itself takes to copy the same blob (CopyObject, what an O(size) copy would
// cost at least), in the same run. A copy references the content-addressed blob: its latency should
// stay flat in the model's size, and the model bucket holds as many objects after it as before.
import { CopyObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CopyProjectVersionCommand, CreateProjectCommand } from '@aws-sdk/client-rekognition';
import { randomBytes } from 'node:crypto';
import { postgresStores } from '../src/storage/postgres/index.js';
import { s3Client } from '../src/storage/s3/client.js';
import { S3BlobStore } from '../src/storage/s3/blobs.js';
import { KeyService } from '../src/domain/keys/service.js';
import { KmsModelVault } from '../src/domain/keys/vault.js';
import { keyPolicyCheck } from '../src/domain/keys/policy.js';
import { kmsMasterKey } from '../src/domain/keys/master.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { randomIds } from '../src/domain/shared/ids.js';
import { projectArn, versionArn } from '../src/domain/shared/arn.js';
import { startServer } from '../test/helpers/server.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import { S3_TEST_KEYS, startMoto } from '../test/helpers/s3.js';
import { makeBucket } from '../test/helpers/clients.js';
import { sdk, waitFor } from '../test/copy/util.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const MODEL_BUCKET = 'osprey-models';

/** Times a CopyProjectVersion of a seeded version whose model blob is `mb` MiB, per size in `sizesMb`. */
export async function s3CopySection(sizesMb: number[]): Promise<void> {
  const db = await createTestDatabase();
  const moto = await startMoto();
  const masterKey = randomBytes(32).toString('base64');
  const server = await startServer({ env: { ...S3_TEST_KEYS, OSPREY_DATABASE_URL: db.url, OSPREY_S3_ENDPOINT_URL: moto.url, OSPREY_MASTER_KEY: masterKey, OSPREY_LOG_LEVEL: 'warn' } });
  const stores = await postgresStores(db.url, { max: 2 });
  const s3 = s3Client({ endpoint: moto.url, fallbackRegion: REGION, accessKeyId: S3_TEST_KEYS.OSPREY_S3_ACCESS_KEY_ID, secretAccessKey: S3_TEST_KEYS.OSPREY_S3_SECRET_ACCESS_KEY });
  const scope = { accountId: ACCOUNT, region: REGION };
  const keys = new KeyService({ keys: stores.keys, masterKey: kmsMasterKey(Buffer.from(masterKey, 'base64')), clock: systemClock, ids: randomIds, policyCheck: keyPolicyCheck });
  const vault = new KmsModelVault(keys, new S3BlobStore(s3, MODEL_BUCKET));
  const rek = sdk(server.url, { accessKeyId: ACCOUNT, secretAccessKey: 'x' });
  const modelObjects = async () => (await s3.send(new ListObjectsV2Command({ Bucket: MODEL_BUCKET }))).KeyCount ?? 0;
  const rows: { mb: number; copyMs: number; s3CopyMs: number; before: number; after: number }[] = [];
  try {
    makeBucket(server.url, 'bench-out', { accessKeyId: ACCOUNT, secretAccessKey: 'x' });
    const dst = (await rek.send(new CreateProjectCommand({ ProjectName: 'copies' }))).ProjectArn!;
    for (const mb of sizesMb) {
      // Seed: a TRAINING_COMPLETED version whose sealed model blob is `mb` MiB (bench-only, straight into the stores).
      const now = Date.now();
      const name = `model-${mb}mb`;
      const project = { arn: projectArn(scope, name, now), ...scope, name, createdAt: new Date(now), status: 'CREATED' as const, feature: 'CUSTOM_LABELS' as const };
      await stores.projects.insert(project);
      const sealed = await vault.seal({ ...scope, principalArn: `arn:aws:iam::${ACCOUNT}:root` }, randomBytes(mb * 1024 * 1024));
      const arn = versionArn(scope, name, 'v1', now + 1);
      await stores.versions.insert({
        arn, projectArn: project.arn, name: 'v1', createdAt: new Date(now + 1), status: 'TRAINING_COMPLETED', statusMessage: 'The model is ready to run.',
        modelSha256: sealed.sha256, detail: { feature: 'CUSTOM_LABELS', outputConfig: { S3Bucket: 'bench-out' }, modelEncryption: sealed.encryption, trainingEndMs: now },
      });
      const before = await modelObjects();
      const t0 = performance.now();
      await rek.send(new CopyProjectVersionCommand({
        SourceProjectArn: project.arn, SourceProjectVersionArn: arn, DestinationProjectArn: dst, VersionName: name, OutputConfig: { S3Bucket: 'bench-out', S3KeyPrefix: name },
      }));
      const v = await waitFor(rek, dst, name, { intervalMs: 20 });
      const copyMs = performance.now() - t0;
      if (v.Status !== 'COPYING_COMPLETED') throw new Error(`copy of ${mb} MiB: ${v.Status} ${v.StatusMessage}`);
      const after = await modelObjects();
      // The service's own server-side copy of the same blob: the least an O(size) copy would take.
      const t1 = performance.now();
      await s3.send(new CopyObjectCommand({ Bucket: MODEL_BUCKET, Key: `baseline/${sealed.sha256}`, CopySource: `${MODEL_BUCKET}/sha256/${sealed.sha256}` }));
      rows.push({ mb, copyMs, s3CopyMs: performance.now() - t1, before, after });
    }
  } finally {
    await stores.close();
    s3.destroy();
    await server.stop();
    server.cleanup();
    await moto.stop();
    await db.drop();
  }
  const base = rows[0]!.copyMs;
  console.log('CopyProjectVersion on S3 (PostgreSQL metadata, moto_server), by model blob size:');
  console.log('  model      copy (API → COPYING_COMPLETED)   vs smallest   S3 CopyObject of the blob   model-bucket objects before → after');
  for (const r of rows) {
    console.log(`  ${String(r.mb).padStart(5)} MiB  ${r.copyMs.toFixed(0).padStart(8)} ms                      ×${(r.copyMs / base).toFixed(2).padEnd(8)}  ${r.s3CopyMs.toFixed(0).padStart(8)} ms                  ${r.before} → ${r.after}`);
  }
}
