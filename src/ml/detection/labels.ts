// DetectCustomLabels for detectors (pure, no tfjs): filtering and wire shapes of detected boxes.

export interface Point { X: number; Y: number }
export interface DetectedLabel {
  Name: string;
  /** 0–100. */
  Confidence: number;
  /** Ratios of the image, clipped to [0,1]; Polygon is the box's four corners, clockwise from the top-left. */
  Geometry: { BoundingBox: { Width: number; Height: number; Left: number; Top: number }; Polygon: Point[] };
}

/**
 * One CustomLabel per detected instance (spec §6.5, issue #13): `flat` holds six floats per detection (label index,
 * confidence 0..1, Left, Top, Width, Height), as the inference units send them. Without minConfidence a detection
 * must reach its label's assumed threshold; with it, confidence × 100 >= minConfidence (0 returns every candidate).
 * Sorted by confidence, highest first (ties: label name, then position); maxResults keeps the top N.
 */
export function toDetectedLabels(
  flat: ArrayLike<number>, labels: string[], thresholds: number[], opts: { minConfidence?: number; maxResults?: number } = {},
): DetectedLabel[] {
  const out: DetectedLabel[] = [];
  for (let i = 0; i + 5 < flat.length; i += 6) {
    const l = flat[i]!, c = flat[i + 1]!;
    const keep = opts.minConfidence === undefined ? c >= thresholds[l]! : c * 100 >= opts.minConfidence;
    if (!keep) continue;
    const Left = clip(flat[i + 2]!), Top = clip(flat[i + 3]!);
    const Width = Math.min(clip(flat[i + 4]!), 1 - Left), Height = Math.min(clip(flat[i + 5]!), 1 - Top);
    out.push({
      Name: labels[l]!, Confidence: c * 100,
      Geometry: {
        BoundingBox: { Width, Height, Left, Top },
        Polygon: [{ X: Left, Y: Top }, { X: Left + Width, Y: Top }, { X: Left + Width, Y: Top + Height }, { X: Left, Y: Top + Height }],
      },
    });
  }
  out.sort((a, b) => b.Confidence - a.Confidence || (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0)
    || a.Geometry.BoundingBox.Top - b.Geometry.BoundingBox.Top || a.Geometry.BoundingBox.Left - b.Geometry.BoundingBox.Left);
  return opts.maxResults === undefined ? out : out.slice(0, opts.maxResults);
}

const clip = (v: number) => Math.min(1, Math.max(0, v));
