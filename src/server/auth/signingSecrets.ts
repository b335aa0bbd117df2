import type { AccessKeys } from '../../service/accessKeys.js';
import type { SessionCredentials } from '../../service/sessionCredentials.js';
import { AuthError, type SecretLookup } from './signedRequest.js';

/**
 * Where signatures find their secret: a long-term access key alone, or a session key (STS
 * GetSessionToken) with its x-amz-security-token until it expires.
 */
export function signingSecrets(accessKeys: AccessKeys, sessions: SessionCredentials): SecretLookup {
  return async (accessKeyId, sessionToken) => {
    if (sessionToken === undefined) return accessKeys.secretFor(accessKeyId);
    const found = await sessions.lookup(accessKeyId, sessionToken);
    if ('refused' in found) {
      if (found.refused === 'expired') throw new AuthError('ExpiredToken', 'The security token included in the request is expired');
      throw new AuthError('UnknownAccessKey', 'The security token included in the request is invalid.');
    }
    return found.secretAccessKey;
  };
}
