// Ownership checks for resources addressed by ARN, with AWS's AccessDenied wording.
import { AccessDenied, ResourceNotFound } from '../../protocol/errors.js';
import type { Caller } from './scope.js';

export function notAuthorized(caller: Caller, action: string, resource: string) {
  return AccessDenied(`User: ${caller.principalArn} is not authorized to perform: rekognition:${action} on resource: ${resource}`);
}

/** A resource of another account is refused; one of another region does not exist here. */
export function assertOwned(caller: Caller, owner: { accountId: string; region: string }, action: string, arn: string): void {
  if (owner.region !== caller.region) throw ResourceNotFound(`The resource ${arn} does not exist in region ${caller.region}.`);
  if (owner.accountId !== caller.accountId) throw notAuthorized(caller, action, arn);
}
