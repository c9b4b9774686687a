/**
 * tsx scripts/fashion-mnist.ts --out DIR --bucket BUCKET [--src DIR] [--size 64] [--train-count N] [--test-count N]
 *
 * Converts Debian's dataset-fashion-mnist package (apt-get install -y dataset-fashion-mnist; files in
 * /usr/share/datasets/fashion-mnist/*-idx?-ubyte.gz) into PNG files upscaled to SIZE x SIZE, written as
 * DIR/<class>/<n>.png, plus Ground Truth classification manifests DIR/train.manifest (the official 60,000-image
 * training set), DIR/test.manifest (the official 10,000-image test set) and DIR/all.manifest.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { manifestLine } from '../src/ml/sample-dataset.js';

export const FASHION_CLASSES = [
  'tshirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot',
];

function readIdx(buf: Buffer): { dims: number[]; data: Buffer } {
  if (buf.readUInt16BE(0) !== 0 || buf[2] !== 0x08) throw new Error('not an unsigned-byte IDX file');
  const nd = buf[3]!;
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const data = buf.subarray(4 + 4 * nd);
  if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error('IDX file size does not match its dimensions');
  return { dims, data };
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    bucket: { type: 'string' },
    src: { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
    size: { type: 'string', default: '64' },
    'train-count': { type: 'string', default: '60000' },
    'test-count': { type: 'string', default: '10000' },
  },
});
if (!values.out || !values.bucket) {
  console.error('usage: tsx scripts/fashion-mnist.ts --out DIR --bucket BUCKET [--src DIR] [--size 64] [--train-count N] [--test-count N]');
  process.exit(2);
}
const out = values.out;
const size = Number(values.size);
const t0 = Date.now();
const manifests: Record<'train' | 'test', string[]> = { train: [], test: [] };
const counters = new Map<string, number>();
for (const [split, prefix, limit] of [
  ['train', 'train', Number(values['train-count'])],
  ['test', 't10k', Number(values['test-count'])],
] as const) {
  const images = readIdx(gunzipSync(await readFile(path.join(values.src!, `${prefix}-images-idx3-ubyte.gz`))));
  const labels = readIdx(gunzipSync(await readFile(path.join(values.src!, `${prefix}-labels-idx1-ubyte.gz`))));
  const [n, h, w] = images.dims as [number, number, number];
  const count = Math.min(n, limit);
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const cls = FASHION_CLASSES[labels.data[i]!]!;
    const k = counters.get(cls) ?? 0;
    counters.set(cls, k + 1);
    const rel = `${cls}/${k}.png`;
    manifests[split].push(manifestLine(`s3://${values.bucket}/${rel}`, cls, labels.data[i]!, 'fashion-class'));
    const px = images.data.subarray(i * h * w, (i + 1) * h * w);
    jobs.push(
      (async () => {
        const png = await sharp(Buffer.from(px), { raw: { width: w, height: h, channels: 1 } })
          .resize(size, size, { kernel: 'cubic' })
          .png()
          .toBuffer();
        await mkdir(path.join(out, cls), { recursive: true });
        await writeFile(path.join(out, rel), png);
      })(),
    );
    if (jobs.length >= 64) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  console.log(`${split}: ${count} images`);
}
await writeFile(path.join(out, 'train.manifest'), manifests.train.join('\n') + '\n');
await writeFile(path.join(out, 'test.manifest'), manifests.test.join('\n') + '\n');
await writeFile(path.join(out, 'all.manifest'), [...manifests.train, ...manifests.test].join('\n') + '\n');
console.log(`wrote ${manifests.train.length + manifests.test.length} PNGs (${size}x${size}) and manifests to ${out} in ${Date.now() - t0} ms`);
