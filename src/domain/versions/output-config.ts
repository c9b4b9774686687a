// OutputConfig of CreateProjectVersion and CopyProjectVersion, checked the same way and up front,
// before anything is created: a bucket name the object store accepts and a key prefix whose
// output keys stay inside the bucket (spec §9.1). Both answer InvalidParameterException.
import { InvalidParameter } from '../../protocol/errors.js';
import { ObjectPathError, type ObjectStore } from '../../storage/objects.js';

export interface OutputConfig { S3Bucket?: string; S3KeyPrefix?: string }

/**
 * Checks `config`; returns the bucket, the prefix and whether the bucket exists. Throws
 * InvalidParameterException for a missing or invalid bucket name, or a prefix with `.`/`..`
 * segments, a leading `/`, a backslash or NUL.
 */
export async function checkOutputConfig(objects: ObjectStore, config: OutputConfig, missingBucket: string): Promise<{ bucket: string; prefix?: string; exists: boolean }> {
  const { S3Bucket: bucket, S3KeyPrefix: prefix } = config;
  if (!bucket) throw InvalidParameter(missingBucket);
  if (prefix !== undefined && !validKeyPrefix(prefix)) throw InvalidParameter(`OutputConfig.S3KeyPrefix ${JSON.stringify(prefix)} is not a valid object key prefix.`);
  try {
    return { bucket, prefix, exists: await objects.bucketExists(bucket) };
  } catch (e) {
    if (e instanceof ObjectPathError) throw InvalidParameter(`OutputConfig.S3Bucket ${JSON.stringify(bucket)} is not a valid bucket name.`);
    throw e;
  }
}

/** No `.`/`..` segments, no leading slash, no NUL or backslash: keys stay inside the bucket. */
function validKeyPrefix(prefix: string): boolean {
  if (prefix.startsWith('/') || /[\\\0]/.test(prefix)) return false;
  return !prefix.split('/').some((s) => s === '.' || s === '..');
}
