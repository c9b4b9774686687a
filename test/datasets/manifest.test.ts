// Line-by-line manifest validation (spec §8), manifest-wide rules (§8.4) and the 80/20 split.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUsable, parseLine } from '../../src/domain/datasets/manifest.js';
import { splitByLabel } from '../../src/domain/datasets/split.js';
import { checkLines, parseManifest, splitLines } from '../../src/domain/datasets/validation.js';
import { classLine } from '../training/fixtures.js';

const codes = (text: string) => parseLine(text).errors.map((e) => e.code);

function boxLine(over: { annotations?: unknown[]; classMap?: Record<string, string>; objects?: unknown[]; size?: unknown } = {}) {
  const annotations = over.annotations ?? [{ class_id: 0, top: 10, left: 10, width: 30, height: 20 }, { class_id: 1, top: 40, left: 5, width: 10, height: 10 }];
  return JSON.stringify({
    'source-ref': 's3://b/img.png',
    'bounding-box': { image_size: over.size ?? [{ width: 100, height: 80, depth: 3 }], annotations },
    'bounding-box-metadata': {
      objects: over.objects ?? annotations.map(() => ({ confidence: 1 })), 'class-map': over.classMap ?? { 0: 'Echo', 1: 'Dot' },
      type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': '2013-11-18T02:53:27', 'job-name': 'j',
    },
  });
}

test('a classification line gives its label, source-ref parts and cl-metadata', () => {
  const p = parseLine(classLine('s3://bucket/a/b.jpg', 'Sunrise'));
  assert.deepEqual(p.errors, []);
  assert.deepEqual(p.labels, { Sunrise: 0 });
  assert.equal(p.bucket, 'bucket');
  assert.equal(p.key, 'a/b.jpg');
  assert.equal(p.useCase, 'IMAGE_LEVEL_LABELS');
  assert.deepEqual(p.object!['cl-metadata'], { is_labeled: true });
  assert.ok(isUsable(p));
});

test('multi-label: several attribute/metadata pairs on one line', () => {
  const a = JSON.parse(classLine('s3://b/x.png', 'football', 'sport0'));
  const b = JSON.parse(classLine('s3://b/x.png', 'ball', 'sport1'));
  const p = parseLine(JSON.stringify({ ...a, ...b }));
  assert.deepEqual(Object.keys(p.labels).sort(), ['ball', 'football']);
});

test('per-line errors carry AWS codes at the level they concern', () => {
  assert.deepEqual(codes('not json'), ['ERROR_INVALID_JSON_LINE']);
  assert.deepEqual(codes('{"cls":1}'), ['ERROR_MISSING_SOURCE_REF']);
  assert.deepEqual(codes(classLine('http://b/x.png', 'a')), ['ERROR_INVALID_SOURCE_REF_FORMAT']);
  const badConf = JSON.parse(classLine('s3://b/x.png', 'a'));
  badConf['cls-metadata'].confidence = 2;
  const p = parseLine(JSON.stringify(badConf));
  assert.deepEqual(p.errors.map((e) => e.code), ['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT']);
  assert.equal((p.object!['cls-metadata'] as { errors: unknown[] }).errors.length, 1, 'the error sits on the metadata');
  assert.ok(!isUsable(p));
  assert.deepEqual(codes(classLine('s3://b/x.png', 'x'.repeat(257))), ['ERROR_INVALID_LABEL_NAME_LENGTH']);
  const multi = JSON.parse(classLine('s3://b/x.png', 'a'));
  multi['cls-metadata'].type = 'groundtruth/image-classification-multilabel';
  assert.deepEqual(codes(JSON.stringify(multi)), ['ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT'], 'a multi-label attribute is a list of class ids');
});

test('a line with only a source-ref is a valid unlabeled entry', () => {
  const p = parseLine('{"source-ref":"s3://b/x.png"}');
  assert.deepEqual(p.errors, []);
  assert.equal(p.labeled, false);
  assert.deepEqual(p.object!['cl-metadata'], { is_labeled: false });
});

test('errors and cl-metadata coming back in are replaced, not kept', () => {
  const first = parseLine(classLine('s3://b/x.png', 'a'));
  const again = JSON.parse(JSON.stringify(first.object));
  again.errors = [{ code: 'ERROR_OLD', message: 'stale' }];
  assert.deepEqual(parseLine(JSON.stringify(again)).errors, []);
});

test('object detection: labels count their boxes', () => {
  const p = parseLine(boxLine());
  assert.deepEqual(p.errors, []);
  assert.equal(p.useCase, 'OBJECT_LOCALIZATION');
  assert.deepEqual(p.labels, { Echo: 1, Dot: 1 });
  assert.equal(p.boxes.length, 2);
});

