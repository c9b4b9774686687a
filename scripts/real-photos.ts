/**
 * Real-photo benchmark sets built from Debian packages (issue #13 item 5). Nothing here is stored in the repo:
 * the photographs and logos come from installed packages and the sets are written to a folder you name.
 *
 *   apt-get install -y mate-backgrounds numix-icon-theme-circle
 *   npx tsx scripts/real-photos.ts --out /tmp/real-photos --bucket photos [--seed 7]
 *
 * Sources
 *   photographs  mate-backgrounds: /usr/share/backgrounds/mate/nature/*.jpg (12 real photographs, GPL-2+)
 *   logos        numix-icon-theme-circle: /usr/share/icons/Numix-Circle/48/apps/<app>.svg (GPL-3.0+)
 *   licences     read from /usr/share/doc/<package>/copyright and written to LICENSES.json beside the data.
 *
 * Sets (labels come from the composition, never from a person or a model)
 *   classification/  one logo per image on a random crop of a photograph: scale 25–70 % of the side, random
 *                    position, rotation ±25°, brightness/saturation/hue jitter of the logo, a global lighting change
 *                    (brightness, gamma, colour tint) and sometimes blur. Photographs are split: the training images
 *                    use 9 photographs, the test images the other 3, so a model cannot pass by knowing backgrounds.
 *                    Manifests: train-10/25/50.manifest (nested: the first 10 ⊂ first 25 ⊂ first 50 per label) and
 *                    test.manifest (Ground Truth image-classification lines, spec §8.1).
 *   detection/       1–3 non-overlapping logos per image (scale 12–40 % of the shorter side), images 320×240,
 *                    240×320 or 288×288; train.manifest / test.manifest in the Ground Truth object-detection
 *                    format (boxes in pixels, the logo's tight box after rotation, from its alpha channel).
 *
 * Library use (engineer `detect`'s benchmark calls buildLogoDetectionSet): every builder returns the images with
 * their labels/boxes and bytes, and writes them only when `out` is given.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { mulberry32 } from '../src/ml/rng.js';

export const PHOTO_DIR = '/usr/share/backgrounds/mate/nature';
export const LOGO_DIR = '/usr/share/icons/Numix-Circle/48/apps';
export const PACKAGES = ['mate-backgrounds', 'numix-icon-theme-circle'] as const;
/** Eight brand logos with distinct designs (file names of LOGO_DIR, without .svg). */
export const LOGO_LABELS = ['firefox', 'chromium', 'vlc', 'gimp', 'blender', 'steam', 'telegram', 'github'] as const;

export interface Box { left: number; top: number; width: number; height: number }
export interface PhotoImage {
  /** Path relative to the set's folder, e.g. "classification/train/vlc/3.jpg". */
  path: string;
  split: 'train' | 'test';
  width: number;
  height: number;
  /** Classification: the one label. Detection: one entry per logo, boxes in pixels. */
  labels: { label: string; box?: Box }[];
  bytes: Buffer;
}

export interface SourceLicence { file: string; package: string; copyright: string; license: string }

/** Fail clearly when the Debian packages are missing (CI installs them; see .ci/run). */
export function checkSources(): void {
  const missing: string[] = [];
  if (!existsSync(PHOTO_DIR)) missing.push('mate-backgrounds');
  if (!existsSync(path.join(LOGO_DIR, 'firefox.svg'))) missing.push('numix-icon-theme-circle');
  if (missing.length) throw new Error(`real-photo sources missing: apt-get install -y ${missing.join(' ')}`);
}

async function photoFiles(): Promise<string[]> {
  return (await readdir(PHOTO_DIR)).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(PHOTO_DIR, f));
}

/** Photographs decoded once, downscaled to at most 1024 px wide, as raw RGB. */
interface Photo { file: string; data: Buffer; width: number; height: number }
const photoCache = new Map<string, Photo>();
async function loadPhoto(file: string): Promise<Photo> {
  let p = photoCache.get(file);
  if (!p) {
    const { data, info } = await sharp(file).resize({ width: 1024, withoutEnlargement: true }).removeAlpha().raw()
      .toBuffer({ resolveWithObject: true });
    p = { file, data, width: info.width, height: info.height };
    photoCache.set(file, p);
  }
  return p;
}

