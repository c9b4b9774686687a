// What each S3 operation asks of IAM: its action and resource, as the Service Authorization Reference
// ("Actions, resources, and condition keys for Amazon S3") maps the S3 REST operations:
//   HeadBucket, ListObjects(V2) → s3:ListBucket on arn:aws:s3:::bucket
//   GetObject, HeadObject      → s3:GetObject on arn:aws:s3:::bucket/key
//   PutObject, multipart upload → s3:PutObject on arn:aws:s3:::bucket/key
//   CopyObject, UploadPartCopy → s3:GetObject on the source object and s3:PutObject on the target
//   DeleteObjects              → s3:DeleteObject on each key (checked per key, errors per key)
// The server's authorize stage (server/pipeline.ts) asks S3Service.authorizeRequest with this table;
// handlers only do the operation.
import type { S3Action } from './service.js';

/** One permission an S3 request needs: an action on a bucket, or on one of its keys. */
export interface S3Permission { action: S3Action; bucket: string; key?: string }

/** What an operation needs. Operations absent here need no bucket permission (ListBuckets, CreateBucket: identity only). */
const BUCKET_ACTIONS: Record<string, S3Action> = {
  HeadBucket: 's3:ListBucket', ListObjects: 's3:ListBucket', ListObjectsV2: 's3:ListBucket',
  DeleteBucket: 's3:DeleteBucket', GetBucketLocation: 's3:GetBucketLocation', ListMultipartUploads: 's3:ListBucketMultipartUploads',
  PutBucketPolicy: 's3:PutBucketPolicy', GetBucketPolicy: 's3:GetBucketPolicy', DeleteBucketPolicy: 's3:DeleteBucketPolicy',
};
const OBJECT_ACTIONS: Record<string, S3Action> = {
  GetObject: 's3:GetObject', HeadObject: 's3:GetObject', PutObject: 's3:PutObject', CopyObject: 's3:PutObject',
  DeleteObject: 's3:DeleteObject', CreateMultipartUpload: 's3:PutObject', UploadPart: 's3:PutObject', UploadPartCopy: 's3:PutObject',
  CompleteMultipartUpload: 's3:PutObject', AbortMultipartUpload: 's3:AbortMultipartUpload', ListParts: 's3:ListMultipartUploadParts',
};

/** Bucket-policy operations: only the owner's account may use them (others: 405 with the permission, as S3). */
export const OWNER_ONLY = new Set(['PutBucketPolicy', 'GetBucketPolicy', 'DeleteBucketPolicy']);

/**
 * The permissions `operation` needs on `bucket` (and `key`), the copy source's first; empty for an
 * operation that acts on no existing bucket, or checks per key (DeleteObjects).
 */
export function requestedS3Permissions(operation: string, bucket: string | undefined, key: string | undefined, copySource?: { bucket: string; key: string }): S3Permission[] {
  if (bucket === undefined) return [];
  const out: S3Permission[] = [];
  if ((operation === 'CopyObject' || operation === 'UploadPartCopy') && copySource) out.push({ action: 's3:GetObject', ...copySource });
  const onBucket = BUCKET_ACTIONS[operation];
  if (onBucket) out.push({ action: onBucket, bucket });
  const onObject = OBJECT_ACTIONS[operation];
  if (onObject && key !== undefined) out.push({ action: onObject, bucket, key });
  return out;
}
