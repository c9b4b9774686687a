// Checks the image each line names: it must exist in the object store, be a JPEG or PNG of at
// most 15 MB, 64–4096 px per side with an aspect ratio of at most 20:1 (spec §8.4).
import { ImageError, probeImage } from '../../ml/image.js';
import type { ObjectFiles } from '../s3/service.js';
import { addLineError, type ParsedLine } from './manifest.js';
import type { Caller } from '../shared/scope.js';

export const MAX_IMAGE_BYTES = 15 * 1024 * 1024;
export const MIN_SIDE = 64;
export const MAX_SIDE = 4096;
export const MAX_ASPECT = 20;

/** The dimension rule as a message, or undefined when the size is fine. */
export function dimensionProblem(width: number, height: number): string | undefined {
  if (width < MIN_SIDE || height < MIN_SIDE || width > MAX_SIDE || height > MAX_SIDE) {
    return `The image is ${width}x${height} pixels; each side must be ${MIN_SIDE} to ${MAX_SIDE} pixels.`;
  }
  if (Math.max(width, height) / Math.min(width, height) > MAX_ASPECT) {
    return `The image is ${width}x${height} pixels; the aspect ratio must be at most ${MAX_ASPECT}:1.`;
  }
  return undefined;
}

/** Reads an image named by a line; records ERROR_INVALID_IMAGE on the line when it cannot. */
export async function readImage(objects: ObjectFiles, p: ParsedLine, as?: Caller): Promise<Buffer | undefined> {
  let bytes: Buffer | undefined;
  try { bytes = await objects.get(p.bucket!, p.key!, as); } catch { bytes = undefined; }
  if (!bytes) { addLineError(p, 'ERROR_INVALID_IMAGE', `The image ${p.sourceRef} does not exist or cannot be read.`); return undefined; }
  if (bytes.length > MAX_IMAGE_BYTES) { addLineError(p, 'ERROR_INVALID_IMAGE', `The image ${p.sourceRef} is larger than 15 MB.`); return undefined; }
  return bytes;
}

/** Probes every usable-so-far line's image (headers only, no full decode), a few at a time. */
/** `as`: whose rights the images are read with (the dataset's account). */
export async function checkImages(objects: ObjectFiles, lines: ParsedLine[], as?: Caller, concurrency = 8): Promise<void> {
  const todo = lines.filter((l) => l.sourceRef && !l.errors.some((e) => e.code.startsWith('ERROR_')));
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const p = todo[next++]!;
      const bytes = await readImage(objects, p, as);
      if (!bytes) continue;
      try {
        const info = await probeImage(bytes, { decode: false });
        const problem = dimensionProblem(info.width, info.height);
        if (problem) addLineError(p, 'ERROR_INVALID_IMAGE_DIMENSION', problem);
      } catch (e) {
        addLineError(p, 'ERROR_INVALID_IMAGE', `The image ${p.sourceRef} is not a valid JPEG or PNG file${e instanceof ImageError ? `: ${e.message}` : ''}.`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
}
