import { timingSafeEqual } from 'node:crypto';
import { parseAmzDate, signable, signedHeaderValues, signerFor, singleHeader } from './canonicalRequest.js';
import { UNSIGNED_PAYLOAD } from './payloadHash.js';
import { AuthError, type Authenticated, MAX_PRESIGNED_EXPIRES_S, MAX_SKEW_MS, type ReceivedRequest, type SecretLookup } from './signedRequest.js';

const QUERY_PARAMETERS_REQUIRED =
  'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.';

/** A malformed presigned URL: S3 answers AuthorizationQueryParametersError. */
function queryParametersError(message: string): AuthError {
  return new AuthError('IncompleteSignature', message, { code: 'AuthorizationQueryParametersError' });
}

/**
 * Verifies SigV4 query-string authentication (a presigned URL): the canonical request is the
 * received one with X-Amz-Signature left out of the query and UNSIGNED-PAYLOAD as the payload hash,
 * recomputed with the SDK's own presigner, so the signature binds the method, path (bucket and
 * key), every other query parameter, X-Amz-Expires and the signed headers. Valid from X-Amz-Date
 * (15 minutes of clock skew allowed) until X-Amz-Date + X-Amz-Expires (1 s to 7 days).
 */
export async function verifyPresigned(request: ReceivedRequest, query: Record<string, string | string[]>, options: { service: string; secretFor: SecretLookup; now?: Date }): Promise<Authenticated> {
  const param = (name: string): string | undefined => {
    const value = query[name];
    if (Array.isArray(value)) throw queryParametersError(`${name} must be given once.`);
    return value;
  };
  const algorithm = param('X-Amz-Algorithm');
  const credential = param('X-Amz-Credential');
  const signature = param('X-Amz-Signature');
  const amzDate = param('X-Amz-Date');
  const expiresText = param('X-Amz-Expires');
  const signedHeaderList = param('X-Amz-SignedHeaders');
  if (algorithm === undefined || credential === undefined || signature === undefined || amzDate === undefined || expiresText === undefined || signedHeaderList === undefined) {
    throw queryParametersError(QUERY_PARAMETERS_REQUIRED);
  }
  if (algorithm !== 'AWS4-HMAC-SHA256') throw queryParametersError('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256".');
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw queryParametersError('Error parsing the X-Amz-Credential parameter; it must have the form <AccessKeyId>/<date>/<region>/<service>/aws4_request.');
  }
  const [accessKeyId, scopeDate, region, service] = scope;
  if (service !== options.service) {
    throw queryParametersError(`Error parsing the X-Amz-Credential parameter; incorrect service "${service}". This endpoint belongs to "${options.service}".`);
  }
  const date = parseAmzDate(amzDate);
  if (!date) throw queryParametersError("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".");
  if (amzDate.slice(0, 8) !== scopeDate) throw queryParametersError('Invalid credential date. Date is not the same as X-Amz-Date.');
  if (!/^\d{1,7}$/.test(expiresText)) throw queryParametersError('X-Amz-Expires should be a number of seconds.');
  const expires = Number(expiresText);
  if (expires < 1) throw queryParametersError('X-Amz-Expires must be at least 1 second.');
  if (expires > MAX_PRESIGNED_EXPIRES_S) throw queryParametersError(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_S}.`);
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) throw queryParametersError("'Host' must be a signed header.");

  const now = options.now ?? new Date();
  if (date.getTime() - now.getTime() > MAX_SKEW_MS) {
    throw new AuthError('SignatureExpired', 'Request is not valid yet', { code: 'AccessDenied' });
  }
  const expiresAt = new Date(date.getTime() + expires * 1000);
  if (now.getTime() > expiresAt.getTime()) {
    throw new AuthError('SignatureExpired', 'Request has expired', {
      code: 'AccessDenied',
      details: { 'X-Amz-Expires': expiresText, Expires: isoSeconds(expiresAt), ServerTime: isoSeconds(now) },
    });
  }

  const stated = param('X-Amz-Content-Sha256');
  if (stated !== undefined && stated !== UNSIGNED_PAYLOAD) throw queryParametersError('A presigned URL signs UNSIGNED-PAYLOAD: X-Amz-Content-Sha256 may only be UNSIGNED-PAYLOAD.');
  // URLs presigned with session credentials (STS GetSessionToken) carry the session token in the query.
  const sessionToken = param('X-Amz-Security-Token') ?? singleHeader(request.headers, 'x-amz-security-token');
  const secretAccessKey = await options.secretFor(accessKeyId, sessionToken).catch((error: unknown) => {
    if (sessionToken === undefined || !(error instanceof AuthError)) throw error;
    if (error.failure === 'ExpiredToken') throw new AuthError('ExpiredToken', 'The provided token has expired.', { code: 'ExpiredToken' });
    return undefined;
  });
  if (secretAccessKey === undefined && sessionToken !== undefined) {
    throw new AuthError('UnknownAccessKey', 'The provided token is malformed or otherwise invalid.', { code: 'InvalidToken' });
  }
  if (secretAccessKey === undefined) {
    throw new AuthError('UnknownAccessKey', 'The AWS Access Key Id you provided does not exist in our records.');
  }

  const headers = signedHeaderValues(request, signedHeaders);
  // The presigner takes the payload hash from this header; it signs it only if the client did.
  const hashSigned = 'x-amz-content-sha256' in headers;
  headers['x-amz-content-sha256'] = UNSIGNED_PAYLOAD;
  const unsignedQuery = { ...query };
  delete unsignedQuery['X-Amz-Signature'];
  const presigned = await signerFor(options.service, region, { accessKeyId, secretAccessKey }).presign(signable(request, headers, unsignedQuery), {
    signingDate: date,
    expiresIn: expires,
    signableHeaders: new Set(signedHeaders),
    unsignableHeaders: hashSigned ? undefined : new Set(['x-amz-content-sha256']),
    // Signed headers stay headers (the presigner would move x-amz-* ones into the query).
    unhoistableHeaders: new Set([...signedHeaders, 'x-amz-content-sha256']),
  });
  // The presigner lists what it signed; a client that signed a different set gets a mismatch.
  const computed = presigned.query?.['X-Amz-SignedHeaders'] === signedHeaderList ? presigned.query['X-Amz-Signature'] : undefined;
  const expected = typeof computed === 'string' && /^[0-9a-f]{64}$/.test(computed) ? computed : ''.padEnd(64, '-');
  if (!/^[0-9a-f]{64}$/.test(signature) || !timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(signature, 'latin1'))) {
    throw new AuthError('SignatureMismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  return { accessKeyId, region, payloadHash: UNSIGNED_PAYLOAD };
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