/** A random crop of the photograph with the given aspect ratio, resized to width × height. */
async function background(photo: Photo, width: number, height: number, rand: () => number): Promise<Buffer> {
  const aspect = width / height;
  const maxW = Math.min(photo.width, photo.height * aspect);
  const cw = Math.max(16, Math.floor(maxW * (0.35 + 0.65 * rand())));
  const ch = Math.max(16, Math.floor(cw / aspect));
  const left = Math.floor(rand() * (photo.width - cw + 1));
  const top = Math.floor(rand() * (photo.height - ch + 1));
  let img = sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } })
    .extract({ left, top, width: cw, height: ch }).resize(width, height);
  if (rand() < 0.5) img = img.flop();
  return img.raw().toBuffer();
}

/** The logo rendered at `side` px, rotated and recoloured; RGBA raw plus the tight box of its opaque pixels. */
async function logo(label: string, side: number, rand: () => number) {
  const svg = await readFile(path.join(LOGO_DIR, `${label}.svg`));
  const angle = (rand() * 2 - 1) * 25;
  const { data, info } = await sharp(svg, { density: Math.max(72, Math.ceil((72 * side) / 48) + 1) })
    .resize(side, side)
    .modulate({ brightness: 0.7 + 0.6 * rand(), saturation: 0.7 + 0.6 * rand(), hue: Math.round((rand() * 2 - 1) * 15) })
    .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  // Tight box of the pixels that are more than half opaque.
  let x0 = info.width, y0 = info.height, x1 = -1, y1 = -1;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if (data[(y * info.width + x) * 4 + 3]! > 127) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new Error(`logo ${label} rendered empty`);
  return { data, width: info.width, height: info.height, box: { left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } };
}

/** Composite logos at the given positions, then apply one lighting change to the whole image; JPEG bytes. */
async function compose(bg: Buffer, width: number, height: number, logos: { data: Buffer; width: number; height: number; left: number; top: number }[], rand: () => number): Promise<Buffer> {
  let img = sharp(bg, { raw: { width, height, channels: 3 } }).composite(logos.map((l) => ({
    input: l.data, raw: { width: l.width, height: l.height, channels: 4 as const }, left: l.left, top: l.top,
  })));
  // composite() must run before the lighting, so materialise it first.
  const { data: flat, info } = await img.raw().toBuffer({ resolveWithObject: true });
  const tint = [0.85 + 0.3 * rand(), 0.85 + 0.3 * rand(), 0.85 + 0.3 * rand()];
  img = sharp(flat, { raw: { width, height, channels: info.channels } }).removeAlpha()
    .linear(tint.map((t) => t * (0.6 + 0.6 * rand())), [0, 0, 0])
    .gamma(1 + 1.2 * rand());
  if (rand() < 0.3) img = img.blur(0.4 + 0.8 * rand());
  return img.jpeg({ quality: 80 + Math.floor(rand() * 16) }).toBuffer();
}

async function splitPhotos(): Promise<{ train: string[]; test: string[] }> {
  const files = await photoFiles();
  if (files.length < 4) throw new Error(`expected the mate-backgrounds photographs in ${PHOTO_DIR}`);
  // Every 4th photograph is a test background (3 of 12).
  return { train: files.filter((_, i) => i % 4 !== 3), test: files.filter((_, i) => i % 4 === 3) };
}

export interface ClassificationOptions { perLabel?: number; testPerLabel?: number; size?: number; seed?: number; labels?: readonly string[] }

/** Few-shot logo classification: `perLabel` training and `testPerLabel` test images of size × size px per label. */
export async function buildLogoClassificationSet(opts: ClassificationOptions = {}): Promise<PhotoImage[]> {
  checkSources();
  const { perLabel = 50, testPerLabel = 30, size = 160, seed = 7, labels = LOGO_LABELS } = opts;
  const photos = await splitPhotos();
  const out: PhotoImage[] = [];
  for (const split of ['train', 'test'] as const) {
    const n = split === 'train' ? perLabel : testPerLabel;
    for (let li = 0; li < labels.length; li++) {
      const label = labels[li]!;
      for (let i = 0; i < n; i++) {
        const rand = mulberry32(seed * 1_000_003 + (split === 'train' ? 0 : 500_000) + li * 10_000 + i);
        const pool = photos[split];
        const photo = await loadPhoto(pool[Math.floor(rand() * pool.length)]!);
        const bg = await background(photo, size, size, rand);
        const lg = await logo(label, Math.round(size * (0.25 + 0.45 * rand())), rand);
        const left = Math.round(rand() * (size - lg.box.width)) - lg.box.left;
        const top = Math.round(rand() * (size - lg.box.height)) - lg.box.top;
        const crop = await clipLogo(lg, left, top, size, size);
        const bytes = await compose(bg, size, size, crop ? [crop] : [], rand);
        out.push({ path: `classification/${split}/${label}/${i}.jpg`, split, width: size, height: size, labels: [{ label }], bytes });
      }
    }
  }
  return out;
}

