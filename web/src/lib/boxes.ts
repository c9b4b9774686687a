// Box maths for drawing and editing bounding boxes (pure; unit-tested in test/console/).
// Rekognition's BoundingBox is relative to the image: Left, Top, Width, Height in 0..1
// (DetectCustomLabels, https://docs.aws.amazon.com/rekognition/latest/APIReference/API_BoundingBox.html).
// Ground Truth's object-detection annotations are in image pixels: left, top, width, height.

export interface BoundingBox { Left: number; Top: number; Width: number; Height: number }
export interface Rect { x: number; y: number; width: number; height: number }

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * A relative box as a rectangle in a display of `width`×`height` px, clipped to it (AWS may
 * return boxes that extend past the image edge: Left or Top below 0, Left+Width above 1).
 */
export function toDisplay(box: BoundingBox, width: number, height: number): Rect {
  const x0 = clamp01(box.Left), y0 = clamp01(box.Top);
  const x1 = clamp01(box.Left + box.Width), y1 = clamp01(box.Top + box.Height);
  return { x: x0 * width, y: y0 * height, width: Math.max(0, x1 - x0) * width, height: Math.max(0, y1 - y0) * height };
}

/** A Ground Truth pixel annotation → relative box, for an image of `imageWidth`×`imageHeight` px. */
export function fromPixels(a: { left: number; top: number; width: number; height: number }, imageWidth: number, imageHeight: number): BoundingBox {
  if (!(imageWidth > 0 && imageHeight > 0)) throw new RangeError('image size must be positive');
  return { Left: a.left / imageWidth, Top: a.top / imageHeight, Width: a.width / imageWidth, Height: a.height / imageHeight };
}

/** A relative box → Ground Truth pixel annotation (integers, clipped to the image). */
export function toPixels(box: BoundingBox, imageWidth: number, imageHeight: number): { left: number; top: number; width: number; height: number } {
  const r = toDisplay(box, imageWidth, imageHeight);
  const left = Math.round(r.x), top = Math.round(r.y);
  return { left, top, width: Math.round(r.x + r.width) - left, height: Math.round(r.y + r.height) - top };
}

/**
 * The relative box a pointer drag drew, from (x0,y0) to (x1,y1) in display px of a
 * `width`×`height` display; any corner order; clipped to the image. Undefined when smaller than
 * `minPx` on a side (a click, not a drag).
 */
export function fromDrag(x0: number, y0: number, x1: number, y1: number, width: number, height: number, minPx = 4): BoundingBox | undefined {
  const l = Math.max(0, Math.min(x0, x1)), r = Math.min(width, Math.max(x0, x1));
  const t = Math.max(0, Math.min(y0, y1)), b = Math.min(height, Math.max(y0, y1));
  if (r - l < minPx || b - t < minPx) return undefined;
  return { Left: l / width, Top: t / height, Width: (r - l) / width, Height: (b - t) / height };
}

/** A stable colour per label name (HSL hue from a string hash), readable on photos. */
export function labelColour(label: string): string {
  let h = 2166136261;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619);
  return `hsl(${(h >>> 0) % 360} 85% 45%)`;
}
