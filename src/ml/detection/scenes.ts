/**
 * A deterministic synthetic object-detection set: scenes of 1–3 shapes (circle, square, triangle) with random colours,
 * sizes and positions on noisy two-colour gradient backgrounds, in images of varied size and aspect ratio (80–220 px
 * per side, up to about 2.5:1), JPEG and PNG mixed, with Ground Truth object-detection manifests (spec §8.2) whose
 * boxes come from the drawing itself.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { mulberry32 } from '../rng.js';

export const SCENE_CLASSES = ['circle', 'square', 'triangle'] as const;

export interface SceneObject { label: (typeof SCENE_CLASSES)[number]; left: number; top: number; width: number; height: number }
export interface Scene { path: string; width: number; height: number; format: 'jpeg' | 'png'; objects: SceneObject[]; split: 'train' | 'test'; bytes: Buffer }

type RGB = [number, number, number];
const colour = (r: () => number): RGB => [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
const dist = (a: RGB, b: RGB) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]);

function overlaps(a: SceneObject, b: SceneObject): boolean {
  return a.left < b.left + b.width + 2 && b.left < a.left + a.width + 2 && a.top < b.top + b.height + 2 && b.top < a.top + a.height + 2;
}

function inside(label: SceneObject['label'], o: SceneObject, x: number, y: number): boolean {
  const u = (x + 0.5 - o.left) / o.width, v = (y + 0.5 - o.top) / o.height;
  if (u < 0 || u > 1 || v < 0 || v > 1) return false;
  if (label === 'square') return true;
  if (label === 'circle') return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
  return v >= 1 - 2 * Math.min(u, 1 - u) * 1; // triangle: apex at top centre, base at the bottom
}

/** Draws scene `n`; every object box is the exact pixel extent of its shape. */
function drawScene(rand: () => number, classes: number): { w: number; h: number; px: Buffer; objects: SceneObject[] } {
  const long = 120 + Math.floor(rand() * 100);
  const short = Math.max(80, Math.floor(long / (1 + rand() * 1.5)));
  const [w, h] = rand() < 0.5 ? [long, short] : [short, long];
  const bg1 = colour(rand), bg2 = colour(rand);
  const count = 1 + Math.floor(rand() * 3);
  const objects: SceneObject[] = [];
  const colours: RGB[] = [];
  for (let tries = 0; objects.length < count && tries < 50; tries++) {
    const m = Math.min(w, h);
    const side = Math.round(m * (0.22 + rand() * 0.28));
    const ow = Math.round(side * (0.8 + rand() * 0.4)), oh = Math.round(side * (0.8 + rand() * 0.4));
    const o: SceneObject = { label: SCENE_CLASSES[Math.floor(rand() * classes)]!, left: Math.floor(rand() * (w - ow)), top: Math.floor(rand() * (h - oh)), width: ow, height: oh };
    if (objects.some((p) => overlaps(p, o))) continue;
    let c = colour(rand);
    for (let k = 0; k < 30 && (dist(c, bg1) < 180 || dist(c, bg2) < 180); k++) c = colour(rand);
    objects.push(o);
    colours.push(c);
  }
  const noise = 8 + rand() * 20;
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const g = (x / w + y / h) / 2;
      let c: RGB = [bg1[0] * (1 - g) + bg2[0] * g, bg1[1] * (1 - g) + bg2[1] * g, bg1[2] * (1 - g) + bg2[2] * g];
      objects.forEach((o, i) => { if (inside(o.label, o, x, y)) c = colours[i]!; });
      for (let ch = 0; ch < 3; ch++) px[(y * w + x) * 3 + ch] = Math.max(0, Math.min(255, Math.round(c[ch]! + (rand() - 0.5) * 2 * noise)));
    }
  }
  return { w, h, px, objects };
}

/** `count` scenes (seeded); every 5th is a test scene (80/20). `classes` uses the first 1–3 of SCENE_CLASSES. */
export async function generateScenes(opts: { count: number; seed?: number; classes?: number }): Promise<Scene[]> {
  const rand = mulberry32(opts.seed ?? 7);
  const out: Scene[] = [];
  for (let n = 0; n < opts.count; n++) {
    const { w, h, px, objects } = drawScene(rand, Math.min(3, Math.max(1, opts.classes ?? 3)));
    const format = n % 3 === 0 ? 'png' : 'jpeg';
    const img = sharp(px, { raw: { width: w, height: h, channels: 3 } });
    const bytes = format === 'png' ? await img.png().toBuffer() : await img.jpeg({ quality: 90 }).toBuffer();
    out.push({ path: `scenes/${n}.${format === 'png' ? 'png' : 'jpg'}`, width: w, height: h, format, objects, split: n % 5 === 4 ? 'test' : 'train', bytes });
  }
  return out;
}

/** One Ground Truth object-detection line (spec §8.2) for a scene stored at s3://bucket/<scene.path>. */
export function sceneLine(bucket: string, s: Scene): string {
  const used = SCENE_CLASSES.filter((c) => s.objects.some((o) => o.label === c));
  const classMap = Object.fromEntries(used.map((c) => [String(SCENE_CLASSES.indexOf(c)), c]));
  return JSON.stringify({
    'source-ref': `s3://${bucket}/${s.path}`,
    'bounding-box': {
      image_size: [{ width: s.width, height: s.height, depth: 3 }],
      annotations: s.objects.map((o) => ({ class_id: SCENE_CLASSES.indexOf(o.label), left: o.left, top: o.top, width: o.width, height: o.height })),
    },
    'bounding-box-metadata': {
      objects: s.objects.map(() => ({ confidence: 1 })), 'class-map': classMap, type: 'groundtruth/object-detection',
      'human-annotated': 'yes', 'creation-date': '2026-01-01T00:00:00', 'job-name': 'osprey-scenes',
    },
  });
}

/** Writes the scenes under `out` (the bucket's folder) with train.manifest, test.manifest and all.manifest. */
export async function writeScenes(opts: { out: string; bucket: string; count: number; seed?: number; classes?: number }): Promise<Scene[]> {
  const scenes = await generateScenes(opts);
  await mkdir(path.join(opts.out, 'scenes'), { recursive: true });
  for (const s of scenes) await writeFile(path.join(opts.out, s.path), s.bytes);
  const lines = (split?: string) => scenes.filter((s) => !split || s.split === split).map((s) => sceneLine(opts.bucket, s)).join('\n') + '\n';
  await writeFile(path.join(opts.out, 'train.manifest'), lines('train'));
  await writeFile(path.join(opts.out, 'test.manifest'), lines('test'));
  await writeFile(path.join(opts.out, 'all.manifest'), lines());
  return scenes;
}
