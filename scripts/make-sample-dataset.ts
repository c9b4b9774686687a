/**
 * tsx scripts/make-sample-dataset.ts --out DIR --bucket BUCKET [--count N] [--seed S]
 * Writes a deterministic synthetic classification data set (see src/ml/sample-dataset.ts).
 */
import { parseArgs } from 'node:util';
import { writeSampleDataset } from '../src/ml/sample-dataset.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    bucket: { type: 'string' },
    count: { type: 'string', default: '320' },
    seed: { type: 'string', default: '42' },
  },
});
if (!values.out || !values.bucket) {
  console.error('usage: tsx scripts/make-sample-dataset.ts --out DIR --bucket BUCKET [--count N] [--seed S]');
  process.exit(2);
}
const count = Number(values.count);
const seed = Number(values.seed);
if (!Number.isInteger(count) || count < 4 || !Number.isInteger(seed)) {
  console.error('--count must be an integer >= 4 and --seed an integer');
  process.exit(2);
}
const t = Date.now();
const ds = await writeSampleDataset({ out: values.out, bucket: values.bucket, count, seed });
const train = ds.images.filter((i) => i.split === 'train').length;
console.log(`wrote ${ds.images.length} images (${train} train / ${ds.images.length - train} test) to ${values.out} in ${Date.now() - t} ms`);
console.log(`manifests: ${ds.manifests.train} ${ds.manifests.test} ${ds.manifests.all}`);
