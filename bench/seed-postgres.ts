// Bench-only seam (like test/hosting/fixtures.ts seedVersion, for PostgreSQL): inserts a
// TRAINING_COMPLETED version of the sample model straight through the stores and the vault, into a
// cluster's database and blob store (the model bucket in its S3 service), sealed with the cluster's master key. Not on any
// request path.
import { postgresStores } from '../src/storage/postgres/index.js';
import type { BlobStore } from '../src/storage/ports.js';
import { KeyService } from '../src/domain/keys/service.js';
import { KmsModelVault } from '../src/domain/keys/vault.js';
import { keyPolicyCheck } from '../src/domain/keys/policy.js';
import { kmsMasterKey } from '../src/domain/keys/master.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { randomIds } from '../src/domain/shared/ids.js';
import { projectArn, versionArn } from '../src/domain/shared/arn.js';
import { ACCOUNT, OUTPUT_BUCKET, REGION, type SampleModel } from '../test/hosting/fixtures.js';

export async function seedPostgresVersion(url: string, blobs: BlobStore, masterKey: string, sample: SampleModel): Promise<{ projectArn: string; versionArn: string }> {
  const stores = await postgresStores(url, { max: 2 });
  try {
    const scope = { accountId: ACCOUNT, region: REGION };
    const keys = new KeyService({ keys: stores.keys, masterKey: kmsMasterKey(Buffer.from(masterKey, 'base64')), clock: systemClock, ids: randomIds, policyCheck: keyPolicyCheck });
    const vault = new KmsModelVault(keys, blobs);
    const now = Date.now();
    const project = { arn: projectArn(scope, 'bench', now), ...scope, name: 'bench', createdAt: new Date(now), status: 'CREATED' as const, feature: 'CUSTOM_LABELS' as const };
    await stores.projects.insert(project);
    const arn = versionArn(scope, 'bench', 'v1', now + 1);
    const sealed = await vault.seal({ ...scope, principalArn: `arn:aws:iam::${ACCOUNT}:root` }, sample.model);
    await stores.versions.insert({
      arn, projectArn: project.arn, name: 'v1', createdAt: new Date(now + 1), status: 'TRAINING_COMPLETED', statusMessage: 'The model is ready to run.',
      modelSha256: sealed.sha256, detail: { feature: 'CUSTOM_LABELS', outputConfig: { S3Bucket: OUTPUT_BUCKET }, modelEncryption: sealed.encryption, trainingEndMs: now },
    });
    return { projectArn: project.arn, versionArn: arn };
  } finally {
    await stores.close();
  }
}
