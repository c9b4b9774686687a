// The training job: validate the data, train a CNN (src/ml), evaluate it on the test set, write
// the output files, seal the model into the vault, and only then mark the version completed.
// A crash at any point leaves the version TRAINING_IN_PROGRESS with its job RUNNING, which the
// runner hands to recover() on restart: the training is run again from the start, or failed.
import type { JobKind } from '../../../jobs/runner.js';
import { buildEvaluationSummary, evaluateClassification, predictedLabels } from '../../../ml/evaluate.js';
import { withAssumedThresholds } from '../../../ml/model-format.js';
import type { Progress } from '../../../ml/train.js';
import type { Logger } from '../../../server/logger.js';
import type { ObjectFiles } from '../../s3/service.js';
import type { AssetList, DatasetStore, JobRecord, VersionDetail, VersionStore } from '../../../storage/ports.js';
import type { SealedObjects } from '../../keys/sealed-objects.js';
import type { ModelVault } from '../../keys/vault.js';
import type { Clock } from '../../shared/clock.js';
import type { Caller } from '../../shared/scope.js';
import type { TerminalError } from '../../datasets/validation.js';
import { allErrors, autoSplit, checkSets, decodeImages, gather, isDetection, isLabeled, type DataSource } from './data.js';
import { detectionDecoder, trainDetection, type TrainedVersion } from './detection.js';
import type { Letterboxed } from '../../../ml/detection/letterbox.js';
import type { ParsedLine } from '../../datasets/manifest.js';
import { backboneFor, type TrainingOptions } from './options.js';
import { Outputs } from './outputs.js';
import { manifestSummary, testingGroundTruth, trainingGroundTruth, withValidation } from './summary.js';

export const TRAINING_JOB = 'train';
export const trainingJobId = (versionArn: string) => `train:${versionArn}`;

export interface TrainingPayload {
  versionArn: string;
  caller: Caller;
  projectName: string;
  versionName: string;
  source: DataSource;
  outputConfig: { S3Bucket: string; S3KeyPrefix?: string };
  kmsKeyId?: string;
  /** TrainingDataResult.Input / TestingDataResult.Input as DescribeProjectVersions shows them. */
  input: { training: AssetList; testing: AssetList };
}

