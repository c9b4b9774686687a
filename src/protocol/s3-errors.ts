// S3's own error codes and HTTP statuses (Amazon S3 API Reference, "Error responses"). They are
// ServiceErrors, so the domain throws them like any other; the S3 codec writes them as S3's XML.
import { ServiceError } from './errors.js';

export class S3Error extends ServiceError {
  constructor(code: string, message: string, status: number, readonly extra: Record<string, string> = {}) { super(code, message, status); }
}

const make = (code: string, status: number, fallback: string) => (message = fallback, extra: Record<string, string> = {}) => new S3Error(code, message, status, extra);

export const S3 = {
  AccessDenied: make('AccessDenied', 403, 'Access Denied'),
  BadDigest: make('BadDigest', 400, 'The Content-MD5 you specified did not match what we received.'),
  BucketAlreadyExists: make('BucketAlreadyExists', 409, 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.'),
  BucketAlreadyOwnedByYou: make('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.'),
  BucketNotEmpty: make('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty'),
  EntityTooLarge: make('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed object size.'),
  EntityTooSmall: make('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  IncompleteBody: make('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'),
  InternalError: make('InternalError', 500, 'We encountered an internal error. Please try again.'),
  InvalidArgument: make('InvalidArgument', 400, 'Invalid Argument'),
  InvalidBucketName: make('InvalidBucketName', 400, 'The specified bucket is not valid.'),
  InvalidDigest: make('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  InvalidPart: make('InvalidPart', 400, 'One or more of the specified parts could not be found.'),
  InvalidPartOrder: make('InvalidPartOrder', 400, 'The list of parts was not in ascending order. Parts must be ordered by part number.'),
  InvalidRange: make('InvalidRange', 416, 'The requested range is not satisfiable'),
  InvalidPartNumber: make('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable'),
  InvalidRequest: make('InvalidRequest', 400, 'Invalid Request'),
  InvalidURI: make('InvalidURI', 400, "Couldn't parse the specified URI."),
  KeyTooLongError: make('KeyTooLongError', 400, 'Your key is too long'),
  MalformedXML: make('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  MalformedPolicy: make('MalformedPolicy', 400, 'Policies must be valid JSON and the first byte must be \'{\''),
  MethodNotAllowed: make('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  MissingContentLength: make('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  NoSuchBucket: make('NoSuchBucket', 404, 'The specified bucket does not exist'),
  NoSuchBucketPolicy: make('NoSuchBucketPolicy', 404, 'The bucket policy does not exist'),
  NoSuchKey: make('NoSuchKey', 404, 'The specified key does not exist.'),
  NoSuchUpload: make('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'),
  // S3 answers 501; Osprey answers 400 so that no client request yields a 5xx (docs/s3.md).
  NotImplemented: make('NotImplemented', 400, 'A header or query you provided requested a function that is not implemented.'),
  PreconditionFailed: make('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
  RequestTimeout: make('RequestTimeout', 400, 'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.'),
  MetadataTooLarge: make('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size'),
  SignatureDoesNotMatch: make('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  InvalidAccessKeyId: make('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'),
  AuthorizationHeaderMalformed: make('AuthorizationHeaderMalformed', 400, 'The authorization header is malformed.'),
  RequestTimeTooSkewed: make('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  ExpiredToken: make('AccessDenied', 403, 'Request has expired'),
  XAmzContentSHA256Mismatch: make('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'),
};
