// The 80/20 split used by DistributeDatasetEntries and by TestingData.AutoCreate: per label,
// round(20%) of its images go to the test side, at least one always stays for training. The
// order is a hash of each source-ref, so the split is the same every time for the same data.
import { createHash } from 'node:crypto';

export const TEST_FRACTION = 0.2;

export interface SplitResult<T> { train: T[]; test: T[]; tooFew: string[] }

const rank = (key: string) => createHash('sha256').update(key).digest('hex');

export function splitByLabel<T>(items: T[], labelsOf: (t: T) => string[], keyOf: (t: T) => string, fraction = TEST_FRACTION): SplitResult<T> {
  const ordered = [...items].sort((a, b) => (rank(keyOf(a)) < rank(keyOf(b)) ? -1 : 1));
  const byLabel = new Map<string, T[]>();
  const unlabeled: T[] = [];
  for (const t of ordered) {
    const labels = labelsOf(t);
    if (labels.length === 0) unlabeled.push(t);
    for (const l of labels) (byLabel.get(l) ?? byLabel.set(l, []).get(l)!).push(t);
  }
  const tooFew = [...byLabel].filter(([, list]) => list.length < 2).map(([l]) => l).sort();
  const test = new Set<T>();
  const left = new Map([...byLabel].map(([l, list]) => [l, list.length])); // training images per label
  for (const label of [...byLabel.keys()].sort()) {
    const list = byLabel.get(label)!;
    const quota = Math.min(list.length - 1, Math.round(list.length * fraction));
    let taken = list.length - left.get(label)!;
    for (const t of list) {
      if (taken >= quota) break;
      // An image moves only if every one of its labels keeps at least one training image.
      if (test.has(t) || !labelsOf(t).every((l) => left.get(l)! > 1)) continue;
      test.add(t);
      for (const l of labelsOf(t)) left.set(l, left.get(l)! - 1);
      taken++;
    }
  }
  unlabeled.slice(0, Math.round(unlabeled.length * fraction)).forEach((t) => test.add(t));
  return { train: ordered.filter((t) => !test.has(t)), test: ordered.filter((t) => test.has(t)), tooFew };
}
