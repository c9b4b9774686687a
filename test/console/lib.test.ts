// The console's pure parts (web/src/lib): box maths, dataset entry parsing and the lines it writes
// back, the evaluation tables, and the policy checks it borrows from the server's domain code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromDrag, fromPixels, labelColour, toDisplay, toPixels } from '../../web/src/lib/boxes.js';
import { base64Utf8, buildLine, parseEntry } from '../../web/src/lib/entries.js';
import { parseSummary, parseTestResults, pct, rowShare } from '../../web/src/lib/metrics.js';
import { decideCopy, parseProjectArn, policyTemplate, validatePolicy } from '../../web/src/lib/policy.js';
import { progressOf } from '../../web/src/lib/progress.js';
import { parseLine } from '../../src/domain/datasets/manifest.js';

/** Rounds every number of a flat object to 9 decimals (float noise of 0.9 + 0.3 and the like). */
const r9 = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e9) / 1e9 : v])) as T;

test('boxes: relative → display px, clipped to the image; pixels ↔ relative; drags in any direction', () => {
  assert.deepEqual(toDisplay({ Left: 0.25, Top: 0.5, Width: 0.5, Height: 0.25 }, 400, 200), { x: 100, y: 100, width: 200, height: 50 });
  // A box that starts left of the image and runs past its bottom edge is clipped, not shifted.
  assert.deepEqual(r9(toDisplay({ Left: -0.1, Top: 0.9, Width: 0.3, Height: 0.3 }, 100, 100)), { x: 0, y: 90, width: 20, height: 10 });
  assert.deepEqual(toDisplay({ Left: 1.2, Top: 0, Width: 0.1, Height: 1 }, 100, 100).width, 0);
  const rel = fromPixels({ left: 10, top: 20, width: 30, height: 40 }, 100, 200);
  assert.deepEqual(r9(rel), { Left: 0.1, Top: 0.1, Width: 0.3, Height: 0.2 });
  assert.deepEqual(toPixels(rel, 100, 200), { left: 10, top: 20, width: 30, height: 40 });
  assert.throws(() => fromPixels({ left: 0, top: 0, width: 1, height: 1 }, 0, 10), RangeError);
  assert.deepEqual(r9(fromDrag(80, 60, 20, 10, 100, 100)!), { Left: 0.2, Top: 0.1, Width: 0.6, Height: 0.5 });
  assert.deepEqual(r9(fromDrag(-50, 50, 50, 150, 100, 100)!), { Left: 0, Top: 0.5, Width: 0.5, Height: 0.5 }, 'clipped to the image');
  assert.equal(fromDrag(10, 10, 12, 40, 100, 100), undefined, 'narrower than 4 px is a click');
  assert.equal(labelColour('circle'), labelColour('circle'));
  assert.notEqual(labelColour('circle'), labelColour('square'));
});

