import type { FastifyReply } from 'fastify';
import { KmsError } from '../../crypto/kmsErrors.js';
import { AccessDeniedError, ConflictError, NotFoundError, ServiceQuotaExceededError, ThrottlingError, ValidationError } from '../../service/errors.js';
import { AuthError, type AuthFailure } from '../auth/signedRequest.js';

/** No operation has this method and path. */
export class UnknownOperationError extends Error {
  override readonly name = 'UnknownOperationError';
  constructor(method: string, url: string) {
    super(`No operation matches ${method} ${url.split('?')[0]}.`);
  }
}

interface WireError {
  status: number;
  type: string;
  members?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

const AUTH_ERRORS: Record<AuthFailure, { status: number; type: string }> = {
  MissingAuthentication: { status: 403, type: 'MissingAuthenticationTokenException' },
  IncompleteSignature: { status: 400, type: 'IncompleteSignatureException' },
  SignatureMismatch: { status: 403, type: 'InvalidSignatureException' },
  SignatureExpired: { status: 403, type: 'InvalidSignatureException' },
  PayloadHashMismatch: { status: 403, type: 'InvalidSignatureException' },
  UnknownAccessKey: { status: 403, type: 'UnrecognizedClientException' },
  ExpiredToken: { status: 403, type: 'ExpiredTokenException' },
};

/**
 * The restJson1 shape of an error (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization; the errors and their
 * members: https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/CommonErrors.html and each
 * operation's Errors), or undefined for an unexpected failure.
 */
function toWire(error: unknown): WireError | undefined {
  if (error instanceof AuthError) return AUTH_ERRORS[error.failure];
  if (error instanceof UnknownOperationError) return { status: 404, type: 'UnknownOperationException' };
  if (error instanceof ValidationError) return { status: 400, type: 'ValidationException' };
  if (error instanceof AccessDeniedError) return { status: 403, type: 'AccessDeniedException' };
  if (error instanceof NotFoundError) {
    return { status: 404, type: 'ResourceNotFoundException', members: { ResourceId: error.resourceId, ResourceType: error.resourceType } };
  }
  if (error instanceof ConflictError) {
    return { status: 409, type: 'ConflictException', members: { ResourceId: error.resourceId, ResourceType: error.resourceType } };
  }
  if (error instanceof ServiceQuotaExceededError) {
    return {
      status: 402,
      type: 'ServiceQuotaExceededException',
      members: { QuotaCode: error.quotaCode, ServiceCode: 'lookoutvision', ResourceId: error.resourceId, ResourceType: error.resourceType },
    };
  }
  if (error instanceof ThrottlingError) {
    return { status: 429, type: 'ThrottlingException', members: { QuotaCode: 'requests', ServiceCode: 'lookoutvision' }, retryAfterSeconds: error.retryAfterSeconds };
  }
  // An unreachable or failing KMS (an external one): its message names the KMS, not a secret.
  if (error instanceof KmsError && (error.name === 'DependencyTimeoutException' || error.name === 'KMSInternalException')) {
    return { status: 500, type: 'InternalServerException' };
  }
  if (error instanceof KmsError && error.name === 'AccessDeniedException') return { status: 403, type: 'AccessDeniedException' };
  const fastifyStatus = (error as { statusCode?: number }).statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    // Malformed HTTP caught by Fastify itself: an oversized or truncated body, a bad Content-Length.
    return { status: fastifyStatus, type: 'ValidationException' };
  }
  return undefined;
}

/** Answers an error as restJson1 clients expect: status, x-amzn-ErrorType, {"__type","Message",…}. */
export function sendLookoutVisionError(reply: FastifyReply, error: unknown): FastifyReply {
  const wire = toWire(error);
  if (!wire) {
    reply.log.error({ err: error }, 'request failed');
    return send(reply, { status: 500, type: 'InternalServerException' }, 'An internal error occurred. Try again; the request id identifies it in the server log.');
  }
  if (wire.retryAfterSeconds !== undefined) reply.header('retry-after', String(wire.retryAfterSeconds));
  return send(reply, wire, (error as Error).message);
}

function send(reply: FastifyReply, wire: WireError, message: string): FastifyReply {
  return reply
    .code(wire.status)
    .header('x-amzn-errortype', wire.type)
    .header('content-type', 'application/json')
    .send(JSON.stringify({ __type: wire.type, Message: message, ...wire.members }));
}
