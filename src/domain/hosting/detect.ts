// DetectCustomLabels (spec §6.5): resolve the version (ResourceNotFound, AccessDenied), require
// RUNNING (ResourceNotReady), fetch the image (bytes or the object store) within the size limits,
// reject what is not JPEG/PNG by its magic bytes, then hand it to an inference unit, which checks
// dimensions and decodes it. Filtering by MinConfidence or the assumed thresholds is the ML library's.
import { versionHeld } from '../shared/object-version.js';
import {
  ImageTooLarge, InvalidParameter, InvalidS3Object,
  ProvisionedThroughputExceeded, ResourceNotReady,
} from '../../protocol/errors.js';
import { sniffFormat } from '../../ml/image.js';
import { toCustomLabels } from '../../ml/labels.js';
import { toDetectedLabels, type DetectedLabel } from '../../ml/detection/labels.js';
import type { ObjectFiles } from '../s3/service.js';
import type { Caller } from '../shared/scope.js';
import type { VersionService } from '../versions/service.js';
import { IMAGE_LIMITS, imageError } from './limits.js';
import { ImageRejected, PoolClosed, PoolFull } from './pool.js';
import type { Inference } from './remote.js';

export interface DetectInput {
  projectVersionArn: string;
  image: { bytes?: Buffer; s3Object?: { Bucket?: string; Name?: string; Version?: string } };
  minConfidence?: number;
  maxResults?: number;
}

/** A classifier's label, or a detector's instance with its Geometry. */
export type CustomLabel = { Name: string; Confidence: number } | DetectedLabel;

interface Host { poolFor(arn: string): Promise<Inference> }

const MIB = 1024 * 1024;

/** AWS's own wording for an unreadable S3 image. */
const S3_UNREADABLE = 'Unable to get object metadata from S3. Check object key, region and/or access permissions.';

/** The image's bytes; an S3Object is read with the caller's rights (InvalidS3ObjectException when missing or forbidden, as AWS). */
async function readImage(objects: ObjectFiles, image: DetectInput['image'], caller: Caller): Promise<Buffer> {
  if (image.bytes && image.s3Object) throw InvalidParameter('Request has invalid parameters: specify either Image.Bytes or Image.S3Object, not both.');
  if (image.bytes) {
    if (image.bytes.length > IMAGE_LIMITS.maxBytes) {
      throw ImageTooLarge(`Image size ${image.bytes.length} bytes exceeds the ${IMAGE_LIMITS.maxBytes / MIB} MB limit for Image.Bytes.`);
    }
    return image.bytes;
  }
  const s3 = image.s3Object;
  if (!s3) throw InvalidParameter('Request has invalid parameters: Image must contain Bytes or S3Object.');
  // A Version other than "null" names an object version the bucket does not hold (shared/object-version.ts).
  if (!s3.Bucket || !s3.Name || !versionHeld(s3.Version)) throw InvalidS3Object(S3_UNREADABLE);
  const size = (await objects.head(s3.Bucket, s3.Name, caller))?.size;
  if (size === undefined) throw InvalidS3Object(S3_UNREADABLE);
  if (size > IMAGE_LIMITS.maxS3Bytes) {
    throw ImageTooLarge(`Image size ${size} bytes exceeds the ${IMAGE_LIMITS.maxS3Bytes / MIB} MB limit for Image.S3Object.`);
  }
  const bytes = await objects.get(s3.Bucket, s3.Name, caller);
  if (!bytes) throw InvalidS3Object(S3_UNREADABLE);
  return bytes;
}

export async function detect(
  host: Host, deps: { lookup: VersionService; objects: ObjectFiles }, caller: Caller, input: DetectInput,
): Promise<CustomLabel[]> {
  const arn = input.projectVersionArn;
  const v = await deps.lookup.get(caller, arn, 'DetectCustomLabels');
  if (v.detail.feature === 'CONTENT_MODERATION') throw InvalidParameter(`${arn} is an adapter; use DetectModerationLabels.`);
  if (v.status !== 'RUNNING') throw ResourceNotReady(`ProjectVersion ${arn} is not ready: its status is ${v.status}.`);
  const bytes = await readImage(deps.objects, input.image, caller);
  if (!sniffFormat(bytes)) throw imageError('FORMAT', 'only JPEG and PNG images are supported.');
  const pool = await host.poolFor(arn);
  let confidences: Float32Array;
  try {
    confidences = await pool.submit(bytes);
  } catch (e) {
    if (e instanceof PoolFull) throw ProvisionedThroughputExceeded(`The inference units of ${arn} are saturated (${e.message}); retry with backoff or start the model with more units.`);
    if (e instanceof ImageRejected) throw imageError(e.check, e.message);
    if (e instanceof PoolClosed) throw ResourceNotReady(`ProjectVersion ${arn} is not ready: it was stopped.`);
    throw e; // a crashed unit: the pipeline logs it and answers InternalServerError
  }
  const opts = { minConfidence: input.minConfidence, maxResults: input.maxResults };
  return pool.kind === 'detection'
    ? toDetectedLabels(confidences, pool.labels, pool.thresholds, opts)
    : toCustomLabels(confidences, pool.labels, pool.thresholds, opts);
}
