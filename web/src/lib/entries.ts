// Dataset entries (Ground Truth manifest lines from ListDatasetEntries) as the console shows and
// edits them. Pure; unit-tested in test/console/. Formats: the Ground Truth classification and
// object-detection lines of https://docs.aws.amazon.com/rekognition/latest/customlabels-dg/md-create-manifest-file.html.
import { fromPixels, toPixels, type BoundingBox } from './boxes';

export interface EntryBox { label: string; box: BoundingBox }
export interface EntryError { code: string; message: string }

export interface Entry {
  sourceRef: string;
  /** Image-level labels (classification). */
  labels: string[];
  /** Object-detection boxes, relative to the image. */
  boxes: EntryBox[];
  /** Every `errors` item of the line (any level), codes ERROR_* and WARNING_*. */
  errors: EntryError[];
  labeled: boolean;
  /** The parsed line, for edits. */
  raw: Record<string, any>;
}

function collectErrors(v: unknown, out: EntryError[]): void {
  if (Array.isArray(v)) { for (const x of v) collectErrors(x, out); return; }
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'errors' && Array.isArray(x)) {
      for (const e of x) if (e && typeof e.code === 'string') out.push({ code: e.code, message: String(e.message ?? '') });
    } else collectErrors(x, out);
  }
}

/** Parses one ListDatasetEntries line. Invalid JSON gives an entry with one error. */
export function parseEntry(line: string): Entry {
  let raw: Record<string, any>;
  try { raw = JSON.parse(line); } catch { return { sourceRef: '', labels: [], boxes: [], errors: [{ code: 'ERROR_INVALID_JSON_LINE', message: 'The line is not valid JSON.' }], labeled: false, raw: {} }; }
  const labels: string[] = [], boxes: EntryBox[] = [], errors: EntryError[] = [];
  collectErrors(raw, errors);
  for (const [key, meta] of Object.entries(raw)) {
    if (!key.endsWith('-metadata') || key === 'cl-metadata' || !meta || typeof meta !== 'object') continue;
    const attr = raw[key.slice(0, -'-metadata'.length)];
    if (meta.type === 'groundtruth/image-classification' && typeof meta['class-name'] === 'string') labels.push(meta['class-name']);
    if (meta.type === 'groundtruth/object-detection' && attr && Array.isArray(attr.annotations)) {
      const size = Array.isArray(attr.image_size) ? attr.image_size[0] : undefined;
      const classMap = meta['class-map'] ?? {};
      for (const a of attr.annotations) {
        const label = classMap[String(a.class_id)];
        if (typeof label !== 'string' || !size?.width || !size?.height) continue;
        boxes.push({ label, box: fromPixels(a, size.width, size.height) });
      }
    }
  }
  const labeled = raw['cl-metadata']?.is_labeled ?? (labels.length > 0 || boxes.length > 0);
  return { sourceRef: typeof raw['source-ref'] === 'string' ? raw['source-ref'] : '', labels, boxes, errors, labeled: !!labeled, raw };
}

/** Attribute names the console writes when it adds labels to a line that has none. */
export const CLASS_ATTR = 'console-label';
export const BOX_ATTR = 'console-bounding-box';

/**
 * The line UpdateDatasetEntries needs to give `sourceRef` these image-level labels (classification)
 * or these boxes (object detection, needs the image size in px). Keeps attributes the edit does not
 * touch out (the line replaces the entry, AWS's rule for UpdateDatasetEntries).
 */
export function buildLine(sourceRef: string, edit: { labels: string[] } | { boxes: EntryBox[]; width: number; height: number }, now = new Date()): string {
  const stamp = now.toISOString().replace(/Z$/, '');
  const line: Record<string, unknown> = { 'source-ref': sourceRef };
  if ('labels' in edit) {
    [...new Set(edit.labels)].forEach((label, i) => {
      const attr = i === 0 ? CLASS_ATTR : `${CLASS_ATTR}-${i}`;
      line[attr] = 1;
      line[`${attr}-metadata`] = { confidence: 1, 'class-name': label, 'human-annotated': 'yes', 'creation-date': stamp, type: 'groundtruth/image-classification', 'job-name': 'osprey-console' };
    });
    return JSON.stringify(line);
  }
  const names = [...new Set(edit.boxes.map((b) => b.label))];
  line[BOX_ATTR] = {
    image_size: [{ width: edit.width, height: edit.height, depth: 3 }],
    annotations: edit.boxes.map((b) => ({ class_id: names.indexOf(b.label), ...toPixels(b.box, edit.width, edit.height) })),
  };
  line[`${BOX_ATTR}-metadata`] = {
    objects: edit.boxes.map(() => ({ confidence: 1 })), 'class-map': Object.fromEntries(names.map((n, i) => [String(i), n])),
    type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': stamp, 'job-name': 'osprey-console',
  };
  return JSON.stringify(line);
}

/** UTF-8 text → base64 (the JSON protocol's Blob encoding), in chunks so large texts fit the call stack. */
export function base64Utf8(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
