import type { FastifyReply, FastifyRequest } from 'fastify';
import { BucketError, DeleteMarkerError } from '../../service/bucketErrors.js';
import { AuthError, type AuthFailure } from '../auth/signedRequest.js';
import { xmlDocument } from './xml.js';

/** An error that only the S3 protocol layer raises (authentication, framing, unsupported requests). */
export class S3ProtocolError extends Error {
  override readonly name = 'S3ProtocolError';
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, string>,
  ) {
    super(message);
  }
}

/** HTTP status of every S3 error code Vigil answers with. */
const STATUS: Record<string, number> = {
  AccessDenied: 403,
  AuthorizationHeaderMalformed: 400,
  AuthorizationQueryParametersError: 400,
  BadDigest: 400,
  BadRequest: 400,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  ExpiredToken: 400,
  IncompleteBody: 400,
  InternalError: 500,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidEncryptionAlgorithmError: 400,
  InvalidPart: 400,
  InvalidPartNumber: 416,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidTag: 400,
  InvalidToken: 400,
  KeyTooLongError: 400,
  'KMS.DisabledException': 400,
  'KMS.KMSInvalidStateException': 400,
  'KMS.NotFoundException': 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  MissingSecurityHeader: 400,
  NoSuchBucket: 404,
  NoSuchBucketPolicy: 404,
  NoSuchLifecycleConfiguration: 404,
  NoSuchKey: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  RequestTimeTooSkewed: 403,
  ServerSideEncryptionConfigurationNotFoundError: 404,
  ServiceUnavailable: 503,
  SignatureDoesNotMatch: 403,
  XAmzContentSHA256Mismatch: 400,
};

/** How each SigV4 failure is answered on the S3 API. */
const AUTH_CODES: Record<AuthFailure, string> = {
  MissingAuthentication: 'AccessDenied',
  IncompleteSignature: 'AuthorizationHeaderMalformed',
  SignatureMismatch: 'SignatureDoesNotMatch',
  UnknownAccessKey: 'InvalidAccessKeyId',
  ExpiredToken: 'ExpiredToken',
  SignatureExpired: 'RequestTimeTooSkewed',
  PayloadHashMismatch: 'XAmzContentSHA256Mismatch',
};

interface WireError {
  code: string;
  status: number;
  message: string;
  details?: Record<string, string>;
}

function toWire(error: unknown): WireError | undefined {
  if (error instanceof AuthError) {
    const code = error.s3?.code ?? AUTH_CODES[error.failure];
    const message = error.failure === 'MissingAuthentication' ? 'Access Denied: anonymous requests are not accepted; sign requests with SigV4.' : error.message;
    return { code, status: STATUS[code], message, details: error.s3?.details };
  }
  if (error instanceof BucketError || error instanceof S3ProtocolError) {
    return { code: error.code, status: STATUS[error.code] ?? 400, message: error.message, details: error.details };
  }
  const fastifyStatus = (error as { statusCode?: number }).statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return { code: fastifyStatus === 415 ? 'InvalidArgument' : 'InvalidRequest', status: 400, message: (error as Error).message };
  }
  return undefined;
}

/**
 * Answers an error as S3 does: the status, and <Error><Code/><Message/><Resource/><RequestId/></Error>
 * (no body for HEAD). A request body that was not read is drained so the connection stays usable.
 */
export function sendS3Error(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let wire = toWire(error);
  if (!wire) {
    reply.log.error({ err: error }, 'S3 request failed');
    wire = { code: 'InternalError', status: 500, message: 'We encountered an internal error. Please try again.' };
  }
  if (!request.raw.complete) {
    request.raw.unpipe();
    request.raw.resume();
  }
  reply.code(wire.status).header('x-amz-error-code', wire.code);
  if (wire.code === 'InvalidRange' && wire.details?.ActualObjectSize) reply.header('content-range', `bytes */${wire.details.ActualObjectSize}`);
  if (error instanceof DeleteMarkerError) {
    reply.header('x-amz-delete-marker', 'true').header('x-amz-version-id', error.marker.versionId).header('last-modified', error.marker.lastModified.toUTCString());
  }
  if (request.method === 'HEAD') return reply.send();
  const resource = (request.raw.url ?? '/').split('?')[0];
  return reply.header('content-type', 'application/xml').send(xmlDocument('Error', { Code: wire.code, Message: wire.message, Resource: resource, RequestId: request.id, ...wire.details }, false));
}
