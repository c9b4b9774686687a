// One Ground Truth manifest line (spec §8.1, §8.2), parsed and validated the way Custom Labels
// does: problems become {code, message} errors attached to the line at the level they concern
// (the image, a label attribute's metadata, a bounding box), never exceptions. Pure functions.

import { jsonNesting, MAX_JSON_NESTING } from '../../protocol/json.js';

export type UseCase = 'IMAGE_LEVEL_LABELS' | 'OBJECT_LOCALIZATION';
export interface LineError { code: string; message: string }
export interface Box { label: string; left: number; top: number; width: number; height: number }

export interface ParsedLine {
  /** The JSON object as a dataset stores and lists it: errors attached, `cl-metadata` added. */
  object?: Record<string, unknown>;
  sourceRef?: string;
  bucket?: string;
  key?: string;
  useCase?: UseCase;
  /** Label → boxes drawn with it (0 for an image-level label); only from error-free attributes. */
  labels: Record<string, number>;
  boxes: Box[];
  imageSize?: { width: number; height: number };
  /** Every error and warning on the line, at any level. */
  errors: LineError[];
  labeled: boolean;
}

export const MAX_LABEL_NAME = 256;
export const MAX_BOXES_PER_IMAGE = 50;
const CLASSIFICATION = 'groundtruth/image-classification';
const DETECTION = 'groundtruth/object-detection';
const MULTILABEL = 'groundtruth/image-classification-multilabel';
/** Keys the service adds to a line; ignored (and rewritten) when a line comes back in. */
const SERVICE_KEYS = new Set(['source-ref', 'errors', 'cl-metadata']);
const SOURCE_REF = /^s3:\/\/([0-9A-Za-z._-]{1,255})\/(.+)$/;

export const isError = (e: LineError) => e.code.startsWith('ERROR_');
/** A line training can use: it names an image and has no error (warnings are fine). */
export const isUsable = (p: ParsedLine) => p.sourceRef !== undefined && !p.errors.some(isError);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Line {
  readonly parsed: ParsedLine = { labels: {}, boxes: [], errors: [], labeled: false };
  constructor(readonly obj: Obj) {}

  /** Records an error on `target` (an object in the line) and on the line's flat list. */
  add(target: Obj | undefined, code: string, message: string): void {
    const e = { code, message };
    this.parsed.errors.push(e);
    const where = target ?? this.obj;
    const list = Array.isArray(where.errors) ? where.errors : (where.errors = []);
    (list as LineError[]).push(e);
  }
}

function stripServiceKeys(v: unknown): void {
  if (Array.isArray(v)) v.forEach(stripServiceKeys);
  else if (isObj(v)) {
    delete v.errors;
    for (const child of Object.values(v)) stripServiceKeys(child);
  }
}

