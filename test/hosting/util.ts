// Shared bits for the hosting suites: an SDK client, a status poller, a seeded running server.
import { join } from 'node:path';
import { DescribeProjectVersionsCommand, RekognitionClient, type ProjectVersionDescription } from '@aws-sdk/client-rekognition';
import { ACCOUNT_A, type Creds } from '../helpers/clients.js';
import { startServer, type ServerOptions, type TestServer } from '../helpers/server.js';
import { sampleModel, seedVersion, type SampleModel, type Seeded } from './fixtures.js';
import { tempDir } from '../helpers/tmp.js';

export function sdk(url: string, creds: Creds = ACCOUNT_A): RekognitionClient {
  return new RekognitionClient({
    endpoint: url, region: creds.region ?? 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey ?? 'x' },
  });
}

export function nameOf(versionArn: string): string {
  return /\/version\/([^/]+)\/\d+$/.exec(versionArn)![1];
}

/** Polls DescribeProjectVersions until the status is one of `until`. */
export async function waitStatus(url: string, projectArn: string, versionArn: string, until: string[], timeoutMs = 60_000, creds: Creds = ACCOUNT_A): Promise<ProjectVersionDescription> {
  const client = sdk(url, creds);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await client.send(new DescribeProjectVersionsCommand({ ProjectArn: projectArn, VersionNames: [nameOf(versionArn)] }));
    const v = r.ProjectVersionDescriptions?.[0];
    if (v && until.includes(v.Status!)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${until.join('|')}: ${JSON.stringify(v)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export interface Fixture { server: TestServer; sample: SampleModel; seeded: Seeded }

/** A fresh data dir with the sample model seeded as TRAINING_COMPLETED, and a server on it. */
export async function seededServer(opts: ServerOptions & { seed?: Parameters<typeof seedVersion>[2] } = {}): Promise<Fixture> {
  const sample = await sampleModel();
  const dataDir = opts.dataDir ?? tempDir('osprey-hosting-');
  const seeded = await seedVersion(dataDir, sample, opts.seed);
  const server = await startServer({ ...opts, dataDir });
  return { server, sample, seeded };
}
