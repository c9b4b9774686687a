/**
 * Deterministic synthetic image-classification data set: circles, squares, triangles and stripes with random colours,
 * sizes, positions, image dimensions (64..96 px) and pixel noise, encoded as a mix of JPEG and PNG, plus Ground Truth
 * classification manifests (spec §8.1).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from './rng.js';

export const SAMPLE_CLASSES = ['circle', 'square', 'triangle', 'stripes'] as const;
export type SampleClass = (typeof SAMPLE_CLASSES)[number];

export interface SampleImage {
  /** Path relative to the data set root, e.g. "circle/3.png". */
  path: string;
  className: SampleClass;
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  split: 'train' | 'test';
  bytes: Buffer;
}

export interface SampleOptions {
  count?: number;
  seed?: number;
}

type RGB = [number, number, number];

function randomColour(rand: () => number): RGB {
  return [Math.floor(rand() * 256), Math.floor(rand() * 256), Math.floor(rand() * 256)];
}

function colourDistance(a: RGB, b: RGB): number {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);
}

/** Draw one image; returns raw RGB pixels. */
function draw(cls: SampleClass, w: number, h: number, rand: () => number): Buffer {
  const bg = randomColour(rand);
  let fg = randomColour(rand);
  for (let tries = 0; colourDistance(bg, fg) < 200 && tries < 50; tries++) fg = randomColour(rand);
  if (colourDistance(bg, fg) < 200) fg = [255 - bg[0], 255 - bg[1], 255 - bg[2]];
  const px = Buffer.alloc(w * h * 3);
  const m = Math.min(w, h);
  const size = m * (0.35 + rand() * 0.35); // shape extent in px
  const cx = size / 2 + rand() * (w - size);
  const cy = size / 2 + rand() * (h - size);
  const r = size / 2;
  // stripes: orientation and period
  const angle = Math.floor(rand() * 4) * (Math.PI / 4);
  const period = 6 + rand() * 8;
  const phase = rand() * period;
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const noise = 10 + rand() * 25;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      let inside = false;
      switch (cls) {
        case 'circle':
          inside = dx * dx + dy * dy <= r * r;
          break;
        case 'square':
          inside = Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
          break;
        case 'triangle': {
          // upright isosceles triangle inside the bounding square
          const t = (dy + r) / (2 * r); // 0 at apex, 1 at base
          inside = t >= 0 && t <= 1 && Math.abs(dx) <= t * r;
          break;
        }
        case 'stripes': {
          const u = x * ca + y * sa + phase;
          inside = ((u % period) + period) % period < period / 2;
          break;
        }
      }
      const c = inside ? fg : bg;
      const o = (y * w + x) * 3;
      for (let k = 0; k < 3; k++) {
        const v = c[k]! + (rand() * 2 - 1) * noise;
        px[o + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
      }
    }
  }
  return px;
}

/** Generate the images in memory (deterministic for a given count and seed). */
export async function generateSampleImages(opts: SampleOptions = {}): Promise<SampleImage[]> {
  const count = opts.count ?? 320;
  const rand = mulberry32(opts.seed ?? 42);
  const perClass = new Map<SampleClass, number>();
  const out: SampleImage[] = [];
  for (let i = 0; i < count; i++) {
    const cls = SAMPLE_CLASSES[i % SAMPLE_CLASSES.length]!;
    const n = perClass.get(cls) ?? 0;
    perClass.set(cls, n + 1);
    const w = 64 + Math.floor(rand() * 33);
    const h = 64 + Math.floor(rand() * 33);
    const format: 'jpeg' | 'png' = rand() < 0.5 ? 'jpeg' : 'png';
    const raw = draw(cls, w, h, rand);
    const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
    const bytes = format === 'jpeg' ? await img.jpeg({ quality: 90 }).toBuffer() : await img.png({ compressionLevel: 6 }).toBuffer();
    out.push({
      path: `${cls}/${n}.${format === 'jpeg' ? 'jpg' : 'png'}`,
      className: cls,
      format,
      width: w,
      height: h,
      split: n % 5 === 4 ? 'test' : 'train',
      bytes,
    });
  }
  return out;
}

/** One Ground Truth image-classification manifest line (spec §8.1). */
export function manifestLine(sourceRef: string, className: string, classIndex: number, attr = 'osprey-sample-class'): string {
  return JSON.stringify({
    'source-ref': sourceRef,
    [attr]: classIndex,
    [`${attr}-metadata`]: {
      confidence: 1,
      'job-name': 'labeling-job/osprey-sample',
      'class-name': className,
      'human-annotated': 'yes',
      'creation-date': '2024-01-01T00:00:00.000',
      type: 'groundtruth/image-classification',
    },
  });
}

export interface WrittenDataset {
  images: SampleImage[];
  manifests: { train: string; test: string; all: string };
}

/** Write DIR/<class>/<n>.jpg|png and DIR/{train,test,all}.manifest with source-ref s3://BUCKET/<relative path>. */
export async function writeSampleDataset(opts: SampleOptions & { out: string; bucket: string }): Promise<WrittenDataset> {
  const images = await generateSampleImages(opts);
  const lines = { train: [] as string[], test: [] as string[], all: [] as string[] };
  for (const img of images) {
    const file = path.join(opts.out, img.path);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, img.bytes);
    const line = manifestLine(`s3://${opts.bucket}/${img.path}`, img.className, SAMPLE_CLASSES.indexOf(img.className));
    lines[img.split].push(line);
    lines.all.push(line);
  }
  const manifests = {
    train: path.join(opts.out, 'train.manifest'),
    test: path.join(opts.out, 'test.manifest'),
    all: path.join(opts.out, 'all.manifest'),
  };
  await mkdir(opts.out, { recursive: true });
  for (const k of ['train', 'test', 'all'] as const) await writeFile(manifests[k], lines[k].join('\n') + '\n');
  return { images, manifests };
}
