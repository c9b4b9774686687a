import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bestF1Threshold, buildEvaluationSummary, countsAt, evaluateClassification, prf } from '../../src/ml/evaluate.js';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, msg ?? `${a} != ${b}`);

test('prf handles zero denominators', () => {
  assert.deepEqual(prf({ tp: 0, fp: 0, fn: 0 }), { precision: 0, recall: 0, f1: 0 });
  const r = prf({ tp: 2, fp: 1, fn: 0 });
  close(r.precision, 2 / 3);
  close(r.recall, 1);
  close(r.f1, 0.8);
});

test('bestF1Threshold picks the threshold with the best F1 (hand-computed)', () => {
  // t=0.9: P1 R.5 F.667; t=0.8: P.5 R.5 F.5; t=0.7: P.667 R1 F.8; t=0.6: P.5 R1 F.667; t=0.2: P.4 R1 F.571
  const b = bestF1Threshold([0.9, 0.8, 0.7, 0.6, 0.2], [true, false, true, false, false]);
  close(b.threshold, 0.7);
  close(b.f1, 0.8);
  close(b.precision, 2 / 3);
  close(b.recall, 1);
  assert.deepEqual(countsAt([0.9, 0.8, 0.7, 0.6, 0.2], [true, false, true, false, false], 0.7), { tp: 2, fp: 1, fn: 0 });
});

test('bestF1Threshold: equal scores are one candidate; ties go to the higher threshold', () => {
  const b = bestF1Threshold([0.5, 0.5, 0.1], [true, false, false]);
  close(b.threshold, 0.5);
  close(b.f1, 2 / 3);
  const d = bestF1Threshold([0.9, 0.6, 0.3, 0.2], [true, false, true, false]);
  // 0.9: P1 R.5 F.667 ; 0.6: P.5 R.5 F.5 ; 0.3: P.667 R1 F.8 ; 0.2: P.5 R1 F.667
  close(d.threshold, 0.3);
  const e = bestF1Threshold([0.9, 0.8, 0.3, 0.2], [true, false, true, true]);
  // 0.9: P1 R1/3 F.5 ; 0.8: P.5 R1/3 F.4 ; 0.3: P2/3 R2/3 F2/3 ; 0.2: P.75 R1 F.857
  close(e.threshold, 0.2);
  close(e.f1, 6 / 7);
  const f = bestF1Threshold([0.8, 0.4, 0.3], [true, false, true]);
  // 0.8: P1 R.5 F2/3 ; 0.4: P.5 R.5 F.5 ; 0.3: P2/3 R1 F.8
  close(f.threshold, 0.3);
  const g = bestF1Threshold([0.8, 0.7, 0.6, 0.5], [true, false, false, true]);
  // 0.8: P1 R.5 F2/3 ; 0.7: .5 .5 .5 ; 0.6: 1/3 .5 .4 ; 0.5: .5 1 2/3  -> tie 2/3: higher threshold 0.8
  close(g.threshold, 0.8);
});

test('bestF1Threshold with no positive images predicts nothing', () => {
  const b = bestF1Threshold([0.2, 0.6], [false, false]);
  assert.ok(b.threshold > 0.6 && b.threshold <= 1);
  assert.equal(b.f1, 0);
  assert.deepEqual(countsAt([0.2, 0.6], [false, false], b.threshold), { tp: 0, fp: 0, fn: 0 });
});

