// `osprey demo`: the whole promotion flow on a temporary embedded server, through the AWS SDK —
// the sample dataset uploaded into a bucket through the S3 API, two accounts' projects, the dataset
// imported, a real training, a project policy, a cross-account copy — printing what each step did.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CopyProjectVersionCommand, CreateDatasetCommand, CreateProjectCommand, CreateProjectVersionCommand, DescribeDatasetCommand,
  DescribeProjectVersionsCommand, PutProjectPolicyCommand, RekognitionClient, type ProjectVersionDescription,
} from '@aws-sdk/client-rekognition';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { writeSampleDataset } from './ml/sample-dataset.js';

const DEV = '111122223333';
const PROD = '444455556666';
const BUCKET = 'osprey-demo';
/** The prod account writes its copy's output files into a bucket of its own (S3: only the owner may write to a bucket without a grant). */
const PROD_BUCKET = 'osprey-demo-prod';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function say(step: string, detail = ''): void {
  process.stdout.write(`\n==> ${step}\n${detail ? detail.replace(/^/gm, '    ') + '\n' : ''}`);
}

async function waitFor<T>(what: string, poll: () => Promise<T>, done: (t: T) => boolean, failed: (t: T) => boolean, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const t = await poll();
    if (done(t)) return t;
    if (failed(t)) throw new Error(`${what} failed: ${JSON.stringify(t)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not finish within ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

export async function runDemo(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const dirFlag = argv.indexOf('--data-dir');
  const dataDir = dirFlag >= 0 ? argv[dirFlag + 1] : mkdtempSync(join(tmpdir(), 'osprey-demo-'));
  const app = await createApp(loadConfig({ dataDir, port: '0', logLevel: 'silent' }, {}));
  const { host, port } = await app.listen();
  const endpoint = `http://${host}:${port}`;
  const client = (account: string) => new RekognitionClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: account, secretAccessKey: 'demo' } });
  const dev = client(DEV);
  const prod = client(PROD);
  try {
    say('Started a temporary Osprey server', `${endpoint}, data in ${dataDir}`);

    // The images go in as a user's would: written to a local folder, then uploaded with PutObject.
    const local = mkdtempSync(join(tmpdir(), 'osprey-demo-images-'));
    const s3Client = (account: string) => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: account, secretAccessKey: 'demo' } });
    const s3 = s3Client(DEV);
    const prodS3 = s3Client(PROD);
    try {
      const sample = await writeSampleDataset({ out: local, bucket: BUCKET });
      await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await prodS3.send(new CreateBucketCommand({ Bucket: PROD_BUCKET }));
      const files = [...sample.images.map((i) => i.path), 'train.manifest', 'test.manifest', 'all.manifest'];
      for (const key of files) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(join(local, key)) }));
      say('Uploaded the sample dataset through the S3 API', `${sample.images.length} images and train/test manifests in s3://${BUCKET}/ (bucket of account ${DEV})`);
    } finally {
      s3.destroy();
      prodS3.destroy();
      rmSync(local, { recursive: true, force: true });
    }

    const { ProjectArn: source } = await dev.send(new CreateProjectCommand({ ProjectName: 'shapes-dev' }));
    const { ProjectArn: destination } = await prod.send(new CreateProjectCommand({ ProjectName: 'shapes-prod' }));
    say('Created a project in each account', `dev  (${DEV}): ${source}\nprod (${PROD}): ${destination}`);

    for (const type of ['TRAIN', 'TEST'] as const) {
      const manifest = type === 'TRAIN' ? 'train.manifest' : 'test.manifest';
      const { DatasetArn } = await dev.send(new CreateDatasetCommand({
        ProjectArn: source, DatasetType: type, DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: BUCKET, Name: manifest } } },
      }));
      const d = await waitFor(`dataset ${type}`, () => dev.send(new DescribeDatasetCommand({ DatasetArn })).then((r) => r.DatasetDescription!),
        (x) => x.Status === 'CREATE_COMPLETE', (x) => x.Status === 'CREATE_FAILED', 120_000);
      say(`Imported the ${type} dataset`, `${DatasetArn}\n${d.DatasetStats?.TotalEntries} entries, ${d.DatasetStats?.TotalLabels} labels, ${d.DatasetStats?.ErrorEntries} with errors`);
    }

    const trainStart = Date.now();
    const { ProjectVersionArn: trained } = await dev.send(new CreateProjectVersionCommand({
      ProjectArn: source, VersionName: 'v1', OutputConfig: { S3Bucket: BUCKET, S3KeyPrefix: 'dev-output' },
    }));
    say('Started training', `${trained}`);
    const describe = (c: RekognitionClient, projectArn: string, name: string) => c.send(new DescribeProjectVersionsCommand({ ProjectArn: projectArn, VersionNames: [name] }))
      .then((r) => r.ProjectVersionDescriptions![0] as ProjectVersionDescription);
    const v = await waitFor('training', () => describe(dev, source!, 'v1'), (x) => x.Status === 'TRAINING_COMPLETED', (x) => x.Status === 'TRAINING_FAILED', 900_000);
    say('Training completed', `${v.StatusMessage} (${((Date.now() - trainStart) / 1000).toFixed(1)} s)\nF1 score on the test set: ${v.EvaluationResult?.F1Score?.toFixed(3)}\nevaluation: s3://${v.EvaluationResult?.Summary?.S3Object?.Bucket}/${v.EvaluationResult?.Summary?.S3Object?.Name}`);

    const policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'ALLOW', Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: 'rekognition:CopyProjectVersion', Resource: `${source!.replace(/\/\d+$/, '')}/version/*` }],
    };
    const { PolicyRevisionId } = await dev.send(new PutProjectPolicyCommand({ ProjectArn: source, PolicyName: 'allow-prod', PolicyDocument: JSON.stringify(policy) }));
    say('Attached a project policy that lets the prod account copy', `allow-prod, revision ${PolicyRevisionId}`);

    const copyStart = Date.now();
    const { ProjectVersionArn: copied } = await prod.send(new CopyProjectVersionCommand({
      SourceProjectArn: source, SourceProjectVersionArn: trained, DestinationProjectArn: destination, VersionName: 'v1-from-dev',
      OutputConfig: { S3Bucket: PROD_BUCKET, S3KeyPrefix: 'prod-output' }, Tags: { promotedFrom: 'dev' },
    }));
    say('Copied the model into the prod account', `${copied}`);
    const c = await waitFor('copy', () => describe(prod, destination!, 'v1-from-dev'), (x) => x.Status === 'COPYING_COMPLETED', (x) => x.Status === 'COPYING_FAILED', 120_000);
    say('Copy completed', `status ${c.Status} (${Date.now() - copyStart} ms)\nsource: ${c.SourceProjectVersionArn}\nF1 score carried over: ${c.EvaluationResult?.F1Score?.toFixed(3)}`);
    return 0;
  } catch (e) {
    process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await app.close();
    if (!keep && dirFlag < 0) rmSync(dataDir, { recursive: true, force: true });
  }
}
