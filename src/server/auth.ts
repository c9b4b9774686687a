// Authentication: who is calling, in which account and region. dev mode accepts any key (a 12-digit
// access key ID is the account ID, any other maps to 000000000000); strict mode knows only the
// configured keys and verifies every SigV4 signature.
import { UnrecognizedClient } from '../protocol/errors.js';
import { checkScope, parseAuthorization, verifySignature, type SignedRequest } from '../protocol/sigv4.js';
import { S3 } from '../protocol/s3-errors.js';
import { parseS3Auth, verifyS3Signature, type S3SignedRequest, type SigningContext } from '../protocol/s3/sigv4.js';
import type { Caller } from '../domain/shared/scope.js';

export interface Credential {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  principalArn: string;
  /** IAM identity policy (JSON); absent = account administrator. */
  policy?: unknown;
}

export interface AuthConfig {
  mode: 'dev' | 'strict';
  credentials: Credential[];
  defaultRegion: string;
}

export interface Authenticated extends Caller { credential?: Credential }

const DEV_DEFAULT_ACCOUNT = '000000000000';

export class Authenticator {
  private readonly byKey: Map<string, Credential>;
  constructor(private readonly config: AuthConfig, private readonly now: () => Date = () => new Date()) {
    this.byKey = new Map(config.credentials.map((c) => [c.accessKeyId, c]));
  }

  /**
   * Who signed `req`, for a protocol whose SigV4 service name is `service` (`rekognition`, `s3`).
   * Throws MissingAuthenticationToken / IncompleteSignature / InvalidSignature (a malformed header,
   * a scope for another service or no region name, a wrong or stale signature) and, in strict mode,
   * UnrecognizedClient for an unknown key or any session token (configured keys are long-term keys).
   */
  async authenticate(req: SignedRequest, service: string): Promise<Authenticated> {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    if (this.config.mode === 'dev' && !value) {
      // Unsigned requests (--no-sign-request, curl) are welcome on the dev quickstart.
      return { accountId: DEV_DEFAULT_ACCOUNT, region: this.config.defaultRegion, principalArn: `arn:aws:iam::${DEV_DEFAULT_ACCOUNT}:root` };
    }
    const auth = parseAuthorization(value);
    checkScope(auth, service);
    const known = this.byKey.get(auth.accessKeyId);
    if (this.config.mode === 'strict') {
      if (!known || sessionToken(req) !== undefined) throw UnrecognizedClient('The security token included in the request is invalid.');
      await verifySignature(req, auth, known.secretAccessKey, this.now());
    }
    if (known) return { accountId: known.accountId, region: auth.region, principalArn: known.principalArn, credential: known };
    const accountId = /^\d{12}$/.test(auth.accessKeyId) ? auth.accessKeyId : DEV_DEFAULT_ACCOUNT;
    return { accountId, region: auth.region, principalArn: `arn:aws:iam::${accountId}:root` };
  }

  /**
   * S3 requests (header or presigned SigV4, service `s3`), with S3's errors. Strict mode verifies the
   * signature and returns what a streamed (aws-chunked) body's chunk signatures are checked with.
   */
  async authenticateS3(req: S3SignedRequest): Promise<{ caller: Authenticated; signing?: SigningContext }> {
    const auth = parseS3Auth(req);
    if (!auth) {
      if (this.config.mode === 'dev') return { caller: this.devCaller(DEV_DEFAULT_ACCOUNT, this.config.defaultRegion) };
      throw S3.AccessDenied();
    }
    if (auth.service !== 's3') throw S3.AuthorizationHeaderMalformed(`The authorization header is malformed; incorrect service "${auth.service}". This endpoint belongs to "s3".`);
    const known = this.byKey.get(auth.accessKeyId);
    let signing: SigningContext | undefined;
    if (this.config.mode === 'strict') {
      if (!known) throw S3.InvalidAccessKeyId();
      // Configured keys are long-term keys: a session token names credentials Osprey does not have.
      if (req.headers['x-amz-security-token'] !== undefined || req.query.some(([k]) => k === 'X-Amz-Security-Token')) throw S3.InvalidAccessKeyId('The provided token is malformed or otherwise invalid.');
      signing = verifyS3Signature(req, auth, known.secretAccessKey, this.now());
    }
    const region = auth.region || this.config.defaultRegion; // presigned v2 URLs name no region
    if (known) return { caller: { accountId: known.accountId, region, principalArn: known.principalArn, credential: known }, signing };
    return { caller: this.devCaller(/^\d{12}$/.test(auth.accessKeyId) ? auth.accessKeyId : DEV_DEFAULT_ACCOUNT, region) };
  }

  private devCaller(accountId: string, region: string): Authenticated {
    return { accountId, region, principalArn: `arn:aws:iam::${accountId}:root` };
  }
}

/** X-Amz-Security-Token, from the headers or (presigned URLs) the query. */
function sessionToken(req: SignedRequest): string | undefined {
  const h = req.headers['x-amz-security-token'];
  return (Array.isArray(h) ? h[0] : h) ?? req.query?.['X-Amz-Security-Token'];
}