/** Crop a rendered logo to the canvas (its transparent margin may stick out); null if nothing is left. */
async function clipLogo(lg: { data: Buffer; width: number; height: number }, left: number, top: number, W: number, H: number) {
  const x0 = Math.max(0, -left), y0 = Math.max(0, -top);
  const x1 = Math.min(lg.width, W - left), y1 = Math.min(lg.height, H - top);
  if (x1 <= x0 || y1 <= y0) return null;
  const data = await sharp(lg.data, { raw: { width: lg.width, height: lg.height, channels: 4 } })
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 }).raw().toBuffer();
  return { data, width: x1 - x0, height: y1 - y0, left: left + x0, top: top + y0 };
}

export interface DetectionOptions { train?: number; test?: number; seed?: number; labels?: readonly string[] }

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const iy = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Logo detection: 1–3 logos per image, boxes in pixels from the composition. */
export async function buildLogoDetectionSet(opts: DetectionOptions = {}): Promise<PhotoImage[]> {
  checkSources();
  const { train = 200, test = 60, seed = 11, labels = LOGO_LABELS } = opts;
  const photos = await splitPhotos();
  const sizes: [number, number][] = [[320, 240], [240, 320], [288, 288]];
  const out: PhotoImage[] = [];
  for (const split of ['train', 'test'] as const) {
    const n = split === 'train' ? train : test;
    for (let i = 0; i < n; i++) {
      const rand = mulberry32(seed * 1_000_003 + (split === 'train' ? 0 : 500_000) + i);
      const [W, H] = sizes[Math.floor(rand() * sizes.length)]!;
      const pool = photos[split];
      const bg = await background(await loadPhoto(pool[Math.floor(rand() * pool.length)]!), W, H, rand);
      const count = 1 + Math.floor(rand() * 3);
      const placed: { label: string; box: Box }[] = [];
      const layers: { data: Buffer; width: number; height: number; left: number; top: number }[] = [];
      for (let k = 0; k < count; k++) {
        const label = labels[Math.floor(rand() * labels.length)]!;
        const lg = await logo(label, Math.round(Math.min(W, H) * (0.12 + 0.28 * rand())), rand);
        for (let attempt = 0; attempt < 20; attempt++) {
          const bx = Math.round(rand() * (W - lg.box.width));
          const by = Math.round(rand() * (H - lg.box.height));
          const box = { left: bx, top: by, width: lg.box.width, height: lg.box.height };
          if (placed.some((p) => iou(p.box, box) > 0)) continue;
          const crop = await clipLogo(lg, bx - lg.box.left, by - lg.box.top, W, H);
          if (!crop) continue;
          placed.push({ label, box });
          layers.push(crop);
          break;
        }
      }
      const bytes = await compose(bg, W, H, layers, rand);
      out.push({ path: `detection/${split}/${i}.jpg`, split, width: W, height: H, labels: placed, bytes });
    }
  }
  return out;
}

/** Ground Truth image-classification line (spec §8.1). */
export function classificationLine(sourceRef: string, label: string, classId: number): string {
  return JSON.stringify({
    'source-ref': sourceRef,
    'logo-class': classId,
    'logo-class-metadata': {
      confidence: 1, 'class-name': label, 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00.000',
      type: 'groundtruth/image-classification', 'job-name': 'labeling-job/osprey-real-photos',
    },
  });
}

/** Ground Truth object-detection line (spec §8.2): boxes in pixels, class ids keyed into class-map. */
export function detectionLine(sourceRef: string, img: PhotoImage, labels: readonly string[]): string {
  const used = [...new Set(img.labels.map((l) => l.label))];
  return JSON.stringify({
    'source-ref': sourceRef,
    'bounding-box': {
      image_size: [{ width: img.width, height: img.height, depth: 3 }],
      annotations: img.labels.map((l) => ({ class_id: labels.indexOf(l.label), ...l.box! })),
    },
    'bounding-box-metadata': {
      objects: img.labels.map(() => ({ confidence: 1 })),
      'class-map': Object.fromEntries(used.map((u) => [String(labels.indexOf(u)), u])),
      type: 'groundtruth/object-detection', 'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00.000',
      'job-name': 'labeling-job/osprey-real-photos',
    },
  });
}

