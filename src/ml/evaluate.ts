/**
 * Evaluation metrics in the shapes of the Custom Labels evaluation summary (spec §9.2). Pure functions.
 *
 * Definitions (documented in docs/ml.md):
 *  - For label l and threshold t, image i is predicted positive when confidence[i][l] >= t.
 *    Precision = TP / (TP + FP), Recall = TP / (TP + FN), F1 = 2PR / (P + R); a 0/0 ratio counts as 0.
 *  - The assumed threshold of a label is the t that maximises its F1 on the evaluated images. Candidates are the
 *    confidences the label actually received; on ties the highest candidate wins (fewest false positives). A label
 *    without positive images gets the threshold that predicts nothing (just above its highest confidence, capped at
 *    1), so P = R = F1 = 0.
 *  - Per-label Precision/Recall/F1Score are reported at that label's assumed threshold.
 *  - Aggregate Precision/Recall/F1Score are the unweighted MEAN over labels that have at least one testing image
 *    (macro average); labels with no testing images are left out of the mean.
 *  - Confusion matrix: single-label models use the arg-max label as the prediction; multi-label models count every
 *    label at or above its assumed threshold. Value = (images with ground truth G whose predictions include P) /
 *    (images with ground truth G), a fraction 0..1. Every (G, P) pair is listed, in label order.
 */

export interface LabelMetrics {
  Label: string;
  NumberOfTestingImages: number;
  Metrics: { Threshold: number; Precision: number; Recall: number; F1Score: number };
}

export interface ConfusionEntry {
  GroundTruthLabel: string;
  PredictedLabel: string;
  Value: number;
}

export interface EvaluationResult {
  /** Sorted by F1Score, highest first (ties by label name). */
  labels: LabelMetrics[];
  aggregate: { Precision: number; Recall: number; F1Score: number };
  confusionMatrix: ConfusionEntry[];
  /** Per-label assumed thresholds in label-index order (for the model file). */
  assumedThresholds: number[];
  /** Fraction of images whose arg-max label is a ground-truth label (single-label) / exact set match (multi-label). */
  accuracy: number;
  numberOfTestingImages: number;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export function prf(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp);
  const recall = c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/** Counts at threshold t (score >= t is a positive prediction). */
export function countsAt(scores: ArrayLike<number>, positive: ArrayLike<boolean>, t: number): Counts {
  const c = { tp: 0, fp: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const pred = scores[i]! >= t;
    if (pred && positive[i]) c.tp++;
    else if (pred) c.fp++;
    else if (positive[i]) c.fn++;
  }
  return c;
}

/** The threshold with the best F1 (see the module comment for candidates and ties), in O(n log n). */
export function bestF1Threshold(
  scores: ArrayLike<number>,
  positive: ArrayLike<boolean>,
): { threshold: number; precision: number; recall: number; f1: number } {
  const n = scores.length;
  let totalPos = 0;
  let maxScore = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) totalPos++;
    if (scores[i]! > maxScore) maxScore = scores[i]!;
  }
  if (totalPos === 0 || n === 0) {
    const threshold = Math.min(1, nextUp(maxScore));
    const c = countsAt(scores, positive, threshold);
    return { threshold, ...prf(c) };
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let tp = 0;
  let fp = 0;
  let best = { threshold: 1, precision: 0, recall: 0, f1: -1 };
  for (let k = 0; k < n; ) {
    const s = scores[order[k]!]!;
    // take all items with this exact score together
    while (k < n && scores[order[k]!] === s) {
      if (positive[order[k]!]) tp++;
      else fp++;
      k++;
    }
    const r = prf({ tp, fp, fn: totalPos - tp });
    if (r.f1 > best.f1) best = { threshold: s, precision: r.precision, recall: r.recall, f1: r.f1 };
  }
  return best;
}

function nextUp(x: number): number {
  // smallest float64 strictly greater than x for x in [0,1]
  return x + Math.max(Number.EPSILON, Math.abs(x) * Number.EPSILON);
}

export interface EvaluateInput {
  labels: string[];
  /** Ground truth per image: label indices. */
  groundTruth: number[][];
  /** Confidences per image, one per label, 0..1. */
  confidences: ArrayLike<number>[];
  multiLabel: boolean;
}

