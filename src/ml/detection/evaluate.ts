/**
 * Detection metrics as Custom Labels reports them (docs/ml.md, "Detection"). Pure functions.
 *
 *  - A predicted box is a true positive when its label matches and its IoU with a not yet matched ground-truth box
 *    of that label in the same image is at least 0.5 (IOU_MATCH); predictions are matched in order of confidence,
 *    highest first, each to the unmatched box it overlaps most. Otherwise it is a false positive; every ground-truth
 *    box left unmatched is a false negative.
 *  - Matching in confidence order makes the result at threshold t the prefix of predictions with confidence >= t,
 *    so every label's assumed threshold is the confidence that maximises its F1 (ties: the higher threshold); a label
 *    with no ground-truth box gets a threshold just above its highest confidence (P = R = F1 = 0).
 *  - AveragePrecision of a label: the area under its precision/recall curve with precision made monotone (all-point
 *    interpolation, as PASCAL VOC 2010+), at IoU 0.5; the aggregate AveragePrecision is their mean (mAP@0.5).
 *    AverageRecall of a label: its recall with every candidate kept (at most 100 per image); the aggregate is the mean.
 *  - Aggregate Precision/Recall/F1Score: unweighted mean over labels with at least one testing image, as for
 *    classification (src/ml/evaluate.ts).
 */
import { evaluationDetails, prf, type LabelMetrics } from '../evaluate.js';
import type { Detection } from './decode.js';
import { iou, type RatioBox } from './letterbox.js';

export const IOU_MATCH = 0.5;

export interface GroundTruthBox { label: number; box: RatioBox }

export interface DetectionEvaluation {
  /** Sorted by F1Score, highest first (ties by label name). */
  labels: LabelMetrics[];
  aggregate: { Precision: number; Recall: number; F1Score: number; AveragePrecision: number; AverageRecall: number };
  /** Per label, in label-index order. */
  assumedThresholds: number[];
  averagePrecision: number[];
  numberOfTestingImages: number;
  /** Per image, per prediction: whether it matched a ground-truth box (at any threshold), and which. */
  matches: { truePositive: boolean; groundTruth?: number }[][];
}

export function evaluateDetection(input: { labels: string[]; groundTruth: GroundTruthBox[][]; predictions: Detection[][] }): DetectionEvaluation {
  const { labels, groundTruth, predictions } = input;
  const L = labels.length;
  const matches = predictions.map((p) => p.map(() => ({ truePositive: false }) as { truePositive: boolean; groundTruth?: number }));
  const used = groundTruth.map((g) => g.map(() => false));
  // every prediction of every image, most confident first (ties: image, then position)
  const order = predictions.flatMap((p, i) => p.map((d, k) => ({ i, k, d }))).sort((a, b) => b.d.confidence - a.d.confidence || a.i - b.i || a.k - b.k);
  const perLabel: { conf: number; tp: boolean }[][] = Array.from({ length: L }, () => []);
  for (const { i, k, d } of order) {
    let best = -1, bestIou = IOU_MATCH;
    groundTruth[i]!.forEach((g, gi) => {
      if (used[i]![gi] || g.label !== d.label) return;
      const v = iou(g.box, d.box);
      if (v >= bestIou) { best = gi; bestIou = v; }
    });
    if (best >= 0) { used[i]![best] = true; matches[i]![k] = { truePositive: true, groundTruth: best }; }
    perLabel[d.label]!.push({ conf: d.confidence, tp: best >= 0 });
  }
  const thresholds: number[] = [], ap: number[] = [], metrics: LabelMetrics[] = [];
  const agg = { p: 0, r: 0, f: 0, ap: 0, ar: 0, n: 0 };
  for (let l = 0; l < L; l++) {
    const nGt = groundTruth.reduce((s, g) => s + g.filter((b) => b.label === l).length, 0);
    const images = groundTruth.filter((g) => g.some((b) => b.label === l)).length;
    const list = perLabel[l]!;
    let tp = 0, fp = 0;
    let best = { f1: 0, precision: 0, recall: 0, t: nextAbove(list[0]?.conf ?? 0) };
    let area = 0, lastRecall = 0;
    const precisions: number[] = [], recalls: number[] = [];
    list.forEach((e, k) => {
      if (e.tp) tp++; else fp++;
      precisions.push(tp / (tp + fp));
      recalls.push(nGt ? tp / nGt : 0);
      const next = list[k + 1];
      if (next && next.conf === e.conf) return; // equal scores form one threshold
      const m = prf({ tp, fp, fn: nGt - tp });
      if (nGt > 0 && m.f1 > best.f1) best = { f1: m.f1, precision: m.precision, recall: m.recall, t: e.conf };
    });
    // all-point interpolated AP
    for (let k = precisions.length - 2; k >= 0; k--) precisions[k] = Math.max(precisions[k]!, precisions[k + 1]!);
    recalls.forEach((r, k) => { area += (r - lastRecall) * precisions[k]!; lastRecall = r; });
    const maxRecall = nGt ? tp / nGt : 0;
    thresholds.push(best.t);
    ap.push(nGt ? area : 0);
    metrics.push({ Label: labels[l]!, NumberOfTestingImages: images, Metrics: { Threshold: best.t, Precision: best.precision, Recall: best.recall, F1Score: best.f1 } });
    if (images > 0) { agg.p += best.precision; agg.r += best.recall; agg.f += best.f1; agg.ap += area; agg.ar += maxRecall; agg.n++; }
  }
  metrics.sort((a, b) => b.Metrics.F1Score - a.Metrics.F1Score || (a.Label < b.Label ? -1 : 1));
  const mean = (v: number) => (agg.n ? v / agg.n : 0);
  return {
    labels: metrics,
    aggregate: { Precision: mean(agg.p), Recall: mean(agg.r), F1Score: mean(agg.f), AveragePrecision: mean(agg.ap), AverageRecall: mean(agg.ar) },
    assumedThresholds: thresholds, averagePrecision: ap, numberOfTestingImages: groundTruth.length, matches,
  };
}

/** The smallest float32-safe step above `c`, capped at 1: a threshold that predicts nothing. */
function nextAbove(c: number): number {
  return Math.min(1, c + 1e-6);
}

/** EvaluationResultSummary for a detector (spec §9.2, the flat layout of the published example; no confusion matrix). */
export function buildDetectionSummary(args: { result: DetectionEvaluation; projectVersionArn: string; evaluationEndTimestamp: Date; numberOfTrainingImages: number }): Record<string, unknown> {
  const { result } = args;
  return {
    Version: 1,
    EvaluationDetails: evaluationDetails({ ...args, labels: result.labels, numberOfTestingImages: result.numberOfTestingImages }),
    AggregatedEvaluationResults: {
      AveragePrecision: result.aggregate.AveragePrecision,
      AverageRecall: result.aggregate.AverageRecall,
      F1Score: result.aggregate.F1Score,
      Precision: result.aggregate.Precision,
      Recall: result.aggregate.Recall,
    },
    LabelEvaluationResults: result.labels,
  };
}