const DET = {
  'source-ref': 's3://imgs/a.png',
  box: { image_size: [{ width: 200, height: 100, depth: 3 }], annotations: [{ class_id: 1, left: 20, top: 10, width: 100, height: 50 }, { class_id: 7, left: 0, top: 0, width: 5, height: 5 }] },
  'box-metadata': { objects: [{ confidence: 1 }, { confidence: 1 }], 'class-map': { 1: 'dog' }, type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': '2024-01-01T00:00:00', 'job-name': 'j' },
};

test('entries: classification labels, detection boxes (relative), errors at any level, unlabeled lines', () => {
  const cls = parseEntry(JSON.stringify({
    'source-ref': 's3://imgs/c.jpg', errors: [{ code: 'ERROR_INVALID_IMAGE', message: 'bad' }],
    x: 1, 'x-metadata': { 'class-name': 'cat', type: 'groundtruth/image-classification', confidence: 1, errors: [{ code: 'WARNING_X', message: 'w' }] },
  }));
  assert.deepEqual(cls.labels, ['cat']);
  assert.deepEqual(cls.errors.map((e) => e.code).sort(), ['ERROR_INVALID_IMAGE', 'WARNING_X']);
  assert.equal(cls.labeled, true);
  const det = parseEntry(JSON.stringify(DET));
  assert.deepEqual(det.boxes, [{ label: 'dog', box: { Left: 0.1, Top: 0.1, Width: 0.5, Height: 0.5 } }], 'a class_id missing from the class-map draws nothing');
  assert.deepEqual(det.labels, []);
  const bare = parseEntry(JSON.stringify({ 'source-ref': 's3://imgs/u.png', 'cl-metadata': { is_labeled: false } }));
  assert.equal(bare.labeled, false);
  assert.equal(parseEntry('{oops').errors[0]!.code, 'ERROR_INVALID_JSON_LINE');
});

test('entries: the lines the editor writes are valid manifest lines for the server and read back the same', () => {
  const now = new Date('2025-01-02T03:04:05.000Z');
  const labelsLine = buildLine('s3://imgs/c.jpg', { labels: ['cat', 'pet', 'cat'] }, now);
  const boxesLine = buildLine('s3://imgs/a.png', { boxes: [{ label: 'dog', box: { Left: 0.1, Top: 0.1, Width: 0.5, Height: 0.5 } }, { label: 'cat', box: { Left: 0.6, Top: 0.2, Width: 0.3, Height: 0.6 } }], width: 200, height: 100 }, now);
  assert.deepEqual(parseEntry(labelsLine).labels.sort(), ['cat', 'pet']);
  assert.deepEqual(parseEntry(boxesLine).boxes.map((b) => [b.label, b.box.Left, b.box.Width]), [['dog', 0.1, 0.5], ['cat', 0.6, 0.3]]);
  // The server's own parser accepts both (no ERROR_ codes) and finds the same labels and boxes.
  for (const [line, labels] of [[labelsLine, ['cat', 'pet']], [boxesLine, ['cat', 'dog']]] as const) {
    const p = parseLine(line) as any;
    const codes = JSON.stringify(p).match(/ERROR_[A-Z_]+/g) ?? [];
    assert.deepEqual(codes, [], line);
    assert.deepEqual(Object.keys(p.labels).sort(), labels);
  }
  assert.equal(Buffer.from(base64Utf8('naïve ✓\n'), 'base64').toString('utf8'), 'naïve ✓\n');
  const big = 'x'.repeat(300_000);
  assert.equal(Buffer.from(base64Utf8(big), 'base64').toString('utf8'), big, 'long texts do not overflow the call stack');
});

const SUMMARY = {
  Version: 1,
  EvaluationDetails: { NumberOfTrainingImages: 64, NumberOfTestingImages: 6 },
  AggregatedEvaluationResults: {
    F1Score: 0.6, Precision: 0.7, Recall: 0.5,
    ConfusionMatrix: [
      { GroundTruthLabel: 'cat', PredictedLabel: 'cat', Value: 3 }, { GroundTruthLabel: 'cat', PredictedLabel: 'dog', Value: 1 },
      { GroundTruthLabel: 'dog', PredictedLabel: 'dog', Value: 2 },
    ],
  },
  LabelEvaluationResults: [
    { Label: 'dog', NumberOfTestingImages: 2, Metrics: { Threshold: 0.4, Precision: 2 / 3, Recall: 1, F1Score: 0.8 } },
    { Label: 'cat', NumberOfTestingImages: 4, Metrics: { Threshold: 0.55, Precision: 1, Recall: 0.75, F1Score: 6 / 7 } },
  ],
};

test('metrics: per-label rows sorted by label, a square confusion matrix, percentages', () => {
  const s = parseSummary(SUMMARY);
  assert.deepEqual(s.labels.map((l) => [l.label, l.testImages, l.threshold]), [['cat', 4, 0.55], ['dog', 2, 0.4]]);
  assert.deepEqual(s.matrixLabels, ['cat', 'dog']);
  assert.deepEqual(s.matrix, [[3, 1], [0, 2]]);
  assert.equal(rowShare(s.matrix, 0, 0), 0.75);
  assert.equal(rowShare([[0, 0]], 0, 0), 0, 'an empty row');
  assert.equal(s.aggregate.f1, 0.6);
  assert.equal(pct(2 / 3), '66.7%');
  assert.equal(pct(undefined), '–');
  assert.equal(pct(NaN), '–');
  // A label predicted but absent from the label results still gets a row and a column.
  const odd = parseSummary({ ...SUMMARY, AggregatedEvaluationResults: { ConfusionMatrix: [{ GroundTruthLabel: 'cat', PredictedLabel: 'fox', Value: 2 }] } });
  assert.deepEqual(odd.matrixLabels, ['cat', 'dog', 'fox']);
  assert.equal(odd.matrix[0]![2], 2);
  assert.throws(() => parseSummary({}), /LabelEvaluationResults/);
});

const evalAttr = (k: number, label: string, conf: number, d: Record<string, boolean>) => ({
  [`rekognition-custom-labels-evaluation-${k}`]: 1,
  [`rekognition-custom-labels-evaluation-${k}-metadata`]: {
    'class-name': label, confidence: conf, type: 'groundtruth/image-classification',
    'rekognition-custom-labels-evaluation-details': { version: 1, 'is-true-positive': false, 'is-false-positive': false, 'is-false-negative': false, 'is-present-in-ground-truth': false, ...d },
  },
});

test('test results: ground truth beside prediction, wrong images first', () => {
  const lines = [
    { 'source-ref': 's3://b/1.png', ...evalAttr(0, 'cat', 0.9, { 'is-true-positive': true, 'is-present-in-ground-truth': true }) },
    { 'source-ref': 's3://b/2.png', ...evalAttr(0, 'cat', 0.2, { 'is-false-negative': true, 'is-present-in-ground-truth': true }), ...evalAttr(1, 'dog', 0.7, { 'is-false-positive': true }) },
    { 'source-ref': 's3://b/0.png', ...evalAttr(0, 'dog', 0.8, { 'is-true-positive': true, 'is-present-in-ground-truth': true }) },
  ].map((o) => JSON.stringify(o)).join('\n') + '\n\nnot json\n';
  const r = parseTestResults(lines);
  assert.deepEqual(r.map((x) => [x.sourceRef, x.correct]), [['s3://b/2.png', false], ['s3://b/0.png', true], ['s3://b/1.png', true]]);
  assert.deepEqual(r[0]!.truth, ['cat']);
  assert.deepEqual(r[0]!.predicted, [{ label: 'dog', confidence: 0.7 }]);
  assert.deepEqual([r[0]!.falseNegatives, r[0]!.falsePositives], [['cat'], ['dog']]);
});

test('policies: validation messages come from the server parser; copy decisions follow AWS rules', () => {
  const arn = 'arn:aws:rekognition:us-east-1:111122223333:project/shapes/1700000000000';
  const ref = parseProjectArn(arn)!;
  assert.deepEqual(ref, { partition: 'aws', region: 'us-east-1', accountId: '111122223333', name: 'shapes' });
  const version = 'arn:aws:rekognition:us-east-1:111122223333:project/shapes/version/v1/1700000000001';
  assert.equal(parseProjectArn(version)!.name, 'shapes');
  const doc = policyTemplate(ref, '444455556666');
  assert.deepEqual(validatePolicy(doc, ref), []);
  assert.match(validatePolicy('{', ref)[0]!, /^Not valid JSON/);
  assert.match(validatePolicy(doc.replace('CopyProjectVersion', 'DetectCustomLabels'), ref)[0]!, /not supported/);
  // A literal ARN naming another project can never match; a wildcard pattern is IAM's business (docs/policies.md).
  assert.match(validatePolicy(doc.replace('project/shapes/version/*', 'project/other/version/v1/1'), ref)[0]!, /is not a model version of project shapes/);
  assert.deepEqual(validatePolicy(doc.replace(/"Resource": "[^"]*"/, '"Resource": "*"'), ref), []);
  assert.deepEqual(validatePolicy(' ', ref), ['The policy document is empty.']);

  assert.equal(decideCopy([doc], version, '444455556666', 'us-east-1').decision, 'Allow');
  assert.equal(decideCopy([doc], version, '999999999999', 'us-east-1').decision, 'NotApplicable');
  assert.equal(decideCopy([], version, '111122223333', 'us-east-1').decision, 'Allow (same account)');
  const deny = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'rekognition:CopyProjectVersion', Resource: `${arn.replace(/\/\d+$/, '')}/version/*` }] });
  assert.equal(decideCopy([doc, deny], version, '444455556666', 'us-east-1').decision, 'Deny', 'an explicit deny wins');
  assert.equal(decideCopy([deny], version, '111122223333', 'us-east-1').decision, 'Deny', 'even in the same account');
  assert.equal(decideCopy(['not json'], version, '444455556666', 'us-east-1').decision, 'NotApplicable', 'a broken policy grants nothing');
});