test('evaluateClassification: single-label metrics, macro aggregate and confusion matrix (hand-computed)', () => {
  const labels = ['cat', 'dog', 'fox'];
  const groundTruth = [[0], [0], [1], [1], [2]];
  const confidences = [
    [0.7, 0.2, 0.1], // cat -> cat
    [0.3, 0.6, 0.1], // cat -> dog
    [0.1, 0.8, 0.1], // dog -> dog
    [0.2, 0.5, 0.3], // dog -> dog
    [0.1, 0.1, 0.8], // fox -> fox
  ];
  const r = evaluateClassification({ labels, groundTruth, confidences, multiLabel: false });
  // cat scores .7 .3 .1 .2 .1, positives [T,T,F,F,F]: t=.7 P1 R.5 F2/3; t=.3 P1 R1 F1 -> threshold .3, F1 1
  const cat = r.labels.find((l) => l.Label === 'cat')!;
  close(cat.Metrics.Threshold, 0.3);
  close(cat.Metrics.F1Score, 1);
  assert.equal(cat.NumberOfTestingImages, 2);
  // dog scores .2 .6 .8 .5 .1, positives [F,F,T,T,F]: t=.8 P1 R.5 F2/3; t=.6 P.5 R.5 F.5; t=.5 P2/3 R1 F.8; t=.2 P.5 R1 F2/3
  const dog = r.labels.find((l) => l.Label === 'dog')!;
  close(dog.Metrics.Threshold, 0.5);
  close(dog.Metrics.Precision, 2 / 3);
  close(dog.Metrics.Recall, 1);
  close(dog.Metrics.F1Score, 0.8);
  const fox = r.labels.find((l) => l.Label === 'fox')!;
  close(fox.Metrics.Threshold, 0.8);
  close(fox.Metrics.F1Score, 1);
  // sorted by F1, highest first; equal F1 by name
  assert.deepEqual(r.labels.map((l) => l.Label), ['cat', 'fox', 'dog']);
  close(r.aggregate.F1Score, (1 + 0.8 + 1) / 3);
  close(r.aggregate.Precision, (1 + 2 / 3 + 1) / 3);
  close(r.aggregate.Recall, 1);
  close(r.accuracy, 4 / 5);
  assert.deepEqual(r.assumedThresholds, [0.3, 0.5, 0.8]);
  assert.equal(r.confusionMatrix.length, 9);
  const v = (g: string, p: string) => r.confusionMatrix.find((e) => e.GroundTruthLabel === g && e.PredictedLabel === p)!.Value;
  close(v('cat', 'cat'), 0.5);
  close(v('cat', 'dog'), 0.5);
  close(v('dog', 'dog'), 1);
  close(v('dog', 'cat'), 0);
  close(v('fox', 'fox'), 1);
});

test('evaluateClassification: multi-label uses thresholds and exact-set accuracy; empty labels leave the mean', () => {
  const labels = ['a', 'b', 'c'];
  const groundTruth = [[0, 1], [0], [1]];
  const confidences = [
    [0.9, 0.8, 0.1],
    [0.7, 0.2, 0.3],
    [0.1, 0.9, 0.2],
  ];
  const r = evaluateClassification({ labels, groundTruth, confidences, multiLabel: true });
  const c = r.labels.find((l) => l.Label === 'c')!;
  assert.equal(c.NumberOfTestingImages, 0);
  assert.equal(c.Metrics.F1Score, 0);
  close(r.aggregate.F1Score, 1); // mean over a and b only
  close(r.accuracy, 1);
  const v = (g: string, p: string) => r.confusionMatrix.find((e) => e.GroundTruthLabel === g && e.PredictedLabel === p)!.Value;
  close(v('a', 'b'), 0.5); // image 0 has a and predicts b; image 1 has a only
  close(v('b', 'a'), 0.5);
});

test('evaluateClassification rejects inconsistent input', () => {
  assert.throws(() => evaluateClassification({ labels: ['a', 'b'], groundTruth: [[0]], confidences: [], multiLabel: false }));
  assert.throws(() => evaluateClassification({ labels: ['a', 'b'], groundTruth: [[2]], confidences: [[0.1, 0.9]], multiLabel: false }));
  assert.throws(() => evaluateClassification({ labels: ['a', 'b'], groundTruth: [[0]], confidences: [[0.1]], multiLabel: false }));
});

test('buildEvaluationSummary writes the flat layout of the published example', () => {
  const r = evaluateClassification({ labels: ['x', 'y'], groundTruth: [[0], [1]], confidences: [[0.9, 0.1], [0.2, 0.8]], multiLabel: false });
  const s = buildEvaluationSummary({
    result: r,
    projectVersionArn: 'arn:aws:rekognition:us-east-1:111122223333:project/p/version/v/1',
    evaluationEndTimestamp: new Date('2019-11-21T07:30:23.910Z'),
    numberOfTrainingImages: 10,
  }) as any;
  assert.equal(s.Version, 1);
  assert.equal(s.EvaluationDetails.EvaluationEndTimestamp, '2019-11-21T07:30:23.910');
  assert.deepEqual(s.EvaluationDetails.Labels, ['x', 'y']);
  assert.equal(s.EvaluationDetails.NumberOfTestingImages, 2);
  assert.equal(s.EvaluationDetails.NumberOfTrainingImages, 10);
  assert.equal(s.AggregatedEvaluationResults.F1Score, 1);
  assert.equal(s.AggregatedEvaluationResults.Metrics, undefined);
  assert.ok(Array.isArray(s.AggregatedEvaluationResults.ConfusionMatrix));
  assert.deepEqual(Object.keys(s.LabelEvaluationResults[0].Metrics).sort(), ['F1Score', 'Precision', 'Recall', 'Threshold']);
});
