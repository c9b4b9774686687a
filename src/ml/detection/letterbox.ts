/**
 * Letterboxing for the detector: an image of any aspect ratio is scaled (aspect kept) so that its longer side is the
 * network's input size, placed at the top-left corner of the square input, and the rest is filled with mid grey.
 * Boxes travel between the image and the input as ratios of the scaled region, so mapping a box back is exact: a box
 * at ratios (l, t, w, h) of the image is at (l·sw, t·sh, w·sw, h·sh) input pixels, where sw × sh is the scaled size.
 */
import sharp from 'sharp';
import { ImageError, rawToInput, sniffFormat } from '../image.js';

/** A letterboxed image: the network input and where the image lies in it. */
export interface Letterboxed {
  /** RGB floats in [0,1], HWC, size*size*3 values. */
  input: Float32Array;
  /** The original image's size in pixels. */
  width: number;
  height: number;
  /** The scaled image's size inside the input (the rest is padding), in input pixels. */
  scaledWidth: number;
  scaledHeight: number;
}

/** A box as ratios (0..1) of an image or of the scaled region: Left, Top, Width, Height. */
export interface RatioBox { left: number; top: number; width: number; height: number }

const PAD = { r: 128, g: 128, b: 128 };

/** The scaled size of a width × height image in a square input of `size` pixels (longer side = size). */
export function scaledSize(width: number, height: number, size: number): { scaledWidth: number; scaledHeight: number } {
  const s = size / Math.max(width, height);
  return { scaledWidth: Math.max(1, Math.min(size, Math.round(width * s))), scaledHeight: Math.max(1, Math.min(size, Math.round(height * s))) };
}

/**
 * Decodes a JPEG/PNG and letterboxes it into a size × size input.
 * @throws ImageError UNSUPPORTED_FORMAT or CORRUPT, as imageToInput
 */
export async function letterbox(bytes: Buffer, size: number): Promise<Letterboxed> {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError('UNSUPPORTED_FORMAT', 'not a JPEG or PNG image');
  try {
    const img = sharp(bytes, { failOn: 'truncated', limitInputPixels: 4096 * 4096 * 4 });
    const meta = await img.metadata();
    const width = meta.width!, height = meta.height!;
    const { scaledWidth, scaledHeight } = scaledSize(width, height, size);
    const out = await img
      .removeAlpha()
      .toColourspace('srgb')
      .resize(scaledWidth, scaledHeight, { fit: 'fill', kernel: 'linear' })
      .extend({ top: 0, left: 0, right: size - scaledWidth, bottom: size - scaledHeight, background: PAD })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { input: rawToInput(out.data, size * size, out.info.channels), width, height, scaledWidth, scaledHeight };
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot decode ${format.toUpperCase()} image: ${(e as Error).message}`);
  }
}

/** Input-pixel box (x0, y0, x1, y1) → ratios of the image, clipped to [0,1]. */
export function inputBoxToRatios(x0: number, y0: number, x1: number, y1: number, lb: { scaledWidth: number; scaledHeight: number }): RatioBox {
  const cx0 = clip01(x0 / lb.scaledWidth), cy0 = clip01(y0 / lb.scaledHeight);
  const cx1 = clip01(x1 / lb.scaledWidth), cy1 = clip01(y1 / lb.scaledHeight);
  return { left: cx0, top: cy0, width: Math.max(0, cx1 - cx0), height: Math.max(0, cy1 - cy0) };
}

/** Ratios of the image → input-pixel box (x0, y0, x1, y1). */
export function ratiosToInputBox(b: RatioBox, lb: { scaledWidth: number; scaledHeight: number }): [number, number, number, number] {
  return [b.left * lb.scaledWidth, b.top * lb.scaledHeight, (b.left + b.width) * lb.scaledWidth, (b.top + b.height) * lb.scaledHeight];
}

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/** Intersection over union of two ratio boxes. */
export function iou(a: RatioBox, b: RatioBox): number {
  const ix = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const iy = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}