test('object detection errors', () => {
  assert.deepEqual(codes(boxLine({ classMap: { 0: 'Echo' } })), ['ERROR_MISSING_CLASS_MAP_ID']);
  assert.deepEqual(codes(boxLine({ annotations: [{ class_id: 0, top: 70, left: 10, width: 30, height: 20 }] })), ['ERROR_INVALID_BOUNDING_BOX']);
  assert.deepEqual(codes(boxLine({ annotations: [{ class_id: 0, top: 1, left: 1, width: 1, height: 5 }] })), ['ERROR_BOUNDING_BOX_TOO_SMALL']);
  const many = Array.from({ length: 51 }, () => ({ class_id: 0, top: 1, left: 1, width: 5, height: 5 }));
  assert.deepEqual(codes(boxLine({ annotations: many })), ['ERROR_TOO_MANY_BOUNDING_BOXES']);
  assert.deepEqual(codes(boxLine({ objects: [{ confidence: 1 }, {}] })), ['ERROR_MISSING_BOUNDING_BOX_CONFIDENCE']);
  assert.deepEqual(codes(boxLine({ size: [] })), ['ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT']);
  const none = parseLine(boxLine({ annotations: [] }));
  assert.deepEqual(none.errors.map((e) => e.code), ['WARNING_NO_ANNOTATIONS']);
  assert.ok(isUsable(none), 'a warning does not make a line unusable');
});

test('a box of 2 px in a 4000 px image is too small once scaled to 1280 px', () => {
  const size = [{ width: 4000, height: 3000, depth: 3 }];
  assert.deepEqual(codes(boxLine({ size, annotations: [{ class_id: 0, top: 0, left: 0, width: 3, height: 300 }] })), ['ERROR_BOUNDING_BOX_TOO_SMALL']);
  assert.deepEqual(codes(boxLine({ size, annotations: [{ class_id: 0, top: 0, left: 0, width: 4, height: 300 }] })), []);
});

test('manifest-wide terminal errors', () => {
  assert.equal((parseManifest(Buffer.from('\n \n')) as { terminal: { code: string } }).terminal.code, 'ERROR_EMPTY_MANIFEST');
  const rows = Buffer.from('{}\n'.repeat(250_001));
  assert.equal((parseManifest(rows) as { terminal: { code: string } }).terminal.code, 'ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM');
  assert.deepEqual(splitLines('a\nb\n'), ['a', 'b']);

  const good = Array.from({ length: 8 }, (_, i) => parseLine(classLine(`s3://b/${i}.png`, i % 2 ? 'x' : 'y')));
  assert.equal(checkLines([...good, ...[1, 2].map(() => parseLine('bad'))]), undefined, '2 of 10 invalid is within the 20% budget');
  assert.equal(checkLines([...good, ...[1, 2, 3].map(() => parseLine('bad'))])?.code, 'ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST');
  assert.equal(checkLines([...good, parseLine(classLine('s3://other/1.png', 'x'))])?.code, 'ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS');
  const labels = Array.from({ length: 251 }, (_, i) => parseLine(classLine(`s3://b/${i}.png`, `l${i}`)));
  assert.equal(checkLines(labels)?.code, 'ERROR_MANIFEST_TOO_MANY_LABELS');
});

test('the 80/20 split: per label, deterministic, one image always stays for training', () => {
  const items = [...Array.from({ length: 10 }, (_, i) => ({ k: `a${i}`, l: ['a'] })), ...Array.from({ length: 5 }, (_, i) => ({ k: `b${i}`, l: ['b'] })), { k: 'c0', l: ['c'] }, { k: 'c1', l: ['c'] }];
  const s = splitByLabel(items, (t) => t.l, (t) => t.k);
  const count = (list: typeof items, label: string) => list.filter((t) => t.l.includes(label)).length;
  assert.deepEqual([count(s.test, 'a'), count(s.test, 'b'), count(s.test, 'c')], [2, 1, 0]);
  assert.deepEqual(s.tooFew, []);
  assert.deepEqual(splitByLabel([...items].reverse(), (t) => t.l, (t) => t.k).test.map((t) => t.k).sort(), s.test.map((t) => t.k).sort());
  assert.deepEqual(splitByLabel([{ k: 'z', l: ['z'] }], (t) => t.l, (t) => t.k).tooFew, ['z']);
});

test('a line nested deeper than 1000 levels is ERROR_INVALID_JSON_LINE, not a stack overflow', () => {
  for (const depth of [1001, 3243, 200_000]) {
    const line = `{"source-ref":"s3://b/x.png","free":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const p = parseLine(line);
    assert.deepEqual(p.errors.map((e) => e.code), ['ERROR_INVALID_JSON_LINE'], String(depth));
    assert.match(p.errors[0].message, /more than 1000 levels/);
  }
  // 999 levels in a free-form field are kept as they are.
  const ok = parseLine(`{"source-ref":"s3://b/x.png","free":${'['.repeat(998)}${']'.repeat(998)}}`);
  assert.deepEqual(ok.errors, []);
});