export function parseLine(text: string): ParsedLine {
  let obj: unknown;
  try { obj = JSON.parse(text); } catch { obj = undefined; }
  // Walks over the line (stripServiceKeys, re-encoding) stay bounded: a line nested deeper than a
  // request body may be is refused like one that is not JSON.
  const tooDeep = isObj(obj) && jsonNesting(obj) > MAX_JSON_NESTING;
  if (!isObj(obj) || tooDeep) {
    const blank = text.trim() === '';
    const message = blank ? 'The line is empty.' : tooDeep ? `The line nests arrays and objects more than ${MAX_JSON_NESTING} levels deep.` : 'The line is not a valid JSON object.';
    return { labels: {}, boxes: [], labeled: false, errors: [{ code: 'ERROR_INVALID_JSON_LINE', message }] };
  }
  stripServiceKeys(obj);
  delete obj['cl-metadata'];
  const line = new Line(obj);
  const p = line.parsed;
  p.object = obj;

  const ref = obj['source-ref'];
  if (ref === undefined) line.add(undefined, 'ERROR_MISSING_SOURCE_REF', 'The JSON line has no source-ref field.');
  else {
    const m = typeof ref === 'string' ? SOURCE_REF.exec(ref) : null;
    if (!m) line.add(undefined, 'ERROR_INVALID_SOURCE_REF_FORMAT', `The source-ref ${JSON.stringify(ref)} is not of the form s3://bucket/key.`);
    else { p.sourceRef = ref as string; p.bucket = m[1]; p.key = m[2]; }
  }

  for (const key of Object.keys(obj)) {
    if (SERVICE_KEYS.has(key) || key.startsWith('rekognition-custom-labels-')) continue;
    if (key.endsWith('-metadata')) {
      if (!(key.slice(0, -'-metadata'.length) in obj)) {
        line.add(isObj(obj[key]) ? obj[key] as Obj : undefined, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key} has no matching label attribute.`);
      }
      continue;
    }
    if (!(`${key}-metadata` in obj)) continue; // a free-form field, not a label attribute
    parseAttribute(line, key, obj[key], obj[`${key}-metadata`]);
  }
  // An image without label attributes is a valid, unlabeled entry (training ignores it). A
  // detection attribute with no boxes still counts as labeled: someone looked and found nothing.
  p.labeled = Object.keys(p.labels).length > 0 || p.useCase === 'OBJECT_LOCALIZATION';
  obj['cl-metadata'] = { is_labeled: p.labeled };
  return p;
}

function checkLabelName(line: Line, target: Obj, name: unknown, what: string): name is string {
  if (typeof name !== 'string') {
    line.add(target, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${what} must be a string.`);
    return false;
  }
  if (name.length < 1 || name.length > MAX_LABEL_NAME) {
    line.add(target, 'ERROR_INVALID_LABEL_NAME_LENGTH', `The label name ${JSON.stringify(name.slice(0, 40))} must have 1 to ${MAX_LABEL_NAME} characters.`);
    return false;
  }
  return true;
}

function setUseCase(line: Line, useCase: UseCase, target: Obj): boolean {
  const p = line.parsed;
  if (p.useCase && p.useCase !== useCase) {
    line.add(target, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', 'A JSON line cannot mix image-level labels and bounding boxes.');
    return false;
  }
  p.useCase = useCase;
  return true;
}

function parseAttribute(line: Line, key: string, value: unknown, meta: unknown): void {
  if (!isObj(meta)) {
    line.add(undefined, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata must be a JSON object.`);
    return;
  }
  const before = line.parsed.errors.length;
  if (meta['human-annotated'] !== undefined && meta['human-annotated'] !== 'yes' && meta['human-annotated'] !== 'no') {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', 'human-annotated must be "yes" or "no".');
  }
  if (meta['creation-date'] !== undefined && (typeof meta['creation-date'] !== 'string' || Number.isNaN(Date.parse(meta['creation-date'])))) {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', 'creation-date must be a UTC date-time string.');
  }
  const type = meta.type;
  if (type === MULTILABEL) {
    parseMultiLabel(line, key, value, meta, before);
  } else if (type === CLASSIFICATION) {
    if (!Number.isInteger(value)) line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The label attribute ${key} must be an integer.`);
    if (!isNum(meta.confidence) || meta.confidence < 0 || meta.confidence > 1) {
      line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata.confidence must be a number from 0 to 1.`);
    }
    const name = meta['class-name'];
    if (name === undefined) line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata has no class-name.`);
    else if (checkLabelName(line, meta, name, 'class-name') && line.parsed.errors.length === before && setUseCase(line, 'IMAGE_LEVEL_LABELS', meta)) {
      line.parsed.labels[name] = 0;
    }
  } else if (type === DETECTION) {
    if (setUseCase(line, 'OBJECT_LOCALIZATION', meta)) parseBoxes(line, key, value, meta);
  } else {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata.type must be ${CLASSIFICATION}, ${MULTILABEL} or ${DETECTION}.`);
  }
}

/**
 * Ground Truth's multi-label output (SageMaker "Image Classification (Multi-label)"): the attribute is a list of class
 * ids, `class-map` names them and `confidence-map` (optional here, as `confidence` is unused) gives each a 0–1
 * confidence. Every listed class becomes an image-level label of the line; an empty list is a labeled "none of these".
 */
function parseMultiLabel(line: Line, key: string, value: unknown, meta: Obj, before: number): void {
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v))) {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The label attribute ${key} must be a list of integer class ids.`);
    return;
  }
  const classMap = meta['class-map'];
  if (!isObj(classMap)) {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata.class-map must be an object of class id to label name.`);
    return;
  }
  const confidences = meta['confidence-map'];
  if (confidences !== undefined && (!isObj(confidences) || !Object.values(confidences).every((c) => isNum(c) && c >= 0 && c <= 1))) {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata.confidence-map must map class ids to numbers from 0 to 1.`);
  }
  const names: string[] = [];
  for (const id of value as number[]) {
    const name = classMap[String(id)];
    if (name === undefined) line.add(meta, 'ERROR_MISSING_CLASS_MAP_ID', `Class id ${id} of ${key} is not in the class-map.`);
    else if (checkLabelName(line, meta, name, `class-map entry ${id}`)) names.push(name);
  }
  if (line.parsed.errors.length !== before || !setUseCase(line, 'IMAGE_LEVEL_LABELS', meta)) return;
  for (const n of names) line.parsed.labels[n] = 0;
}

