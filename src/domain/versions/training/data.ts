// Gathers the training and testing lines (from the project's datasets or from manifests), reads
// and decodes every image, and applies the rules that fail a training run (spec §8.4).
import { ImageError, imageToInput, probeImage } from '../../../ml/image.js';
import type { ObjectFiles } from '../../s3/service.js';
import type { Caller } from '../../shared/scope.js';
import type { DatasetStore } from '../../../storage/ports.js';
import { dimensionProblem, readImage } from '../../datasets/images.js';
import { addLineError, isUsable, parseLine, type ParsedLine } from '../../datasets/manifest.js';
import { splitByLabel } from '../../datasets/split.js';
import { versionHeld } from '../../shared/object-version.js';
import { checkLines, parseManifest, type TerminalError } from '../../datasets/validation.js';

export interface S3Ref { Bucket: string; Name: string; Version?: string }

/** Reads an object's plaintext for the caller (sealed objects are opened through the keys layer); undefined when missing. */
export type ObjectReader = (bucket: string, name: string) => Promise<Buffer | undefined>;

export type DataSource =
  | { kind: 'datasets'; trainArn: string; testArn?: string; autoCreate: boolean }
  | { kind: 'manifests'; training: S3Ref; testing?: S3Ref; autoCreate: boolean };

export interface DataSet {
  lines: ParsedLine[];
  /** A problem with the manifest as a whole; no line was validated. */
  fileError?: TerminalError;
  errors: TerminalError[];
}

export interface Gathered { training: DataSet; testing: DataSet; errors: TerminalError[] }

const labelsOf = (p: ParsedLine) => Object.keys(p.labels);
export const isLabeled = (p: ParsedLine) => isUsable(p) && labelsOf(p).length > 0;

async function readManifest(read: ObjectReader, ref: S3Ref): Promise<DataSet> {
  let bytes: Buffer | undefined;
  // A Version other than "null" names an object version the bucket does not hold (shared/object-version.ts).
  if (versionHeld(ref.Version)) try { bytes = await read(ref.Bucket, ref.Name); } catch { bytes = undefined; }
  if (!bytes) {
    const which = ref.Version === undefined ? '' : ` (version ${ref.Version})`;
    return { lines: [], errors: [], fileError: { code: 'ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT', message: `The manifest file s3://${ref.Bucket}/${ref.Name}${which} cannot be read.` } };
  }
  const parsed = parseManifest(bytes);
  return 'terminal' in parsed ? { lines: [], errors: [], fileError: parsed.terminal } : { lines: parsed.lines, errors: [] };
}

async function readDataset(datasets: DatasetStore, arn: string): Promise<DataSet> {
  const entries = await datasets.allEntries(arn);
  if (entries.length === 0) return { lines: [], errors: [], fileError: { code: 'ERROR_EMPTY_MANIFEST', message: `The dataset ${arn} has no entries.` } };
  return { lines: entries.map((e) => parseLine(e.line)), errors: [] };
}

/** Reads both sets; with AutoCreate the testing set is 20% of the usable training lines. */
export async function gather(source: DataSource, deps: { read: ObjectReader; datasets: DatasetStore }): Promise<Gathered> {
  const training = source.kind === 'datasets' ? await readDataset(deps.datasets, source.trainArn) : await readManifest(deps.read, source.training);
  let testing: DataSet = { lines: [], errors: [] };
  if (!source.autoCreate) {
    testing = source.kind === 'datasets' ? await readDataset(deps.datasets, source.testArn!) : await readManifest(deps.read, source.testing!);
  }
  return { training, testing, errors: [] };
}