export function evaluateClassification(input: EvaluateInput): EvaluationResult {
  const { labels, groundTruth, confidences, multiLabel } = input;
  const L = labels.length;
  const n = groundTruth.length;
  if (confidences.length !== n) throw new Error('groundTruth and confidences must have the same length');
  for (const c of confidences) if (c.length !== L) throw new Error(`each confidence vector must have ${L} values`);
  for (const g of groundTruth) for (const l of g) if (!Number.isInteger(l) || l < 0 || l >= L) throw new Error(`bad label index ${l}`);

  const perLabel: LabelMetrics[] = [];
  const thresholds: number[] = [];
  for (let l = 0; l < L; l++) {
    const scores = new Float64Array(n);
    const pos: boolean[] = new Array(n);
    let count = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = confidences[i]![l]!;
      pos[i] = groundTruth[i]!.includes(l);
      if (pos[i]) count++;
    }
    const b = bestF1Threshold(scores, pos);
    thresholds.push(b.threshold);
    perLabel.push({
      Label: labels[l]!,
      NumberOfTestingImages: count,
      Metrics: { Threshold: b.threshold, Precision: b.precision, Recall: b.recall, F1Score: b.f1 },
    });
  }
  const counted = perLabel.filter((p) => p.NumberOfTestingImages > 0);
  const mean = (f: (p: LabelMetrics) => number) => (counted.length ? counted.reduce((a, p) => a + f(p), 0) / counted.length : 0);
  const aggregate = {
    Precision: mean((p) => p.Metrics.Precision),
    Recall: mean((p) => p.Metrics.Recall),
    F1Score: mean((p) => p.Metrics.F1Score),
  };

  const predictedSets = confidences.map((c) => predictedLabels(c, thresholds, multiLabel));
  const cm = new Float64Array(L * L);
  const gtCount = new Float64Array(L);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const g = groundTruth[i]!;
    const p = predictedSets[i]!;
    for (const gl of g) {
      gtCount[gl]!++;
      for (const pl of p) cm[gl * L + pl]!++;
    }
    if (multiLabel) {
      if (g.length === p.length && g.every((x) => p.includes(x))) correct++;
    } else if (g.includes(p[0]!)) correct++;
  }
  const confusionMatrix: ConfusionEntry[] = [];
  for (let g = 0; g < L; g++) {
    for (let p = 0; p < L; p++) {
      confusionMatrix.push({
        GroundTruthLabel: labels[g]!,
        PredictedLabel: labels[p]!,
        Value: gtCount[g] ? cm[g * L + p]! / gtCount[g]! : 0,
      });
    }
  }
  const sorted = [...perLabel].sort((a, b) => b.Metrics.F1Score - a.Metrics.F1Score || (a.Label < b.Label ? -1 : a.Label > b.Label ? 1 : 0));
  return {
    labels: sorted,
    aggregate,
    confusionMatrix,
    assumedThresholds: thresholds,
    accuracy: n ? correct / n : 0,
    numberOfTestingImages: n,
  };
}

/** Label indices a model predicts for one image (arg-max for single-label; all >= threshold for multi-label). */
export function predictedLabels(conf: ArrayLike<number>, thresholds: number[], multiLabel: boolean): number[] {
  if (!multiLabel) {
    let best = 0;
    for (let l = 1; l < conf.length; l++) if (conf[l]! > conf[best]!) best = l;
    return [best];
  }
  const out: number[] = [];
  for (let l = 0; l < conf.length; l++) if (conf[l]! >= thresholds[l]!) out.push(l);
  return out;
}

/** The summary file's EvaluationDetails block, shared by classifiers and detectors (spec §9.2). */
export function evaluationDetails(args: {
  labels: { Label: string }[];
  numberOfTestingImages: number;
  projectVersionArn: string;
  evaluationEndTimestamp: Date;
  numberOfTrainingImages: number;
}): Record<string, unknown> {
  return {
    ProjectVersionArn: args.projectVersionArn,
    EvaluationEndTimestamp: args.evaluationEndTimestamp.toISOString().replace(/Z$/, ''),
    Labels: args.labels.map((l) => l.Label).sort(),
    NumberOfTrainingImages: args.numberOfTrainingImages,
    NumberOfTestingImages: args.numberOfTestingImages,
  };
}

/** The evaluation summary file (spec §9.2) in the published example's flat layout. */
export function buildEvaluationSummary(args: {
  result: EvaluationResult;
  projectVersionArn: string;
  evaluationEndTimestamp: Date;
  numberOfTrainingImages: number;
}): Record<string, unknown> {
  const { result } = args;
  return {
    Version: 1,
    EvaluationDetails: evaluationDetails({ ...args, labels: result.labels, numberOfTestingImages: result.numberOfTestingImages }),
    AggregatedEvaluationResults: {
      ConfusionMatrix: result.confusionMatrix,
      F1Score: result.aggregate.F1Score,
      Precision: result.aggregate.Precision,
      Recall: result.aggregate.Recall,
    },
    LabelEvaluationResults: result.labels,
  };
}
