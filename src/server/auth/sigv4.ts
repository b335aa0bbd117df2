import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export type SigningService = 'lookoutvision' | 's3' | 'kms' | 'sts';

/** Finds the secret that signs for an access key id: a long-term key alone, a session key with its session token. */
export type SecretLookup = (accessKeyId: string, sessionToken?: string) => Promise<string | undefined>;

/**
 * What the payload hash of a request may be. 'body': the signature covers the whole received body,
 * hashed here whatever x-amz-content-sha256 says (the JSON protocols; AWS accepts UNSIGNED-PAYLOAD
 * only on S3). 'stream': x-amz-content-sha256 is required and may be UNSIGNED-PAYLOAD or a
 * STREAMING-* marker; the body is checked against it as it streams (S3).
 */
export type PayloadSigning = 'body' | 'stream';

/** A received request, as far as its signature covers it. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as received, still percent-encoded. */
  rawUrl: string;
  /** Header values by lower-case name; repeated headers keep every value. */
  headers: Record<string, string[] | undefined>;
  /** The whole body; undefined only where a protocol streams it and checks it another way. */
  body: Buffer | undefined;
}

export type AuthFailure = 'MissingAuthentication' | 'IncompleteSignature' | 'SignatureMismatch' | 'UnknownAccessKey' | 'SignatureExpired' | 'PayloadHashMismatch';

/** Why a request was not authenticated; each protocol adapter answers it in its own error shape. */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly failure: AuthFailure,
    message: string,
    /** S3's own error code (and extra elements) where S3 answers more precisely: presigned URLs, which only S3 accepts. */
    readonly s3?: { code: string; details?: Record<string, string> },
  ) {
    super(message);
  }
}

export interface Authenticated {
  accessKeyId: string;
  region: string;
  /** The payload hash the signature covers: hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* marker. */
  payloadHash: string;
  /** Present only for signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-*): what chunk signatures chain from. */
  chunkSigning?: ChunkSigning;
}

/** What verifying the chunk signatures of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body needs. */
export interface ChunkSigning {
  /** The request's own signature: the first chunk's "previous signature". */
  seedSignature: string;
  /** X-Amz-Date as received (YYYYMMDDTHHMMSSZ). */
  amzDate: string;
  /** <date>/<region>/<service>/aws4_request */
  scope: string;
  /** The derived SigV4 signing key of the request's scope. Keep it in memory only. */
  signingKey: Buffer;
}

