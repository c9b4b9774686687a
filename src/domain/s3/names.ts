// S3 naming rules (Amazon S3 User Guide, "Bucket naming rules" and "Object key naming guidelines").

/**
 * A name CreateBucket accepts: 3–63 characters of lower-case letters, digits, dots and hyphens,
 * starting and ending with a letter or digit, no `..`, not shaped like an IP address, none of the
 * reserved prefixes/suffixes (xn--, sthree-, -s3alias, --ol-s3).
 */
export function validBucketName(name: string): boolean {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3')) return false;
  return true;
}

/**
 * Buckets made by hand in a data folder from before S3 buckets (legacy-folder.ts) may have names of
 * S3's old us-east-1 rules (upper case, underscores, up to 255 characters); they are served, never created.
 */
export function validLegacyBucketName(name: string): boolean {
  return /^[0-9A-Za-z._-]{1,255}$/.test(name) && name !== '.' && name !== '..' && !name.startsWith('.tmp');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An object key: 1–1024 bytes of UTF-8. Any characters, `..`, `//` and a trailing `/` included. */
export function validKey(key: string): boolean {
  return key.length > 0 && Buffer.byteLength(key) <= 1024 && !LONE_SURROGATE.test(key);
}
