// OutputConfig of CreateProjectVersion and CopyProjectVersion, checked the same way and up front,
// before anything is created (spec §9.1, docs/s3.md): a bucket name, a key prefix without `.`/`..`
// segments, a leading `/`, a backslash or NUL (InvalidParameterException); a bucket that exists
// (InvalidParameterException otherwise: a missing bucket is never created for the caller) and that
// the caller may write under the prefix (`s3:PutObject`, AccessDeniedException otherwise). The jobs
// write the files with the caller's rights again.
import { AccessDenied, InvalidParameter } from '../../protocol/errors.js';
import type { ObjectFiles } from '../s3/service.js';
import type { Caller } from '../shared/scope.js';

export interface OutputConfig { S3Bucket?: string; S3KeyPrefix?: string }

export async function checkOutputConfig(objects: ObjectFiles, caller: Caller, config: OutputConfig, missingBucket: string): Promise<{ bucket: string; prefix?: string }> {
  const { S3Bucket: bucket, S3KeyPrefix: prefix } = config;
  if (!bucket) throw InvalidParameter(missingBucket);
  if (prefix !== undefined && !validKeyPrefix(prefix)) throw InvalidParameter(`OutputConfig.S3KeyPrefix ${JSON.stringify(prefix)} is not a valid object key prefix.`);
  const verdict = await objects.writable(bucket, `${prefix ?? ''}*`, caller);
  if (verdict === 'no-bucket') throw InvalidParameter(`OutputConfig.S3Bucket: the S3 bucket ${bucket} does not exist.`);
  if (verdict === 'denied') {
    throw AccessDenied(`User: ${caller.principalArn} is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::${bucket}/${prefix ?? ''}* (OutputConfig.S3Bucket).`);
  }
  return { bucket, prefix };
}

/** No `.`/`..` segments, no leading slash, no NUL or backslash. */
function validKeyPrefix(prefix: string): boolean {
  if (prefix.startsWith('/') || /[\\\0]/.test(prefix)) return false;
  return !prefix.split('/').some((s) => s === '.' || s === '..');
}
