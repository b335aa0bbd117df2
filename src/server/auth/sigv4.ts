import { timingSafeEqual } from 'node:crypto';
import { expectedSignature, formatAmzDate, parseAmzDate, parseQuery, signingKey, singleHeader } from './canonicalRequest.js';
import { bodyPayloadHash, streamPayloadHash } from './payloadHash.js';
import { verifyPresigned } from './presignedUrl.js';
import { AuthError, type Authenticated, MAX_SKEW_MS, type PayloadSigning, QUERY_AUTH_PARAMETERS, type ReceivedRequest, type SecretLookup, type SigningService } from './signedRequest.js';

const AUTHORIZATION = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$/;

/**
 * Verifies an AWS Signature Version 4 `Authorization` header by recomputing the signature over
 * the received request with the SDK's own signer (@smithy/signature-v4): the canonical URI is
 * encoded again for lookoutvision and kms, used as received for s3; exactly the client's list of
 * signed headers is used; the payload hash comes from x-amz-content-sha256 or the body.
 */
export async function verifySigV4(
  request: ReceivedRequest,
  options: {
    /** The service the credential scope must name (AWS's published test vectors use "service"). */
    service: SigningService | (string & {});
    payload: PayloadSigning;
    /** The secret of a long-term key (no token) or of a session key with its token; undefined, or an AuthError thrown, refuses. */
    secretFor: SecretLookup;
    now?: Date;
    /** Query-string authentication (presigned URLs, UNSIGNED-PAYLOAD) is accepted too: S3 only. */
    presigned?: boolean;
  },
): Promise<Authenticated> {
  const header = singleHeader(request.headers, 'authorization');
  if (header === undefined) {
    const questionMark = request.rawUrl.indexOf('?');
    const query = questionMark < 0 ? {} : parseQuery(request.rawUrl.slice(questionMark + 1));
    if (QUERY_AUTH_PARAMETERS.some((name) => name in query)) {
      if (!options.presigned) {
        throw new AuthError(
          'MissingAuthentication',
          'Missing Authentication Token: query-string authentication (presigned URLs) is accepted only by the S3 API; sign requests in the Authorization header.',
        );
      }
      return verifyPresigned(request, query, options);
    }
    throw new AuthError('MissingAuthentication', 'Missing Authentication Token');
  }
  const parsed = AUTHORIZATION.exec(header);
  if (!parsed) {
    throw new AuthError('IncompleteSignature', "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' for AWS4-HMAC-SHA256.");
  }
  const [, credential, signedHeaderList, signature] = parsed;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request') {
    throw new AuthError('IncompleteSignature', 'Credential must have the form <AccessKeyId>/<date>/<region>/<service>/aws4_request.');
  }
  const [accessKeyId, scopeDate, region, service] = scope;
  if (service !== options.service) {
    throw new AuthError('SignatureMismatch', `Credential should be scoped to correct service: '${options.service}'.`);
  }
  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) throw new AuthError('SignatureMismatch', "'Host' must be a signed header.");

  const amzDate = singleHeader(request.headers, 'x-amz-date');
  const date = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (!date) throw new AuthError('IncompleteSignature', 'X-Amz-Date must be given as YYYYMMDDTHHMMSSZ.');
  if (amzDate!.slice(0, 8) !== scopeDate) {
    throw new AuthError('SignatureMismatch', `Date in Credential scope does not match YYYYMMDD from X-Amz-Date.`);
  }
  const now = options.now ?? new Date();
  if (Math.abs(now.getTime() - date.getTime()) > MAX_SKEW_MS) {
    throw new AuthError('SignatureExpired', `Signature expired: ${amzDate} is outside the 15 minutes allowed around the server time ${formatAmzDate(now)}.`);
  }

  // Session credentials (STS GetSessionToken) come with their token; secretFor checks that the two belong together.
  const secretAccessKey = await options.secretFor(accessKeyId, singleHeader(request.headers, 'x-amz-security-token'));
  if (secretAccessKey === undefined) {
    throw new AuthError('UnknownAccessKey', 'The security token included in the request is invalid.');
  }

  const payloadHash = options.payload === 'body' ? bodyPayloadHash(request) : streamPayloadHash(request);
  const expected = await expectedSignature(request, {
    service: options.service,
    region,
    date,
    signedHeaders,
    payloadHash,
    credentials: { accessKeyId, secretAccessKey },
  });
  if (!timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(signature, 'latin1'))) {
    throw new AuthError('SignatureMismatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
  }
  const authenticated: Authenticated = { accessKeyId, region, payloadHash };
  if (payloadHash.startsWith('STREAMING-AWS4-HMAC-SHA256-')) {
    authenticated.chunkSigning = {
      seedSignature: signature,
      amzDate: amzDate!,
      scope: `${scopeDate}/${region}/${service}/aws4_request`,
      signingKey: signingKey(secretAccessKey, scopeDate, region, service),
    };
  }
  return authenticated;
}