function parseBoxes(line: Line, key: string, value: unknown, meta: Obj): void {
  if (!isObj(value)) {
    line.add(undefined, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `The label attribute ${key} must be an object with image_size and annotations.`);
    return;
  }
  const size = Array.isArray(value.image_size) && value.image_size.length === 1 && isObj(value.image_size[0]) ? value.image_size[0] as Obj : undefined;
  const width = size?.width, height = size?.height;
  if (!size || !Number.isInteger(width) || !Number.isInteger(height) || (width as number) < 1 || (height as number) < 1 || !isNum(size.depth)) {
    line.add(value, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key}.image_size must be a one-element array of {width, height, depth}.`);
    return;
  }
  const w = width as number, h = height as number;
  line.parsed.imageSize = { width: w, height: h };
  const annotations = value.annotations;
  if (!Array.isArray(annotations)) {
    line.add(value, 'ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT', `${key}.annotations must be an array.`);
    return;
  }
  const classMap = meta['class-map'];
  if (!isObj(classMap)) {
    line.add(meta, 'ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT', `${key}-metadata.class-map must be an object of class_id to label name.`);
    return;
  }
  const objects = Array.isArray(meta.objects) ? meta.objects : [];
  if (annotations.length === 0) line.add(value, 'WARNING_NO_ANNOTATIONS', 'The image has no bounding boxes.');
  if (annotations.length > MAX_BOXES_PER_IMAGE) {
    line.add(value, 'ERROR_TOO_MANY_BOUNDING_BOXES', `The image has ${annotations.length} bounding boxes; at most ${MAX_BOXES_PER_IMAGE} are allowed.`);
    return;
  }
  const scale = Math.min(1, 1280 / Math.max(w, h));
  const good: Box[] = [];
  annotations.forEach((a, i) => {
    const target = isObj(a) ? a : value;
    if (!isObj(a) || !isNum(a.left) || !isNum(a.top) || !isNum(a.width) || !isNum(a.height) || a.left < 0 || a.top < 0
      || a.width <= 0 || a.height <= 0 || a.left + a.width > w || a.top + a.height > h) {
      line.add(target, 'ERROR_INVALID_BOUNDING_BOX', `Bounding box ${i} must have non-negative left, top and positive width, height inside the ${w}x${h} image.`);
      return;
    }
    const conf = isObj(objects[i]) ? (objects[i] as Obj).confidence : undefined;
    if (!isNum(conf)) line.add(target, 'ERROR_MISSING_BOUNDING_BOX_CONFIDENCE', `objects[${i}] in ${key}-metadata has no confidence.`);
    const label = classMap[String(a.class_id)];
    if (!Number.isInteger(a.class_id) || label === undefined) {
      line.add(target, 'ERROR_MISSING_CLASS_MAP_ID', `class_id ${JSON.stringify(a.class_id)} of bounding box ${i} is not in the class-map.`);
      return;
    }
    if (!checkLabelName(line, target, label, `class-map entry ${String(a.class_id)}`)) return;
    if (a.width * scale <= 1 || a.height * scale <= 1) {
      line.add(target, 'ERROR_BOUNDING_BOX_TOO_SMALL', `Bounding box ${i} is 1 pixel or less after resizing the image to at most 1280 pixels.`);
      return;
    }
    if (isNum(conf)) good.push({ label: label as string, left: a.left, top: a.top, width: a.width, height: a.height });
  });
  if (good.length !== annotations.length) return;
  line.parsed.boxes.push(...good);
  for (const b of good) line.parsed.labels[b.label] = (line.parsed.labels[b.label] ?? 0) + 1;
}

/** Adds an image-level error (found after parsing, e.g. by reading the image). */
export function addLineError(p: ParsedLine, code: string, message: string): void {
  const e = { code, message };
  p.errors.push(e);
  if (p.object) {
    const list = Array.isArray(p.object.errors) ? p.object.errors : (p.object.errors = []);
    (list as LineError[]).push(e);
  }
}
