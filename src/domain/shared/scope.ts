/** Every resource lives in one (account, region). Nothing is a module global. */
export interface Scope {
  accountId: string;
  region: string;
}

/** Who is calling: the scope plus the principal's ARN (for policies). */
export interface Caller extends Scope {
  principalArn: string;
}