/** Copyright and licence of every source file used, from the packages' Debian copyright files. */
export async function sourceLicences(labels: readonly string[] = LOGO_LABELS): Promise<SourceLicence[]> {
  const out: SourceLicence[] = [];
  const mate = await readFile('/usr/share/doc/mate-backgrounds/copyright', 'utf8');
  for (const file of await photoFiles()) {
    const rel = `nature/${path.basename(file)}`;
    const stanza = mate.split(/\n\s*\n/).find((s) => s.startsWith('Files:') && s.split('\n').some((l) => l.replace(/^Files:/, '').trim() === rel));
    out.push({
      file, package: 'mate-backgrounds',
      copyright: stanza?.match(/^Copyright:((?:.*\n?)(?:^ +.*\n?)*)/m)?.[1]?.trim().replace(/\s*\n\s*/g, '; ') ?? 'see /usr/share/doc/mate-backgrounds/copyright',
      license: stanza?.match(/^License: *(.*)$/m)?.[1]?.trim() ?? 'GPL-2+',
    });
  }
  const numix = await readFile('/usr/share/doc/numix-icon-theme-circle/copyright', 'utf8');
  const star = numix.split(/\n\s*\n/).find((s) => /^Files: \*$/m.test(s)) ?? '';
  for (const l of labels) {
    out.push({
      file: path.join(LOGO_DIR, `${l}.svg`), package: 'numix-icon-theme-circle',
      copyright: star.match(/^Copyright: *(.*)$/m)?.[1]?.trim() ?? 'The Numix Project',
      license: `${star.match(/^License: *(.*)$/m)?.[1]?.trim() ?? 'GPL-3.0+'} (the logo itself is a trademark of its owner)`,
    });
  }
  return out;
}

/** Write the images, the manifests (source-ref s3://BUCKET/<path>) and LICENSES.json under `out`. */
export async function writeSets(out: string, bucket: string, cls: PhotoImage[], det: PhotoImage[]): Promise<void> {
  for (const img of [...cls, ...det]) {
    await mkdir(path.dirname(path.join(out, img.path)), { recursive: true });
    await writeFile(path.join(out, img.path), img.bytes);
  }
  const ref = (img: PhotoImage) => `s3://${bucket}/${img.path}`;
  const labels = [...LOGO_LABELS] as string[];
  const line = (img: PhotoImage) => classificationLine(ref(img), img.labels[0]!.label, labels.indexOf(img.labels[0]!.label));
  if (cls.length) {
    const trainByLabel = new Map<string, PhotoImage[]>();
    for (const img of cls.filter((c) => c.split === 'train')) {
      const l = img.labels[0]!.label;
      trainByLabel.set(l, [...(trainByLabel.get(l) ?? []), img]);
    }
    for (const k of [10, 25, 50]) {
      const lines = [...trainByLabel.values()].flatMap((imgs) => imgs.slice(0, k)).map(line);
      await writeFile(path.join(out, `classification/train-${k}.manifest`), lines.join('\n') + '\n');
    }
    await writeFile(path.join(out, 'classification/test.manifest'), cls.filter((c) => c.split === 'test').map(line).join('\n') + '\n');
  }
  for (const split of ['train', 'test'] as const) {
    const imgs = det.filter((d) => d.split === split);
    if (imgs.length) await writeFile(path.join(out, `detection/${split}.manifest`), imgs.map((d) => detectionLine(ref(d), d, labels)).join('\n') + '\n');
  }
  await writeFile(path.join(out, 'LICENSES.json'), JSON.stringify(await sourceLicences(), null, 2) + '\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' }, bucket: { type: 'string', default: 'photos' }, seed: { type: 'string', default: '7' },
      'per-label': { type: 'string', default: '50' }, 'test-per-label': { type: 'string', default: '30' },
      'detection-train': { type: 'string', default: '200' }, 'detection-test': { type: 'string', default: '60' },
    },
  });
  if (!values.out) {
    console.error('usage: tsx scripts/real-photos.ts --out DIR [--bucket B] [--seed S] [--per-label 50] [--test-per-label 30] [--detection-train 200] [--detection-test 60]');
    process.exit(2);
  }
  const t = Date.now();
  const seed = Number(values.seed);
  const cls = await buildLogoClassificationSet({ perLabel: Number(values['per-label']), testPerLabel: Number(values['test-per-label']), seed });
  const det = await buildLogoDetectionSet({ train: Number(values['detection-train']), test: Number(values['detection-test']), seed: seed + 4 });
  await writeSets(values.out, values.bucket!, cls, det);
  console.log(`wrote ${cls.length} classification and ${det.length} detection images to ${values.out} in ${Date.now() - t} ms`);
}
