// A full training run on the sample images through the aws CLI and boto3, and the evaluation
// file read back from the output bucket (sealed on disk; read through the S3 route with `aws s3 cp`
// and boto3) and checked against DescribeProjectVersions.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ACCOUNT_A, ACCOUNT_B, aws, awsS3, boto3, s3cp, s3object } from '../helpers/clients.js';
import { SEALED_MAGIC } from '../../src/domain/keys/sealed-objects.js';
import type { TestServer } from '../helpers/server.js';
import { storedBytes, storedKeys } from '../helpers/objects.js';
import { BUCKET, cli, datasetStatus, manifestSource, sampleServer, until } from './fixtures.js';

let server: TestServer;
before(async () => { server = await sampleServer({ count: 80, epochs: 12 }); });
after(async () => { await server.stop(); server.cleanup(); });

test('datasets → CreateProjectVersion → waiter → evaluation file matches DescribeProjectVersions', async () => {
  const p = cli(server, ['create-project', '--project-name', 'shapes']).ProjectArn;
  for (const [type, name] of [['TRAIN', 'train.manifest'], ['TEST', 'test.manifest']]) {
    const arn = cli(server, ['create-dataset', '--project-arn', p, '--dataset-type', type, '--dataset-source', manifestSource(BUCKET, name)]).DatasetArn;
    assert.equal((await datasetStatus(server, arn)).Status, 'CREATE_COMPLETE');
  }
  const created = cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--version-description', 'first model',
    '--output-config', 'S3Bucket=results,S3KeyPrefix=out/run1', '--tags', 'team=vision']);
  assert.match(created.ProjectVersionArn, /:project\/shapes\/version\/v1\/\d+$/);
  assert.match(aws(server.url, ['create-project-version', '--project-arn', p, '--version-name', 'v1', '--output-config', 'S3Bucket=results']).stderr, /ResourceInUseException/);

  const waited = boto3(server.url, `
rek.get_waiter('project_version_training_completed').wait(ProjectArn=V['p'], VersionNames=['v1'], WaiterConfig={'Delay': 1, 'MaxAttempts': 600})
out = rek.describe_project_versions(ProjectArn=V['p'], VersionNames=['v1'])['ProjectVersionDescriptions'][0]`, undefined, { p });
  assert.equal(waited.Status, 'TRAINING_COMPLETED', waited.StatusMessage ?? waited.message);
  assert.equal(waited.StatusMessage, 'The model is ready to run.');
  assert.equal(waited.VersionDescription, 'first model');
  assert.deepEqual(waited.OutputConfig, { S3Bucket: 'results', S3KeyPrefix: 'out/run1' });
  assert.ok(waited.BillableTrainingTimeInSeconds >= 1);
  assert.ok(waited.TrainingEndTimestamp);
  assert.deepEqual(waited.TrainingDataResult.Input, {});
  assert.deepEqual(waited.TestingDataResult.Input, { AutoCreate: false });
  const name = (kind: string) => `out/run1/${kind}-shapes-v1.json`;
  assert.equal(waited.EvaluationResult.Summary.S3Object.Name, name('EvaluationResultSummary'));
  assert.equal(waited.ManifestSummary.S3Object.Name, name('ManifestSummary'));
  assert.equal(waited.TrainingDataResult.Output.Assets[0].GroundTruthManifest.S3Object.Name, name('TrainingGroundTruth'));
  assert.equal(waited.TestingDataResult.Validation.Assets[0].GroundTruthManifest.S3Object.Name, name('TestingManifestWithValidation'));

  const stored = await storedKeys(server.dataDir, 'results', 'out/run1/');
  assert.deepEqual(stored, ['EvaluationResultSummary', 'ManifestSummary', 'TestingGroundTruth', 'TestingManifestWithValidation',
    'TrainingGroundTruth', 'TrainingManifestWithValidation'].map((k) => `out/run1/${k}-shapes-v1.json`));
  for (const f of stored) {
    const bytes = (await storedBytes(server.dataDir, 'results', f))!;
    assert.equal(bytes.subarray(0, SEALED_MAGIC.length).toString(), SEALED_MAGIC, `${f} is sealed`);
    assert.ok(!bytes.includes('source-ref') && !bytes.includes('"Version"') && !bytes.includes('statistics'), `${f}: no plaintext on disk`);
  }
  const read = (kind: string) => {
    const r = s3cp(server.url, 'results', name(kind));
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.toString('utf8');
  };
  const summary = JSON.parse(read('EvaluationResultSummary'));
  assert.equal(summary.EvaluationDetails.ProjectVersionArn, created.ProjectVersionArn);
  assert.equal(summary.AggregatedEvaluationResults.F1Score, waited.EvaluationResult.F1Score);
  assert.deepEqual(summary.EvaluationDetails.Labels, ['circle', 'square', 'stripes', 'triangle']);
  assert.equal(summary.EvaluationDetails.NumberOfTrainingImages, 64);
  assert.equal(summary.EvaluationDetails.NumberOfTestingImages, 16);
  assert.equal(summary.AggregatedEvaluationResults.ConfusionMatrix.length, 16);
  for (const l of summary.LabelEvaluationResults) {
    const m = l.Metrics;
    assert.ok(m.Threshold >= 0 && m.Threshold <= 1);
    const f1 = m.Precision + m.Recall ? (2 * m.Precision * m.Recall) / (m.Precision + m.Recall) : 0;
    assert.ok(Math.abs(f1 - m.F1Score) < 1e-9, 'per-label F1 is the harmonic mean of its precision and recall');
  }
  // Only a model that learned gets here. Thresholds are tuned on the test set, so a model that answers
  // every label already scores F1 0.40 on four balanced labels, and one that always answers the same
  // label gets 0.25 of each row of the confusion matrix (arg-max) right. A model trained on shuffled
  // labels stays near both (test/ml/train.test.ts).
  const cm = summary.AggregatedEvaluationResults.ConfusionMatrix as { GroundTruthLabel: string; PredictedLabel: string; Value: number }[];
  const balancedAccuracy = cm.filter((c) => c.GroundTruthLabel === c.PredictedLabel).reduce((a, c) => a + c.Value, 0) / 4;
  console.log(`# 12 epochs on 64 images: F1 ${waited.EvaluationResult.F1Score}, balanced accuracy ${balancedAccuracy}`);
  assert.ok(balancedAccuracy >= 0.6, `balanced accuracy ${balancedAccuracy}`);
  assert.ok(waited.EvaluationResult.F1Score >= 0.6, `F1 ${waited.EvaluationResult.F1Score}`);
  const ms = JSON.parse(s3object(server.url, 'results', name('ManifestSummary')).body!.toString('utf8'));
  assert.equal(ms.statistics.training.valid_json_lines, 64);
  assert.equal(ms.statistics.testing.use_case, 'IMAGE_LEVEL_LABELS');
  const gt = read('TestingGroundTruth').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(gt.length, 16);
  const details = gt[0]['rekognition-custom-labels-evaluation-0-metadata']['rekognition-custom-labels-evaluation-details'];
  assert.equal(details.version, 1);
  assert.equal(typeof details['is-true-positive'], 'boolean');
  // Another account may not decrypt the outputs (default key policy: the owning account only).
  assert.equal(s3object(server.url, 'results', name('EvaluationResultSummary'), ACCOUNT_B).error, 'AccessDenied');
  // A sealed output used as a manifest is opened through the keys layer: by its account, not by another.
  const fromOutput = (creds = ACCOUNT_A) => {
    const run = (args: string[]) => { const r = aws(server.url, args, creds); assert.equal(r.code, 0, r.stderr); return r.json; };
    const project = run(['create-project', '--project-name', 'reuse']).ProjectArn;
    const arn = run(['create-dataset', '--project-arn', project, '--dataset-type', 'TRAIN', '--dataset-source', manifestSource('results', name('TrainingGroundTruth'))]).DatasetArn;
    return until(() => {
      const d = run(['describe-dataset', '--dataset-arn', arn]).DatasetDescription;
      return d.Status.endsWith('_IN_PROGRESS') ? undefined : d;
    }, `dataset ${arn}`);
  };
  assert.equal((await fromOutput()).Status, 'CREATE_COMPLETE');
  // Another account cannot read the bucket at all: CreateDataset refuses the manifest at once.
  const outsider = aws(server.url, ['create-project', '--project-name', 'reuse-refused'], ACCOUNT_B).json.ProjectArn;
  const refused = aws(server.url, ['create-dataset', '--project-arn', outsider, '--dataset-type', 'TRAIN', '--dataset-source', manifestSource('results', name('TrainingGroundTruth'))], ACCOUNT_B);
  assert.match(refused.stderr, /InvalidS3ObjectException/);
  // With read access granted by a bucket policy, the sealed file still opens only for its key's account.
  const grantRead = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::results/*' }] };
  const granted = awsS3(server.url, ['s3api', 'put-bucket-policy', '--bucket', 'results', '--policy', JSON.stringify(grantRead)]);
  assert.equal(granted.code, 0, granted.stderr);
  const other = await fromOutput(ACCOUNT_B);
  assert.equal(other.Status, 'CREATE_FAILED');
  assert.match(other.StatusMessage, /ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT/);
  assert.deepEqual(cli(server, ['list-tags-for-resource', '--resource-arn', created.ProjectVersionArn]).Tags, { team: 'vision' });
  // The clients run synchronously, so the server's log is read once the event loop turns again.
  await until(() => (server.log().includes('"training progress"') ? true : undefined), 'the progress log lines');
});

test('manifest training with TestingData.AutoCreate splits 80/20', async () => {
  const p = cli(server, ['create-project', '--project-name', 'auto']).ProjectArn;
  const asset = (name: string) => `Assets=[{GroundTruthManifest={S3Object={Bucket=${BUCKET},Name=${name}}}}]`;
  cli(server, ['create-project-version', '--project-arn', p, '--version-name', 'a1', '--output-config', 'S3Bucket=results',
    '--training-data', asset('all.manifest'), '--testing-data', 'AutoCreate=true']);
  const v = boto3(server.url, `
rek.get_waiter('project_version_training_completed').wait(ProjectArn=V['p'], WaiterConfig={'Delay': 1, 'MaxAttempts': 600})
out = rek.describe_project_versions(ProjectArn=V['p'])['ProjectVersionDescriptions'][0]`, undefined, { p });
  assert.equal(v.Status, 'TRAINING_COMPLETED', v.StatusMessage);
  assert.deepEqual(v.TestingDataResult.Input, { AutoCreate: true });
  assert.equal(v.EvaluationResult.Summary.S3Object.Name, 'EvaluationResultSummary-auto-a1.json', 'no prefix, no leading slash');
  const summary = JSON.parse(s3object(server.url, 'results', 'EvaluationResultSummary-auto-a1.json').body!.toString('utf8'));
  assert.equal(summary.EvaluationDetails.NumberOfTestingImages, 16);
  assert.equal(summary.EvaluationDetails.NumberOfTrainingImages, 64);
});