/** Largest clock difference accepted between client and server, as AWS allows. */
export const MAX_SKEW_MS = 15 * 60_000;
/** Longest validity of a presigned URL (X-Amz-Expires), as AWS allows: 7 days. */
export const MAX_PRESIGNED_EXPIRES_S = 604_800;
/** Query parameters that make a request a presigned one (SigV4 query-string authentication). */
export const QUERY_AUTH_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature'] as const;
const EMPTY_SHA256 = createHash('sha256').digest('hex');
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const AUTHORIZATION = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+), *SignedHeaders=([^,\s]+), *Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

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
  const header = single(request.headers, 'authorization');
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

  const amzDate = single(request.headers, 'x-amz-date');
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
  const secretAccessKey = await options.secretFor(accessKeyId, single(request.headers, 'x-amz-security-token'));
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
async function verifyPresigned(request: ReceivedRequest, query: Record<string, string | string[]>, options: { service: string; secretFor: SecretLookup; now?: Date }): Promise<Authenticated> {
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
  const sessionToken = param('X-Amz-Security-Token') ?? single(request.headers, 'x-amz-security-token');
  const secretAccessKey = await options.secretFor(accessKeyId, sessionToken).catch((error: unknown) => {
    if (sessionToken === undefined || !(error instanceof AuthError)) throw error;
    if (/expired/.test(error.message)) throw new AuthError('UnknownAccessKey', 'The provided token has expired.', { code: 'ExpiredToken' });
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

/** The SigV4 signing key: HMAC-SHA256 chained over date, region, service and "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

/**
 * The payload hash of a request whose whole body is at hand: always the hash of that body (an
 * absent body is empty), so a captured signature never covers another body. A stated
 * x-amz-content-sha256 must be that hash; UNSIGNED-PAYLOAD is refused as a signature that does not
 * match, as AWS's JSON services answer it.
 */
function bodyPayloadHash(request: ReceivedRequest): string {
  const actual = request.body?.length ? createHash('sha256').update(request.body).digest('hex') : EMPTY_SHA256;
  const stated = single(request.headers, 'x-amz-content-sha256');
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
function streamPayloadHash(request: ReceivedRequest): string {
  const stated = single(request.headers, 'x-amz-content-sha256');
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

async function expectedSignature(
  request: ReceivedRequest,
  input: {
    service: string;
    region: string;
    date: Date;
    signedHeaders: string[];
    payloadHash: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
): Promise<string> {
  const headers = signedHeaderValues(request, input.signedHeaders);
  // The signer takes the payload hash from this header; when the client did not sign the header
  // (the AWS CLI never sends it) it is kept out of the canonical headers.
  const hashSigned = 'x-amz-content-sha256' in headers;
  headers['x-amz-content-sha256'] = input.payloadHash;
  const questionMark = request.rawUrl.indexOf('?');
  const signed = await signerFor(input.service, input.region, input.credentials).sign(signable(request, headers, questionMark < 0 ? {} : parseQuery(request.rawUrl.slice(questionMark + 1))), {
    signingDate: input.date,
    signableHeaders: new Set(input.signedHeaders),
    unsignableHeaders: hashSigned ? undefined : new Set(['x-amz-content-sha256']),
  });
  const authorization = signed.headers.authorization ?? '';
  // The signer lists what it signed; a client that signed a different set gets a mismatch.
  const computed = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!computed || computed[1] !== input.signedHeaders.join(';')) return ''.padEnd(64, '-');
  return computed[2];
}

/** The values of the headers the client signed; a signed header missing from the request is a mismatch. */
function signedHeaderValues(request: ReceivedRequest, signedHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const values = request.headers[name];
    if (values === undefined) throw new AuthError('SignatureMismatch', `Signed header ${name} is missing from the request.`);
    headers[name] = wireText(values.join(','));
  }
  return headers;
}

/**
 * A header value as its bytes on the wire read as UTF-8, when they are UTF-8. Node decodes header bytes as
 * latin1, while the canonical request is hashed over the bytes sent: a client that sent "é" as UTF-8 (C3 A9)
 * signed those two bytes, which the latin1 string "Ã©" would hash as four.
 */
export function wireText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

/** The SDK's signer for a service and region, computing signatures as the service verifies them (S3 paths are not escaped again). */
function signerFor(service: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: service !== 's3', applyChecksum: false });
}

/** The received request as the signer sees it: its raw path, the given query and signed headers. */
function signable(request: ReceivedRequest, headers: Record<string, string>, query: Record<string, string | string[]>): HttpRequest {
  const questionMark = request.rawUrl.indexOf('?');
  return new HttpRequest({
    method: request.method,
    protocol: 'https:',
    hostname: headers.host ?? '',
    path: questionMark < 0 ? request.rawUrl : request.rawUrl.slice(0, questionMark),
    query,
    headers,
  });
}

/** Query parameters percent-decoded, repeated keys kept in order, a key without "=" valued "". */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>; // "__proto__" is a key like any other
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(equals < 0 ? part : part.slice(0, equals));
      value = equals < 0 ? '' : decodeURIComponent(part.slice(equals + 1));
    } catch {
      throw new AuthError('IncompleteSignature', 'The query string is not valid percent-encoding.');
    }
    const existing = query[key];
    // Appended in place: copying the list for each repeat made a 16 KB query of one repeated key cost seconds of CPU.
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

function single(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const values = headers[name];
  return values === undefined ? undefined : values.join(',');
}

function parseAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return formatAmzDate(date) === text ? date : undefined;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