/** Reads, checks and decodes every image still usable, a few at a time; problems go on the line. */
export async function decodeImages<T = Float32Array>(
  objects: ObjectFiles, as: Caller, lines: ParsedLine[], inputSize: number, onProgress?: (done: number) => void, concurrency = 4,
  decode: (bytes: Buffer) => Promise<T> = (bytes) => imageToInput(bytes, inputSize) as Promise<T>,
): Promise<Map<ParsedLine, T>> {
  const out = new Map<ParsedLine, T>();
  const todo = lines.filter((l) => isUsable(l));
  let next = 0, done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const bytes = await readImage(objects, p, as);
      if (bytes) {
        try {
          const info = await probeImage(bytes, { decode: false });
          const problem = dimensionProblem(info.width, info.height);
          if (problem) addLineError(p, 'ERROR_INVALID_IMAGE_DIMENSION', problem);
          else out.set(p, await decode(bytes));
        } catch (e) {
          addLineError(p, 'ERROR_INVALID_IMAGE', `The image ${p.sourceRef} is not a valid JPEG or PNG file${e instanceof ImageError ? `: ${e.message}` : ''}.`);
        }
      }
      if (++done % 500 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  return out;
}

/** Splits the training set for TestingData.AutoCreate (same rule as DistributeDatasetEntries). */
export function autoSplit(g: Gathered): void {
  const usable = g.training.lines.filter(isLabeled);
  const split = splitByLabel(usable, labelsOf, (p) => p.sourceRef!);
  if (split.tooFew.length > 0) {
    g.errors.push({ code: 'ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT', message: `Each label needs at least 2 images to split off a test set; too few for: ${split.tooFew.slice(0, 10).join(', ')}.` });
    return;
  }
  const test = new Set(split.test);
  g.testing = { lines: split.test, errors: [] };
  g.training = { ...g.training, lines: g.training.lines.filter((l) => !test.has(l)) };
}

/** The rules checked after every line and image has been validated. Fills the errors lists. */
export function checkSets(g: Gathered): void {
  const detection = isDetection(g);
  if (detection) markImageLevelLines(g);
  for (const set of [g.training, g.testing]) {
    if (set.fileError) { set.errors.push(set.fileError); continue; }
    const e = checkLines(set.lines);
    if (e) set.errors.push(e);
  }
  if (g.training.errors.length || g.testing.errors.length) return;
  const buckets = new Set([...g.training.lines, ...g.testing.lines].filter((l) => l.bucket).map((l) => l.bucket));
  if (buckets.size > 1) {
    g.errors.push({ code: 'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS', message: `The training and testing images are in more than one bucket (${[...buckets].slice(0, 3).join(', ')}).` });
  }
  if (detection) { checkDetectionSets(g); return; }
  const trainLabels = new Set(g.training.lines.filter(isLabeled).flatMap(labelsOf));
  const testLabels = new Set(g.testing.lines.filter(isLabeled).flatMap(labelsOf));
  if (trainLabels.size === 0) g.training.errors.push({ code: 'ERROR_NO_VALID_LABEL_ATTRIBUTES', message: 'The training data has no labeled images.' });
  else if (trainLabels.size < 2) g.training.errors.push({ code: 'ERROR_MANIFEST_TOO_FEW_LABELS', message: `The training data has ${trainLabels.size} label; at least 2 are needed.` });
  if (testLabels.size === 0) g.testing.errors.push({ code: 'ERROR_NO_VALID_LABEL_ATTRIBUTES', message: 'The testing data has no labeled images.' });
  if (trainLabels.size >= 2 && testLabels.size > 0) {
    const common = [...testLabels].filter((l) => trainLabels.has(l)).length;
    if (common / trainLabels.size < 0.5) {
      g.errors.push({ code: 'ERROR_INSUFFICIENT_LABEL_OVERLAP', message: `Only ${common} of the ${trainLabels.size} training labels appear in the testing data; at least 50% must.` });
    }
  }
}

/** Object detection: some usable training line carries a bounding-box attribute (the project's use case). */
export function isDetection(g: Gathered): boolean {
  return g.training.lines.some((l) => isUsable(l) && l.useCase === 'OBJECT_LOCALIZATION');
}

/** Detection lines the detector trains or is tested on: usable bounding-box lines, with or without boxes. */
export const isDetectionLine = (p: ParsedLine) => isUsable(p) && p.useCase === 'OBJECT_LOCALIZATION';

/**
 * In object-detection data a line with image-level labels cannot be used: it gets the per-line error
 * ERROR_UNSUPPORTED_USE_CASE_TYPE (and counts as invalid), as a bounding-box line would not mix with image-level labels.
 */
function markImageLevelLines(g: Gathered): void {
  for (const set of [g.training, g.testing]) {
    for (const l of set.lines) {
      if (isUsable(l) && l.useCase === 'IMAGE_LEVEL_LABELS') {
        addLineError(l, 'ERROR_UNSUPPORTED_USE_CASE_TYPE', 'The line has image-level labels, but the training data is for object detection (bounding boxes); image-level labels and bounding boxes cannot be mixed.');
      }
    }
  }
}

/** Detection needs at least one valid box with at least one label in training, and boxes to test on (spec §8.4). */
function checkDetectionSets(g: Gathered): void {
  const trainLabels = new Set(g.training.lines.filter(isDetectionLine).flatMap(labelsOf));
  const testLabels = new Set(g.testing.lines.filter(isDetectionLine).flatMap(labelsOf));
  if (trainLabels.size === 0) g.training.errors.push({ code: 'ERROR_NO_VALID_ANNOTATIONS', message: 'The training data has no valid bounding boxes.' });
  if (testLabels.size === 0) g.testing.errors.push({ code: 'ERROR_NO_VALID_ANNOTATIONS', message: 'The testing data has no valid bounding boxes.' });
  if (trainLabels.size > 0 && testLabels.size > 0) {
    const common = [...testLabels].filter((l) => trainLabels.has(l)).length;
    if (common / trainLabels.size < 0.5) {
      g.errors.push({ code: 'ERROR_INSUFFICIENT_LABEL_OVERLAP', message: `Only ${common} of the ${trainLabels.size} training labels appear in the testing data; at least 50% must.` });
    }
  }
}

export const allErrors = (g: Gathered) => [...g.errors, ...g.training.errors, ...g.testing.errors];
