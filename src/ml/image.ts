/**
 * Image probing and decoding with sharp. Only JPEG and PNG are accepted (DetectCustomLabels and manifest validation
 * both reject anything else); the format is decided from the file's magic bytes, never from a name or content type.
 */
import sharp from 'sharp';

export type ImageErrorCode = 'UNSUPPORTED_FORMAT' | 'CORRUPT';

export class ImageError extends Error {
  override readonly name = 'ImageError';
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageInfo {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The format from the magic bytes, or null when the bytes are neither JPEG nor PNG. */
export function sniffFormat(bytes: Uint8Array): 'jpeg' | 'png' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 8 && Buffer.from(bytes.buffer, bytes.byteOffset, 8).equals(PNG_MAGIC)) return 'png';
  return null;
}

function describeOther(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 6)).toString('latin1');
  if (head.startsWith('GIF8')) return 'GIF';
  if (head.startsWith('RIFF')) return 'RIFF/WebP';
  if (head.startsWith('BM')) return 'BMP';
  if (bytes.length === 0) return 'empty input';
  return 'unknown format';
}

function sharpFor(bytes: Buffer) {
  // 'truncated' makes libvips fail on premature end of data instead of filling the rest with grey.
  return sharp(bytes, { failOn: 'truncated', limitInputPixels: 4096 * 4096 * 4 });
}

/**
 * Identify a JPEG or PNG and its dimensions. With `decode` (the default) the whole image is decoded, so truncated or
 * otherwise damaged files are caught here rather than at training or inference time.
 * @throws ImageError UNSUPPORTED_FORMAT (not JPEG/PNG, GIF included) or CORRUPT (undecodable/truncated)
 */
export async function probeImage(bytes: Buffer, opts: { decode?: boolean } = {}): Promise<ImageInfo> {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError('UNSUPPORTED_FORMAT', `not a JPEG or PNG image (${describeOther(bytes)})`);
  let width: number | undefined;
  let height: number | undefined;
  try {
    const meta = await sharpFor(bytes).metadata();
    width = meta.width;
    height = meta.height;
    if (opts.decode !== false) await sharpFor(bytes).raw().toBuffer();
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot decode ${format.toUpperCase()} image: ${(e as Error).message}`);
  }
  if (!width || !height) throw new ImageError('CORRUPT', `cannot read ${format.toUpperCase()} image dimensions`);
  return { format, width, height };
}

/**
 * Decode a JPEG/PNG, drop alpha, convert to sRGB, resize (stretching, aspect ratio not kept) to inputSize x inputSize
 * with bilinear-style (libvips "linear" kernel) interpolation and return the pixels as RGB floats in [0, 1], HWC order.
 * @throws ImageError as probeImage
 */
export async function imageToInput(bytes: Buffer, inputSize: number): Promise<Float32Array> {
  const format = sniffFormat(bytes);
  if (!format) throw new ImageError('UNSUPPORTED_FORMAT', `not a JPEG or PNG image (${describeOther(bytes)})`);
  let data: Buffer;
  let channels: number;
  try {
    const out = await sharpFor(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(inputSize, inputSize, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    data = out.data;
    channels = out.info.channels;
  } catch (e) {
    throw new ImageError('CORRUPT', `cannot decode ${format.toUpperCase()} image: ${(e as Error).message}`);
  }
  return rawToInput(data, inputSize * inputSize, channels);
}

/** Convert interleaved 8-bit pixels (1, 2, 3 or 4 channels) to RGB floats in [0, 1]. */
export function rawToInput(data: Uint8Array, pixels: number, channels: number): Float32Array {
  const out = new Float32Array(pixels * 3);
  const k = 1 / 255;
  for (let p = 0; p < pixels; p++) {
    const s = p * channels;
    if (channels >= 3) {
      out[p * 3] = data[s]! * k;
      out[p * 3 + 1] = data[s + 1]! * k;
      out[p * 3 + 2] = data[s + 2]! * k;
    } else {
      const g = data[s]! * k;
      out[p * 3] = g;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = g;
    }
  }
  return out;
}
