// The object-detection branch of the training job: letterboxed images and their boxes → the
// detector (src/ml/detection), evaluated on the test set at IoU 0.5 as Custom Labels reports it,
// with thresholds chosen there, and the ground-truth snapshots with the predicted boxes.
import type { Progress } from '../../../ml/train.js';
import type { Letterboxed } from '../../../ml/detection/letterbox.js';
import type { Detection } from '../../../ml/detection/decode.js';
import type { DetectionEvaluation, GroundTruthBox } from '../../../ml/detection/evaluate.js';
import { isUsable, type ParsedLine } from '../../datasets/manifest.js';
import { backboneFor, type TrainingOptions } from './options.js';

/** What a trained branch hands back to the job (the same for classification and detection). */
export interface TrainedVersion {
  model: Buffer;
  f1: number;
  numberOfTrainingImages: number;
  imagesPerSecond: number;
  trainingGroundTruth: string;
  testingGroundTruth: string;
  evaluationSummary: Record<string, unknown>;
}

/** Usable bounding-box lines (with or without boxes: an image with none teaches the background). */
export const detectionLines = (lines: ParsedLine[]) => lines.filter((l) => isUsable(l) && l.useCase === 'OBJECT_LOCALIZATION');

/** The decoder the job uses for detection data: letterboxing at the detector's input size. */
export async function detectionDecoder(options: TrainingOptions): Promise<{ size: number; decode: (bytes: Buffer) => Promise<Letterboxed> }> {
  const { DEFAULT_DETECTOR_INPUT, DEFAULT_DETECTOR, BACKBONE_DETECTOR, BACKBONE_DETECTOR_INPUT, outputStride } = await import('../../../ml/detection/network.js');
  const { letterbox } = await import('../../../ml/detection/letterbox.js');
  const onBackbone = backboneFor(options, 'detection') === 'mobilenet-v2';
  const stride = outputStride(onBackbone ? BACKBONE_DETECTOR : DEFAULT_DETECTOR);
  const size = options.inputSize ? Math.max(2, Math.ceil(options.inputSize / stride)) * stride : onBackbone ? BACKBONE_DETECTOR_INPUT : DEFAULT_DETECTOR_INPUT;
  return { size, decode: (bytes) => letterbox(bytes, size) };
}

/** The boxes of a line as ratios of its image_size, for the labels the model knows. */
function boxesOf(l: ParsedLine, index: Map<string, number>): GroundTruthBox[] {
  const { width, height } = l.imageSize!;
  return l.boxes.filter((b) => index.has(b.label)).map((b) => ({
    label: index.get(b.label)!, box: { left: b.left / width, top: b.top / height, width: b.width / width, height: b.height / height },
  }));
}

export async function trainDetection(args: {
  training: ParsedLine[]; testing: ParsedLine[]; images: Map<ParsedLine, Letterboxed>; options: TrainingOptions; size: number;
  versionArn: string; signal: AbortSignal; onProgress: (p: Progress) => void; say: (m: string) => Promise<unknown>; now: () => Date;
}): Promise<TrainedVersion> {
  const { trainDetector } = await import('../../../ml/detection/train.js');
  const { detectBatch } = await import('../../../ml/detection/predict.js');
  const { evaluateDetection, buildDetectionSummary } = await import('../../../ml/detection/evaluate.js');
  const { withAssumedThresholds } = await import('../../../ml/model-format.js');
  const { options } = args;
  const trainLines = detectionLines(args.training);
  const labelNames = [...new Set(trainLines.flatMap((l) => Object.keys(l.labels)))].sort();
  const index = new Map(labelNames.map((l, i) => [l, i]));
  const example = (l: ParsedLine) => { const lb = args.images.get(l)!; return { image: lb.input, lb, boxes: boxesOf(l, index) }; };
  const examples = trainLines.map(example);
  const backbone = backboneFor(options, 'detection');
  await args.say(`Training an object detector${backbone === 'mobilenet-v2' ? ' on the pretrained MobileNetV2 backbone' : ''} on ${examples.length} images with ${labelNames.length} labels.`);
  const trained = await trainDetector({
    examples, labelNames, inputSize: args.size, epochs: options.epochs, seed: options.seed, batchSize: options.batchSize, learningRate: options.learningRate,
    backbone,
  }, args.onProgress, args.signal);
  if (args.signal.aborted) { const e = new Error('training aborted'); e.name = 'AbortError'; throw e; }

  await args.say('Evaluating the model on the testing data.');
  const testLines = detectionLines(args.testing);
  const tests = testLines.map(example);
  const predictions = await detectBatch(trained.model, tests);
  const ev = evaluateDetection({ labels: labelNames, groundTruth: tests.map((t) => t.boxes), predictions });
  const end = args.now();
  return {
    model: withAssumedThresholds(trained.model, ev.assumedThresholds),
    f1: ev.aggregate.F1Score,
    numberOfTrainingImages: examples.length,
    imagesPerSecond: trained.imagesPerSecond,
    trainingGroundTruth: snapshot(trainLines, end, 'training', labelNames, examples.map((e) => e.boxes.map((b) => ({ ...b, confidence: 1 })))),
    testingGroundTruth: testingSnapshot(testLines, tests.map((t) => t.boxes), predictions, ev, labelNames, end),
    evaluationSummary: buildDetectionSummary({ result: ev, projectVersionArn: args.versionArn, evaluationEndTimestamp: end, numberOfTrainingImages: examples.length }),
  };
}

