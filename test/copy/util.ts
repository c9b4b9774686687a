// Shared bits for the copy suites: an SDK client per account and a poller.
import { DescribeProjectVersionsCommand, RekognitionClient, type ProjectVersionDescription } from '@aws-sdk/client-rekognition';
import type { Creds } from '../helpers/clients.js';

export function sdk(url: string, creds: Creds): RekognitionClient {
  return new RekognitionClient({
    endpoint: url, region: creds.region ?? 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey ?? 'x' },
  });
}

export function projectOf(versionArn: string): { name: string; version: string } {
  const m = /:project\/([^/]+)\/version\/([^/]+)\/\d+$/.exec(versionArn);
  if (!m) throw new Error(`not a version ARN: ${versionArn}`);
  return { name: m[1], version: m[2] };
}

/** Polls DescribeProjectVersions until the version leaves `while` (default COPYING_IN_PROGRESS). */
export async function waitFor(client: RekognitionClient, projectArn: string, versionName: string, opts: { intervalMs?: number; timeoutMs?: number; while?: string } = {}): Promise<ProjectVersionDescription> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const r = await client.send(new DescribeProjectVersionsCommand({ ProjectArn: projectArn, VersionNames: [versionName] }));
    const v = r.ProjectVersionDescriptions?.[0];
    if (v && v.Status !== (opts.while ?? 'COPYING_IN_PROGRESS')) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${versionName}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}
