/*
 * What SigV4 verification works on and gives: the received request as its signature covers it, the
 * outcome (who signed, in which region, over which payload hash) and why a request was refused. The
 * verification itself is sigv4.ts (Authorization header) and presignedUrl.ts (query string).
 */
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

/** Why a request was refused. ExpiredToken: a session key (STS) whose token has expired, as AWS tells it apart from an unknown key. */
export type AuthFailure = 'MissingAuthentication' | 'IncompleteSignature' | 'SignatureMismatch' | 'UnknownAccessKey' | 'ExpiredToken' | 'SignatureExpired' | 'PayloadHashMismatch';

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
