// Ground Truth's multi-label classification lines (groundtruth/image-classification-multilabel) and
// the per-line errors of detection lines (issue #13, "Bad input").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUsable, parseLine } from '../../src/domain/datasets/manifest.js';
import { multiLine } from './lines.js';

test('a multi-label line gives every listed class as an image-level label', () => {
  const p = parseLine(multiLine('s3://b/x.jpg', [1, 0, 8]));
  assert.deepEqual(p.errors, []);
  assert.ok(isUsable(p));
  assert.equal(p.useCase, 'IMAGE_LEVEL_LABELS');
  assert.deepEqual(Object.keys(p.labels).sort(), ['bicycle', 'clothing', 'person']);
  assert.equal(p.labeled, true);
  // the line is kept as it came (plus cl-metadata), so it round-trips through a dataset
  const again = parseLine(JSON.stringify(p.object));
  assert.deepEqual(again.labels, p.labels);
  assert.deepEqual((again.object!['image-label-metadata'] as Record<string, unknown>)['class-map'], { 0: 'person', 1: 'bicycle', 8: 'clothing' });
});

test('an empty multi-label list is a valid line with no labels', () => {
  const p = parseLine(multiLine('s3://b/x.jpg', []));
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.labels, {});
});

test('bad multi-label lines get per-line errors', () => {
  const codes = (t: string) => parseLine(t).errors.map((e) => e.code);
  assert.deepEqual(codes(multiLine('s3://b/x.jpg', [3])), ['ERROR_MISSING_CLASS_MAP_ID']);
  assert.deepEqual(codes(multiLine('s3://b/x.jpg', 'person')), ['ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT']);
  assert.deepEqual(codes(multiLine('s3://b/x.jpg', [0], { 0: '' })), ['ERROR_INVALID_LABEL_NAME_LENGTH']);
  const noMap = JSON.parse(multiLine('s3://b/x.jpg', [0]));
  delete noMap['image-label-metadata']['class-map'];
  assert.deepEqual(codes(JSON.stringify(noMap)), ['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT']);
  const badConf = JSON.parse(multiLine('s3://b/x.jpg', [0]));
  badConf['image-label-metadata']['confidence-map'] = { 0: 7 };
  assert.deepEqual(codes(JSON.stringify(badConf)), ['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT']);
});

function boxLine(annotations: Record<string, unknown>[], classMap: Record<string, string> = { 0: 'logo' }) {
  return JSON.stringify({
    'source-ref': 's3://b/img.png',
    'bounding-box': { image_size: [{ width: 200, height: 100, depth: 3 }], annotations },
    'bounding-box-metadata': { objects: annotations.map(() => ({ confidence: 1 })), 'class-map': classMap, type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': '2020-01-01T00:00:00' },
  });
}

test('detection lines: boxes outside the image, zero-area boxes, unknown class ids, mixed attributes', () => {
  const codes = (t: string) => parseLine(t).errors.map((e) => e.code);
  assert.deepEqual(codes(boxLine([{ class_id: 0, left: 150, top: 10, width: 60, height: 20 }])), ['ERROR_INVALID_BOUNDING_BOX'], 'right edge 210 > 200');
  assert.deepEqual(codes(boxLine([{ class_id: 0, left: -1, top: 10, width: 20, height: 20 }])), ['ERROR_INVALID_BOUNDING_BOX']);
  assert.deepEqual(codes(boxLine([{ class_id: 0, left: 10, top: 10, width: 0, height: 20 }])), ['ERROR_INVALID_BOUNDING_BOX'], 'zero area');
  assert.deepEqual(codes(boxLine([{ class_id: 5, left: 10, top: 10, width: 20, height: 20 }])), ['ERROR_MISSING_CLASS_MAP_ID']);
  const mixed = JSON.parse(boxLine([{ class_id: 0, left: 10, top: 10, width: 20, height: 20 }]));
  mixed.cls = 1;
  mixed['cls-metadata'] = { confidence: 1, 'class-name': 'x', type: 'groundtruth/image-classification', 'human-annotated': 'yes', 'creation-date': '2020-01-01T00:00:00' };
  assert.ok(codes(JSON.stringify(mixed)).includes('ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT'));
  const good = parseLine(boxLine([{ class_id: 0, left: 10, top: 10, width: 20, height: 20 }]));
  assert.deepEqual(good.errors, []);
  assert.deepEqual(good.boxes, [{ label: 'logo', left: 10, top: 10, width: 20, height: 20 }]);
});

test('training data with boxes: image-level lines get ERROR_UNSUPPORTED_USE_CASE_TYPE; no valid box is ERROR_NO_VALID_ANNOTATIONS', async () => {
  const { checkSets, allErrors } = await import('../../src/domain/versions/training/data.js');
  const { classLine } = await import('../training/fixtures.js');
  const box = (i: number) => boxLine([{ class_id: 0, left: 10 + i, top: 10, width: 20, height: 20 }]).replace('img.png', `img${i}.png`);
  const set = (texts: string[]) => ({ lines: texts.map(parseLine), errors: [] });
  const mixed = { training: set([...Array.from({ length: 9 }, (_, i) => box(i)), classLine('s3://b/c.png', 'cat')]), testing: set([box(20)]), errors: [] };
  checkSets(mixed);
  assert.deepEqual(allErrors(mixed), [], '1 invalid line of 10 is under the 20 % limit');
  const cat = mixed.training.lines[9]!;
  assert.deepEqual(cat.errors.map((e) => e.code), ['ERROR_UNSUPPORTED_USE_CASE_TYPE']);
  assert.ok(!isUsable(cat));
  const noBox = boxLine([]);
  const empty = { training: set([noBox, noBox]), testing: set([noBox]), errors: [] };
  checkSets(empty);
  assert.deepEqual(allErrors(empty).map((e) => e.code), ['ERROR_NO_VALID_ANNOTATIONS', 'ERROR_NO_VALID_ANNOTATIONS']);
});
