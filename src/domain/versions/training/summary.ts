// The contents of the training output files (spec §9): the manifest summary, the manifests with
// validation results and the ground-truth snapshots with training/evaluation attributes.
import { isError, isUsable, type ParsedLine } from '../../datasets/manifest.js';
import type { TerminalError } from '../../datasets/validation.js';
import type { DataSet, Gathered } from './data.js';

function useCase(lines: ParsedLine[]): string {
  const cases = new Set(lines.filter(isUsable).map((l) => l.useCase).filter(Boolean));
  return cases.size === 1 ? (cases.has('OBJECT_LOCALIZATION') ? 'OBJECT_LOCALIZATION' : 'IMAGE_LEVEL_LABELS') : 'NOT_DETERMINED';
}

function statistics(set: DataSet) {
  const lines = set.lines;
  const invalid: number[] = [];
  let valid = 0, ignored = 0;
  lines.forEach((l, i) => {
    if (!isUsable(l)) invalid.push(i);
    else if (Object.keys(l.labels).length > 0) valid++;
    else ignored++;
  });
  return {
    use_case: useCase(lines), total_json_lines: lines.length, valid_json_lines: valid, invalid_json_lines: invalid.length,
    ignored_json_lines: ignored, error_json_line_indices: invalid, errors: set.errors.map(wire),
  };
}

const wire = (e: TerminalError) => ({ code: e.code, message: e.message });

export function manifestSummary(g: Gathered) {
  return { statistics: { training: statistics(g.training), testing: statistics(g.testing) }, errors: g.errors.map(wire) };
}

/** One JSON line per input line, with its errors; line i here is index i of error_json_line_indices. */
export function withValidation(set: DataSet): string {
  return set.lines.map((l) => JSON.stringify(l.object ?? { errors: l.errors.filter(isError) })).join('\n') + (set.lines.length ? '\n' : '');
}

const snapshotMeta = (label: string, job: 'training' | 'evaluation', at: string, confidence: number) => ({
  confidence, 'class-name': label, 'human-annotated': job === 'training' ? 'yes' : 'no', 'creation-date': at,
  type: 'groundtruth/image-classification', 'job-name': `rekognition-custom-labels-${job}-job`,
});

/** Training snapshot: every usable, labeled training line with one training attribute per label. */
export function trainingGroundTruth(lines: ParsedLine[], at: Date): string {
  const stamp = at.toISOString();
  return lines.map((l) => {
    const o: Record<string, unknown> = { ...l.object };
    delete o.errors;
    Object.keys(l.labels).sort().forEach((label, i) => {
      o[`rekognition-custom-labels-training-${i}`] = 1;
      o[`rekognition-custom-labels-training-${i}-metadata`] = snapshotMeta(label, 'training', stamp, 1);
    });
    return JSON.stringify(o);
  }).join('\n') + (lines.length ? '\n' : '');
}

/**
 * Evaluation snapshot: every evaluated test line with one evaluation attribute per label that is
 * in its ground truth or predicted, and whether that was a true/false positive/negative.
 */
export function testingGroundTruth(lines: ParsedLine[], labels: string[], confidences: ArrayLike<number>[], predicted: number[][], at: Date): string {
  const stamp = at.toISOString();
  return lines.map((l, i) => {
    const o: Record<string, unknown> = { ...l.object };
    delete o.errors;
    const truth = new Set(Object.keys(l.labels));
    const pred = new Set(predicted[i]!.map((k) => labels[k]!));
    [...new Set([...truth, ...pred])].filter((label) => labels.includes(label)).sort().forEach((label, k) => {
      const inTruth = truth.has(label), inPred = pred.has(label);
      o[`rekognition-custom-labels-evaluation-${k}`] = 1;
      o[`rekognition-custom-labels-evaluation-${k}-metadata`] = {
        ...snapshotMeta(label, 'evaluation', stamp, Number(confidences[i]![labels.indexOf(label)]!.toFixed(6))),
        'rekognition-custom-labels-evaluation-details': {
          version: 1, 'is-true-positive': inTruth && inPred, 'is-true-negative': false, 'is-false-positive': !inTruth && inPred,
          'is-false-negative': inTruth && !inPred, 'is-present-in-ground-truth': inTruth,
          'ground-truth-labelling-jobs': inTruth ? groundTruthJobs(l) : [],
        },
      };
    });
    return JSON.stringify(o);
  }).join('\n') + (lines.length ? '\n' : '');
}

function groundTruthJobs(l: ParsedLine): string[] {
  const jobs = Object.entries(l.object ?? {})
    .filter(([k, v]) => k.endsWith('-metadata') && typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>)['job-name'] === 'string')
    .map(([, v]) => (v as Record<string, string>)['job-name']!);
  return [...new Set(jobs)];
}