test('test results of a detection model: ground-truth boxes beside predicted ones, false positives and negatives named', () => {
  const details = (tp: boolean, fp: boolean, fn: boolean) => ({ version: 1, 'is-true-positive': tp, 'is-true-negative': false, 'is-false-positive': fp, 'is-false-negative': fn, 'is-present-in-ground-truth': tp || fn });
  const line = {
    ...DET,
    'rekognition-custom-labels-evaluation-0': {
      image_size: [{ width: 200, height: 100, depth: 3 }],
      annotations: [{ class_id: 0, left: 22, top: 10, width: 98, height: 50 }, { class_id: 1, left: 150, top: 50, width: 40, height: 40 }, { class_id: 0, left: 0, top: 0, width: 5, height: 5 }],
    },
    'rekognition-custom-labels-evaluation-0-metadata': {
      objects: [{ confidence: 0.9, 'rekognition-custom-labels-evaluation-details': details(true, false, false) }, { confidence: 0.6, 'rekognition-custom-labels-evaluation-details': details(false, true, false) },
        { confidence: 0, 'rekognition-custom-labels-evaluation-details': details(false, false, true) }],
      'class-map': { 0: 'dog', 1: 'cat' }, type: 'groundtruth/object-detection', 'human-annotated': 'no', 'job-name': 'rekognition-custom-labels-evaluation-job',
    },
  };
  const [r] = parseTestResults(JSON.stringify(line));
  assert.deepEqual(r!.truthBoxes, [{ label: 'dog', box: { Left: 0.1, Top: 0.1, Width: 0.5, Height: 0.5 } }], 'from the line itself, not the evaluation attribute');
  assert.deepEqual(r!.predictedBoxes.map((b) => [b.label, b.confidence, b.truePositive, r9(b.box)]), [
    ['dog', 0.9, true, { Left: 0.11, Top: 0.1, Width: 0.49, Height: 0.5 }], ['cat', 0.6, false, { Left: 0.75, Top: 0.5, Width: 0.2, Height: 0.4 }],
  ]);
  assert.deepEqual([r!.falsePositives, r!.falseNegatives, r!.correct, r!.truth], [['cat'], ['dog'], false, ['dog']]);
});

test('progress: the training job\'s "N of M" status messages become a bar; other messages none', () => {
  assert.deepEqual(progressOf('Training: epoch 3 of 10, loss 0.4123, accuracy 81.0%.'), { value: 3, max: 10 });
  assert.deepEqual(progressOf('Validating training images: 120 of 400 read.'), { value: 120, max: 400 });
  assert.equal(progressOf('The model is queued for training.'), undefined);
  assert.equal(progressOf(undefined), undefined);
  assert.equal(progressOf('5 of 0'), undefined, 'no bar out of nothing');
  assert.equal(progressOf('11 of 10'), undefined, 'never past the end');
});
