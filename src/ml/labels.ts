// Pure label filtering shared by the predictor and the server (no tfjs import).
/**
 * DetectCustomLabels filtering (spec §6.5): without minConfidence each label must reach its assumed threshold;
 * with it, confidence (0-100) >= minConfidence. Sorted by confidence, highest first; maxResults keeps the top N.
 */
export function toCustomLabels(
  conf: ArrayLike<number>,
  labels: string[],
  thresholds: number[],
  opts: { minConfidence?: number; maxResults?: number } = {},
): { Name: string; Confidence: number }[] {
  const out: { Name: string; Confidence: number }[] = [];
  for (let l = 0; l < labels.length; l++) {
    const c = conf[l]!;
    const pct = c * 100;
    const keep = opts.minConfidence === undefined ? c >= thresholds[l]! : pct >= opts.minConfidence;
    if (keep) out.push({ Name: labels[l]!, Confidence: pct });
  }
  out.sort((a, b) => b.Confidence - a.Confidence || (a.Name < b.Name ? -1 : 1));
  return opts.maxResults === undefined ? out : out.slice(0, opts.maxResults);
}
