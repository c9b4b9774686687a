// Progress of a long-running version job, read from its StatusMessage (pure; unit-tested).
// Osprey's training job says "Validating training images: 120 of 400 read." and
// "Training: epoch 3 of 10, loss …"; AWS's messages carry no counts, so there is no bar for them.

export interface Progress { value: number; max: number }

/** The first "N of M" in a status message, when 0 ≤ N ≤ M and M > 0; otherwise undefined. */
export function progressOf(message: string | undefined): Progress | undefined {
  const m = /\b(\d+) of (\d+)\b/.exec(message ?? '');
  if (!m) return undefined;
  const value = Number(m[1]), max = Number(m[2]);
  return max > 0 && value <= max ? { value, max } : undefined;
}
