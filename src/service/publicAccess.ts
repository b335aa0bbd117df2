import { BucketError } from './bucketErrors.js';

/**
 * Vigil's buckets can never be made public (README, Security model). These checks refuse every
 * request that would grant access to anyone but the account; private settings are accepted.
 */

const PUBLIC_CANNED_ACLS = new Set(['public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read']);
const PRIVATE_CANNED_ACLS = new Set(['private', 'bucket-owner-read', 'bucket-owner-full-control', 'log-delivery-write']);
const PUBLIC_GROUPS = ['http://acs.amazonaws.com/groups/global/AllUsers', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'];

function denied(what: string): BucketError {
  return new BucketError('AccessDenied', `Access Denied: ${what} Public access is blocked on this server and cannot be turned off.`);
}

/** A canned ACL (x-amz-acl). */
export function assertPrivateCannedAcl(acl: string | undefined): void {
  if (acl === undefined) return;
  if (PUBLIC_CANNED_ACLS.has(acl)) throw denied(`the canned ACL ${acl} grants public access.`);
  if (!PRIVATE_CANNED_ACLS.has(acl)) throw new BucketError('InvalidArgument', `Unknown canned ACL ${acl}.`);
}

/** Grantees of an ACL, from x-amz-grant-* headers or an AccessControlPolicy document: URIs, ids, e-mail addresses. */
export function assertPrivateGrantees(grantees: string[]): void {
  for (const grantee of grantees) {
    if (PUBLIC_GROUPS.some((group) => grantee.includes(group)) || /AllUsers|AuthenticatedUsers/.test(grantee)) {
      throw denied('the ACL grants access to everyone or to all authenticated users.');
    }
  }
}

/** A bucket policy document: any Allow with a "*" principal is public. */
export function assertPrivatePolicy(policyText: string): void {
  let policy: unknown;
  try {
    policy = JSON.parse(policyText);
  } catch {
    throw new BucketError('MalformedXML', 'Policies must be valid JSON.');
  }
  const statements = (policy as { Statement?: unknown })?.Statement;
  for (const statement of Array.isArray(statements) ? statements : [statements]) {
    if (!statement || typeof statement !== 'object') continue;
    const { Effect: effect, Principal: principal, NotPrincipal: notPrincipal } = statement as { Effect?: unknown; Principal?: unknown; NotPrincipal?: unknown };
    if (effect !== 'Deny' && (notPrincipal !== undefined || mentionsEveryone(principal))) throw denied('the policy grants access to principal "*".');
  }
}

function mentionsEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (Array.isArray(principal)) return principal.some(mentionsEveryone);
  if (principal && typeof principal === 'object') return Object.values(principal).some(mentionsEveryone);
  return false;
}

/** PutPublicAccessBlock: every flag must stay true. */
export function assertPublicAccessBlocked(flags: Record<string, boolean | undefined>): void {
  for (const [name, value] of Object.entries(flags)) {
    if (value !== true) throw denied(`${name} cannot be set to false.`);
  }
}
