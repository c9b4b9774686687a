/**
 * From the detector's raw output to boxes: heatmap peaks (a cell that is the maximum of its 3x3 neighbourhood for its
 * label), the regressed box around each, the mapping back to the image (letterbox.ts) and per-label non-maximum
 * suppression. Pure functions on arrays (no tfjs), shared by evaluation and the inference units.
 */
import { inputBoxToRatios, iou, type RatioBox } from './letterbox.js';

export interface Detection { label: number; confidence: number; box: RatioBox }

/** Peaks below this heatmap score are never candidates (they could not matter to any threshold in practice). */
export const MIN_CANDIDATE_SCORE = 0.01;
/** At most this many candidates per image before NMS. */
export const MAX_CANDIDATES = 100;
/** Two boxes of one label overlapping by more than this IoU are one object: the less confident is dropped. */
export const NMS_IOU = 0.5;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Decodes one image's raw output (g × g × (L + 4) floats, HWC) into detections, highest confidence first.
 * Boxes are ratios of the original image, clipped to [0,1]; confidences are 0..1.
 */
export function decodeDetections(
  raw: ArrayLike<number>, grid: number, numLabels: number, stride: number,
  lb: { scaledWidth: number; scaledHeight: number },
): Detection[] {
  const C = numLabels + 4;
  const cands: { cell: number; label: number; score: number }[] = [];
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      const cell = y * grid + x;
      // cells entirely in the padding cannot hold an object centre
      if (x * stride >= lb.scaledWidth || y * stride >= lb.scaledHeight) continue;
      for (let l = 0; l < numLabels; l++) {
        const v = raw[cell * C + l]!;
        if (sigmoid(v) < MIN_CANDIDATE_SCORE) continue;
        let peak = true;
        for (let dy = -1; dy <= 1 && peak; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const yy = y + dy, xx = x + dx;
            if ((dx || dy) && yy >= 0 && yy < grid && xx >= 0 && xx < grid && raw[(yy * grid + xx) * C + l]! > v) { peak = false; break; }
          }
        }
        if (peak) cands.push({ cell, label: l, score: sigmoid(v) });
      }
    }
  }
  cands.sort((a, b) => b.score - a.score || a.cell - b.cell || a.label - b.label);
  const dets = cands.slice(0, MAX_CANDIDATES).map(({ cell, label, score }) => {
    const o = cell * C + numLabels;
    const cx = ((cell % grid) + raw[o]!) * stride, cy = (Math.floor(cell / grid) + raw[o + 1]!) * stride;
    const w = Math.exp(Math.min(raw[o + 2]!, 8)) * stride, h = Math.exp(Math.min(raw[o + 3]!, 8)) * stride;
    return { label, confidence: score, box: inputBoxToRatios(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, lb) };
  }).filter((d) => d.box.width > 0 && d.box.height > 0);
  return nms(dets, NMS_IOU);
}

/** Per-label greedy non-maximum suppression; input and output sorted by confidence, highest first. */
export function nms(dets: Detection[], threshold: number): Detection[] {
  const kept: Detection[] = [];
  for (const d of dets) {
    if (!kept.some((k) => k.label === d.label && iou(k.box, d.box) > threshold)) kept.push(d);
  }
  return kept;
}
