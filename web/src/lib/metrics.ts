import { fromPixels, type BoundingBox } from './boxes';
import { parseEntry, type EntryBox } from './entries';

// The evaluation page's tables, from the training output files (pure; unit-tested in test/console/):
// - EvaluationResultSummary-<project>-<version>.json → per-label rows and the confusion matrix
//   (https://docs.aws.amazon.com/rekognition/latest/customlabels-dg/im-summary-file.html);
// - TestingGroundTruth-<project>-<version>.json → each test image's ground truth and prediction
//   (the rekognition-custom-labels-evaluation-N attributes: one per label for classification, one
//   object-detection attribute whose boxes carry the details for detection), wrong ones first.

export interface LabelRow { label: string; testImages: number; precision: number; recall: number; f1: number; threshold: number }

export interface Summary {
  labels: LabelRow[];
  aggregate: { precision?: number; recall?: number; f1?: number };
  /** Label order of the matrix (rows: ground truth, columns: prediction). */
  matrixLabels: string[];
  /** matrix[i][j]: test images with ground truth matrixLabels[i] predicted as matrixLabels[j]. */
  matrix: number[][];
  testImages?: number;
  trainingImages?: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);

/** Parses an evaluation summary file; throws Error naming what is missing. */
export function parseSummary(json: any): Summary {
  if (!json || !Array.isArray(json.LabelEvaluationResults)) throw new Error('The evaluation summary has no LabelEvaluationResults.');
  const labels: LabelRow[] = json.LabelEvaluationResults.map((l: any) => ({
    label: String(l.Label), testImages: num(l.NumberOfTestingImages), precision: num(l.Metrics?.Precision),
    recall: num(l.Metrics?.Recall), f1: num(l.Metrics?.F1Score), threshold: num(l.Metrics?.Threshold),
  })).sort((a: LabelRow, b: LabelRow) => a.label.localeCompare(b.label));
  const agg = json.AggregatedEvaluationResults ?? {};
  const cells: { GroundTruthLabel: string; PredictedLabel: string; Value: number }[] = Array.isArray(agg.ConfusionMatrix) ? agg.ConfusionMatrix : [];
  const matrixLabels = [...new Set([...labels.map((l) => l.label), ...cells.flatMap((c) => [c.GroundTruthLabel, c.PredictedLabel])])].sort();
  const matrix = matrixLabels.map(() => matrixLabels.map(() => 0));
  for (const c of cells) matrix[matrixLabels.indexOf(c.GroundTruthLabel)]![matrixLabels.indexOf(c.PredictedLabel)]! += num(c.Value) || 0;
  return {
    labels, matrixLabels, matrix,
    aggregate: { precision: agg.Precision, recall: agg.Recall, f1: agg.F1Score },
    testImages: json.EvaluationDetails?.NumberOfTestingImages, trainingImages: json.EvaluationDetails?.NumberOfTrainingImages,
  };
}

/** Share of a row's images on the diagonal cell (per-label recall at arg-max), 0 for an empty row. */
export function rowShare(matrix: number[][], i: number, j: number): number {
  const total = matrix[i]!.reduce((a, b) => a + b, 0);
  return total ? matrix[i]![j]! / total : 0;
}

/** A metric as a percentage with one decimal, or an en dash when not a number. */
export function pct(v: number | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–';
}

export interface TestBox { label: string; box: BoundingBox; confidence: number; truePositive: boolean }

export interface TestResult {
  sourceRef: string;
  /** Object detection: the ground-truth boxes, and the predicted ones (true or false positives). */
  truthBoxes: EntryBox[];
  predictedBoxes: TestBox[];
  truth: string[];
  /** Predicted labels with the model's confidence. */
  predicted: { label: string; confidence: number }[];
  correct: boolean;
  falsePositives: string[];
  falseNegatives: string[];
}

/** Parses TestingGroundTruth (JSON lines); wrong images first, then by source-ref. */
export function parseTestResults(text: string): TestResult[] {
  const out: TestResult[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let o: Record<string, any>;
    try { o = JSON.parse(line); } catch { continue; }
    const truth = new Set<string>(), predicted: TestResult['predicted'] = [], fps: string[] = [], fns: string[] = [];
    const predictedBoxes: TestBox[] = [];
    // Ground truth boxes: the line's own detection attributes (not the service's evaluation ones).
    const own = Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith('rekognition-custom-labels-')));
    const truthBoxes = parseEntry(JSON.stringify(own)).boxes;
    for (const [k, meta] of Object.entries(o)) {
      if (!/^rekognition-custom-labels-evaluation-\d+-metadata$/.test(k)) continue;
      if (meta?.type === 'groundtruth/object-detection') {
        // Detection (AWS's layout): one attribute with annotations; objects[i] holds box i's confidence and details.
        const attr = o[k.slice(0, -'-metadata'.length)] ?? {};
        const size = attr.image_size?.[0];
        (attr.annotations ?? []).forEach((a: any, i: number) => {
          const obj = meta.objects?.[i] ?? {};
          const d = obj['rekognition-custom-labels-evaluation-details'] ?? {};
          const label = String(meta['class-map']?.[String(a.class_id)] ?? a.class_id);
          if (d['is-false-negative']) fns.push(label);
          if (d['is-false-positive']) fps.push(label);
          if ((d['is-true-positive'] || d['is-false-positive']) && size?.width && size?.height) {
            predictedBoxes.push({ label, box: fromPixels(a, size.width, size.height), confidence: num(obj.confidence), truePositive: !!d['is-true-positive'] });
            predicted.push({ label, confidence: num(obj.confidence) });
          }
        });
        continue;
      }
      const d = meta?.['rekognition-custom-labels-evaluation-details'] ?? {};
      const label = String(meta['class-name']);
      if (d['is-present-in-ground-truth']) truth.add(label);
      if (d['is-true-positive'] || d['is-false-positive']) predicted.push({ label, confidence: num(meta.confidence) });
      if (d['is-false-positive']) fps.push(label);
      if (d['is-false-negative']) fns.push(label);
    }
    for (const b of truthBoxes) truth.add(b.label);
    out.push({ sourceRef: String(o['source-ref'] ?? ''), truth: [...truth].sort(), predicted, truthBoxes, predictedBoxes, correct: !fps.length && !fns.length, falsePositives: fps, falseNegatives: fns });
  }
  return out.sort((a, b) => Number(a.correct) - Number(b.correct) || a.sourceRef.localeCompare(b.sourceRef));
}
