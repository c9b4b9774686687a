// S3 object versions in requests (S3Object.Version of DetectCustomLabels' Image, CreateDataset's
// manifest, CreateProjectVersion's TrainingData/TestingData assets). Osprey's buckets do not keep
// versions: like an S3 bucket that never had versioning enabled, each key has one version, whose
// version ID S3 calls "null". A reference without Version or with "null" names that version; any
// other Version names an object version that does not exist, and is answered as AWS answers a
// missing object (docs/datasets.md).

/** The version ID S3 gives the only version of an object in a bucket without versioning. */
export const NULL_VERSION = 'null';

/** Whether a reference's Version names the one version Osprey holds of an object. */
export function versionHeld(version: string | undefined): boolean {
  return version === undefined || version === NULL_VERSION;
}
