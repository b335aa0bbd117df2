/* The payload hash a SigV4 signature covers: of the whole body (JSON protocols) or as stated (S3, streamed). */
import { createHash } from 'node:crypto';
import { singleHeader } from './canonicalRequest.js';
import { AuthError, type ReceivedRequest } from './signedRequest.js';

const EMPTY_SHA256 = createHash('sha256').digest('hex');
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * The payload hash of a request whose whole body is at hand: always the hash of that body (an
 * absent body is empty), so a captured signature never covers another body. A stated
 * x-amz-content-sha256 must be that hash; UNSIGNED-PAYLOAD is refused as a signature that does not
 * match, as AWS's JSON services answer it.
 */
export function bodyPayloadHash(request: ReceivedRequest): string {
  const actual = request.body?.length ? createHash('sha256').update(request.body).digest('hex') : EMPTY_SHA256;
  const stated = singleHeader(request.headers, 'x-amz-content-sha256');
  if (stated === undefined || stated === actual) return actual;
  if (/^[0-9a-f]{64}$/.test(stated)) {
    throw new AuthError('PayloadHashMismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
  }
  throw new AuthError(
    'SignatureMismatch',
    'The request signature we calculated does not match the signature you provided. ' +
      'This service signs the request body: x-amz-content-sha256 must be its SHA-256 (UNSIGNED-PAYLOAD is for S3 only).',
  );
}

/** The payload hash of a streamed body (S3): as stated, required; a hex hash is checked against the body as it streams. */
export function streamPayloadHash(request: ReceivedRequest): string {
  const stated = singleHeader(request.headers, 'x-amz-content-sha256');
  if (stated === undefined) throw new AuthError('IncompleteSignature', 'Missing required header for this request: x-amz-content-sha256');
  if (/^[0-9a-f]{64}$/.test(stated)) {
    const actual = request.body?.length ? createHash('sha256').update(request.body).digest('hex') : EMPTY_SHA256;
    if (request.body !== undefined && actual !== stated) {
      throw new AuthError('PayloadHashMismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return stated;
  }
  if (stated === 'UNSIGNED-PAYLOAD' || stated.startsWith('STREAMING-')) return stated;
  throw new AuthError('IncompleteSignature', `x-amz-content-sha256 has an unsupported value.`);
}