interface SnapshotBox extends GroundTruthBox { confidence: number; details?: Record<string, unknown> }

/** One object-detection attribute (spec §8.2 layout) added to each line: `rekognition-custom-labels-<job>-0`. */
function snapshot(lines: ParsedLine[], at: Date, job: 'training' | 'evaluation', labels: string[], boxes: SnapshotBox[][]): string {
  const stamp = at.toISOString();
  const classMap = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  return lines.map((l, i) => {
    const o: Record<string, unknown> = { ...l.object };
    delete o.errors;
    const { width, height } = l.imageSize!;
    const list = boxes[i]!;
    o[`rekognition-custom-labels-${job}-0`] = {
      image_size: [{ width, height, depth: 3 }],
      annotations: list.map((b) => ({
        class_id: b.label, left: Math.round(b.box.left * width), top: Math.round(b.box.top * height),
        width: Math.round(b.box.width * width), height: Math.round(b.box.height * height),
      })),
    };
    o[`rekognition-custom-labels-${job}-0-metadata`] = {
      objects: list.map((b) => ({ confidence: Number(b.confidence.toFixed(6)), ...(b.details ? { 'rekognition-custom-labels-evaluation-details': b.details } : {}) })),
      'class-map': classMap, type: 'groundtruth/object-detection', 'human-annotated': job === 'training' ? 'yes' : 'no',
      'creation-date': stamp, 'job-name': `rekognition-custom-labels-${job}-job`,
    };
    return JSON.stringify(o);
  }).join('\n') + (lines.length ? '\n' : '');
}

/**
 * The evaluation snapshot: per test image, every predicted box at or above its label's assumed threshold (a true or
 * false positive at IoU 0.5), then every ground-truth box no such prediction matched (a false negative, confidence 0).
 */
function testingSnapshot(lines: ParsedLine[], truth: GroundTruthBox[][], predictions: Detection[][], ev: DetectionEvaluation, labels: string[], at: Date): string {
  const details = (tp: boolean, fp: boolean, fn: boolean) => ({
    version: 1, 'is-true-positive': tp, 'is-true-negative': false, 'is-false-positive': fp, 'is-false-negative': fn,
    'is-present-in-ground-truth': tp || fn, 'ground-truth-labelling-jobs': tp || fn ? ['rekognition-custom-labels-training-job'] : [],
  });
  const boxes = predictions.map((preds, i) => {
    const kept = preds.map((d, k) => ({ d, m: ev.matches[i]![k]! })).filter(({ d }) => d.confidence >= ev.assumedThresholds[d.label]!);
    const matched = new Set(kept.filter(({ m }) => m.truePositive).map(({ m }) => m.groundTruth));
    return [
      ...kept.map(({ d, m }): SnapshotBox => ({ label: d.label, box: d.box, confidence: d.confidence, details: details(m.truePositive, !m.truePositive, false) })),
      ...truth[i]!.filter((_, gi) => !matched.has(gi)).map((g): SnapshotBox => ({ ...g, confidence: 0, details: details(false, false, true) })),
    ];
  });
  return snapshot(lines, at, 'evaluation', labels, boxes);
}
