// The public contract of failures. Three kinds: framework errors before the operation is known,
// the model's own exceptions (thrown by the domain), and internal errors (never leak a stack).

export class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = code;
  }
  get fault(): 'client' | 'server' { return this.status >= 500 ? 'server' : 'client'; }
}

const make = (code: string, status = 400) => (message: string) => new ServiceError(code, message, status);

// Modelled exceptions (botocore service-2.json, HTTP statuses from the API Reference).
export const AccessDenied = make('AccessDeniedException');
export const InvalidParameter = make('InvalidParameterException');
export const InvalidPaginationToken = make('InvalidPaginationTokenException');
export const InvalidPolicyRevisionId = make('InvalidPolicyRevisionIdException');
export const MalformedPolicyDocument = make('MalformedPolicyDocumentException');
export const InvalidS3Object = make('InvalidS3ObjectException');
export const ImageTooLarge = make('ImageTooLargeException');
export const InvalidImageFormat = make('InvalidImageFormatException');
export const ResourceNotFound = make('ResourceNotFoundException');
export const ResourceInUse = make('ResourceInUseException');
export const ResourceAlreadyExists = make('ResourceAlreadyExistsException');
export const ResourceNotReady = make('ResourceNotReadyException');
export const ServiceQuotaExceeded = make('ServiceQuotaExceededException');
export const LimitExceeded = make('LimitExceededException');
export const ProvisionedThroughputExceeded = make('ProvisionedThroughputExceededException');
export const Throttling = make('ThrottlingException', 500);
export const InternalServerError = make('InternalServerError', 500);

// Framework errors (not modelled; names as AWS JSON services use them).
export const Validation = make('ValidationException');
export const Serialization = make('SerializationException');
export const UnknownOperation = make('UnknownOperationException');
export const MissingAuthenticationToken = make('MissingAuthenticationTokenException', 403);
export const IncompleteSignature = make('IncompleteSignatureException', 403);
export const InvalidSignature = make('InvalidSignatureException', 403);
export const UnrecognizedClient = make('UnrecognizedClientException', 403);
export const RequestEntityTooLarge = make('RequestEntityTooLargeException', 413);
/** A request body that stalled (server/http.ts): the AWS JSON services' RequestTimeoutException. */
export const RequestTimeout = make('RequestTimeoutException', 408);
