// DetectCustomLabels image limits (spec §6.5, §11) and how each failed check maps to an AWS exception.
// docs/inference.md explains the choices where AWS is silent.
import { ImageTooLarge, InvalidImageFormat, InvalidParameter, type ServiceError } from '../../protocol/errors.js';

export const IMAGE_LIMITS = {
  /** "4 MB" for Image.Bytes; read as MiB, the larger reading, so no image AWS accepts is refused. */
  maxBytes: 4 * 1024 * 1024,
  /** "15 MB" for Image.S3Object, read as MiB for the same reason. */
  maxS3Bytes: 15 * 1024 * 1024,
  minPixels: 64,
  maxPixels: 4096,
  maxAspect: 20,
} as const;

export type ImageCheck = 'FORMAT' | 'CORRUPT' | 'TOO_SMALL' | 'TOO_LARGE' | 'ASPECT';

/** The exception a failed image check becomes. */
export function imageError(check: ImageCheck, message: string): ServiceError {
  switch (check) {
    case 'FORMAT': return InvalidImageFormat(`Request has unsupported image format: ${message}`);
    case 'CORRUPT': return InvalidImageFormat(`Request has invalid image format: ${message}`);
    case 'TOO_LARGE': return ImageTooLarge(message);
    case 'TOO_SMALL': case 'ASPECT': return InvalidParameter(`Request has invalid parameters: ${message}`);
  }
}