export interface TrainingDeps {
  versions: VersionStore; datasets: DatasetStore; objects: ObjectFiles; vault: ModelVault; clock: Clock;
  /** Output files are sealed under the version's key; manifests are read as the caller. */
  sealed: SealedObjects;
  options: TrainingOptions; concurrency: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const failureMessage = (errors: TerminalError[]) =>
  `${errors[0]!.code}: ${errors[0]!.message}${errors.length > 1 ? ` (${errors.length - 1} more error(s); see the manifest summary)` : ''}`;

function aborted(signal: AbortSignal): void {
  if (signal.aborted) { const e = new Error('training aborted'); e.name = 'AbortError'; throw e; }
}

export function trainingJob(deps: TrainingDeps): JobKind {
  const { versions, objects, vault, sealed: files, clock, options } = deps;

  const say = (arn: string, message: string) => versions.update(arn, 'TRAINING_IN_PROGRESS', { statusMessage: message });

  const run = async (p: TrainingPayload, signal: AbortSignal, log: Logger) => {
    const v = await versions.get(p.versionArn);
    if (!v || v.status !== 'TRAINING_IN_PROGRESS') return;
    const t0 = performance.now();
    // The key is resolved before any work, so a key the owner may no longer use fails the job at once.
    const out = new Outputs(await files.writerFor(p.caller, p.kmsKeyId), { bucket: p.outputConfig.S3Bucket, prefix: p.outputConfig.S3KeyPrefix, project: p.projectName, version: p.versionName });
    // tfjs loads on the first training, not at server start-up.
    const { DEFAULT_INPUT_SIZE, trainClassifier } = await import('../../../ml/train.js');
    const { predictBatch } = await import('../../../ml/predict.js');
    const backbone = backboneFor(options, 'classification') === 'mobilenet-v2';
    const inputSize = options.inputSize ?? (backbone ? 224 : DEFAULT_INPUT_SIZE);
    const autoCreate = p.source.autoCreate;

    await say(p.versionArn, 'Validating the training and testing data.');
    const g = await gather(p.source, { datasets: deps.datasets, read: (bucket, name) => files.getAs(p.caller, bucket, name) });
    let images = new Map<never, Float32Array>() as Map<unknown, Float32Array>;
    const validated = !g.training.fileError && !g.testing.fileError;
    // Object detection (bounding boxes in the training data) letterboxes the images for the detector.
    const detector = validated && isDetection(g) ? await detectionDecoder(options) : undefined;
    const decode = detector?.decode as ((b: Buffer) => Promise<Float32Array>) | undefined;
    if (validated) {
      images = await decodeImages(objects, p.caller, g.training.lines, inputSize, (n) => void say(p.versionArn, `Validating training images: ${n} of ${g.training.lines.length} read.`), 4, decode);
      aborted(signal);
      if (autoCreate) autoSplit(g);
      else for (const [k, val] of await decodeImages(objects, p.caller, g.testing.lines, inputSize, undefined, 4, decode)) images.set(k, val);
    }
    aborted(signal);
    checkSets(g);
    const summary = manifestSummary(g);
    const dataResult = (): Pick<VersionDetail, 'trainingDataResult' | 'testingDataResult' | 'manifestSummary'> => ({
      trainingDataResult: { Input: p.input.training, Output: out.asset('TrainingGroundTruth'), Validation: out.asset('TrainingManifestWithValidation') },
      testingDataResult: { Input: p.input.testing, Output: { ...out.asset('TestingGroundTruth'), AutoCreate: autoCreate }, Validation: out.asset('TestingManifestWithValidation') },
      manifestSummary: { S3Object: out.ref('ManifestSummary') },
    });
    const errors = allErrors(g);
    if (errors.length > 0) {
      let detail: Partial<VersionDetail> = {};
      if (validated) {
        // Validation results exist only when the manifests themselves could be read (spec §9.1).
        await out.write('TrainingManifestWithValidation', withValidation(g.training));
        await out.write('TestingManifestWithValidation', withValidation(g.testing));
        await out.write('ManifestSummary', summary);
        const r = dataResult();
        detail = {
          manifestSummary: r.manifestSummary,
          trainingDataResult: { Input: p.input.training, Validation: r.trainingDataResult!.Validation },
          testingDataResult: { Input: p.input.testing, Validation: r.testingDataResult!.Validation },
        };
      }
      log.warn('training failed validation', { version: p.versionArn, errors: errors.map((e) => e.code) });
      await versions.transition(p.versionArn, ['TRAINING_IN_PROGRESS'], 'TRAINING_FAILED', { statusMessage: failureMessage(errors), detail });
      return;
    }

    const onProgress = (pr: Progress) => {
      const message = `Training: epoch ${pr.epoch} of ${pr.epochs}, loss ${pr.loss.toFixed(4)}, accuracy ${pct(pr.accuracy)}.`;
      void say(p.versionArn, message);
      log.info('training progress', { version: p.versionArn, epoch: pr.epoch, epochs: pr.epochs, loss: pr.loss, accuracy: pr.accuracy, elapsedMs: Math.round(pr.elapsedMs) });
    };
    const result = detector
      ? await trainDetection({
        training: g.training.lines, testing: g.testing.lines, images: images as unknown as Map<ParsedLine, Letterboxed>, options, size: detector.size,
        versionArn: p.versionArn, signal, onProgress, say: (m) => say(p.versionArn, m), now: () => clock.now(),
      })
      : await classify();
    aborted(signal);
    await out.write('TrainingManifestWithValidation', withValidation(g.training));
    await out.write('TestingManifestWithValidation', withValidation(g.testing));
    await out.write('ManifestSummary', summary);
    await out.write('TrainingGroundTruth', result.trainingGroundTruth);
    await out.write('TestingGroundTruth', result.testingGroundTruth);
    await out.write('EvaluationResultSummary', result.evaluationSummary);
    const sealed = await vault.seal(p.caller, result.model, p.kmsKeyId);
    const seconds = Math.max(1, Math.ceil((performance.now() - t0) / 1000));
    log.info('training completed', { version: p.versionArn, f1: result.f1, seconds, imagesPerSecond: Math.round(result.imagesPerSecond) });
    await versions.transition(p.versionArn, ['TRAINING_IN_PROGRESS'], 'TRAINING_COMPLETED', {
      statusMessage: 'The model is ready to run.',
      modelSha256: sealed.sha256,
      detail: {
        ...dataResult(),
        evaluationResult: { F1Score: result.f1, Summary: { S3Object: out.ref('EvaluationResultSummary') } },
        billableTrainingTimeInSeconds: seconds, trainingEndMs: clock.now().getTime(), modelEncryption: sealed.encryption,
      },
    });
    return;

    async function classify(): Promise<TrainedVersion> {
      const labelNames = [...new Set(g.training.lines.filter(isLabeled).flatMap((l) => Object.keys(l.labels)))].sort();
      const index = new Map(labelNames.map((l, i) => [l, i]));
      const trainLines = g.training.lines.filter(isLabeled);
      const examples = trainLines.map((l) => ({ image: images.get(l)!, labels: Object.keys(l.labels).map((x) => index.get(x)!) }));
      await say(p.versionArn, `Training on ${examples.length} images with ${labelNames.length} labels.`);
      log.info('training started', { version: p.versionArn, images: examples.length, labels: labelNames.length });
      const trained = await trainClassifier({
        examples, labelNames, inputSize, epochs: options.epochs, seed: options.seed, batchSize: options.batchSize,
        learningRate: options.learningRate, augmentFlip: options.augmentFlip,
        backbone: backboneFor(options, 'classification'), transferVariant: options.transferVariant,
      }, onProgress, signal);
      aborted(signal);

      // Evaluate on the test images whose labels the model knows; thresholds are chosen here.
      await say(p.versionArn, 'Evaluating the model on the testing data.');
      const testLines = g.testing.lines.filter((l) => isLabeled(l) && Object.keys(l.labels).some((x) => index.has(x)));
      const confidences = await predictBatch(trained.model, testLines.map((l) => images.get(l)!));
      const groundTruth = testLines.map((l) => Object.keys(l.labels).filter((x) => index.has(x)).map((x) => index.get(x)!));
      const ev = evaluateClassification({ labels: labelNames, groundTruth, confidences, multiLabel: trained.multiLabel });
      const model = withAssumedThresholds(trained.model, ev.assumedThresholds);
      const predicted = confidences.map((c) => predictedLabels(c, ev.assumedThresholds, trained.multiLabel));
      const end = clock.now();
      return {
        model, f1: ev.aggregate.F1Score, numberOfTrainingImages: examples.length, imagesPerSecond: trained.imagesPerSecond,
        trainingGroundTruth: trainingGroundTruth(trainLines, end),
        testingGroundTruth: testingGroundTruth(testLines, labelNames, confidences, predicted, end),
        evaluationSummary: buildEvaluationSummary({ result: ev, projectVersionArn: p.versionArn, evaluationEndTimestamp: end, numberOfTrainingImages: examples.length }),
      };
    }
  };

  const fail = async (job: JobRecord, reason: string) => {
    const p = job.payload as TrainingPayload;
    await versions.transition(p.versionArn, ['TRAINING_IN_PROGRESS'], 'TRAINING_FAILED', {
      statusMessage: `The training failed: ${reason.slice(0, 500)}`,
    });
  };

  return {
    kind: TRAINING_JOB,
    concurrency: Math.max(1, deps.concurrency),
    // The training concurrency is a limit of the whole deployment, however many nodes share the database.
    clusterConcurrency: Math.max(1, deps.concurrency),
    run: ({ job, signal, log }) => run(job.payload as TrainingPayload, signal, log),
    recover: async (job) => {
      if (job.attempts >= options.maxAttempts) return 'fail';
      await say((job.payload as TrainingPayload).versionArn, 'The training was interrupted by a server restart and is queued again.');
      return 'resume';
    },
    fail,
  };
}
