import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_DURATION } from '../../service/sessionCredentials.js';
import { AuthError, type AuthFailure } from '../auth/signedRequest.js';
import type { Services } from '../services.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const API_VERSION = '2011-06-15';

/** An STS error: Code, HTTP status and message, answered in the query protocol's ErrorResponse. */
class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const AUTH_ERRORS: Record<AuthFailure, { code: string; status: number }> = {
  MissingAuthentication: { code: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignature: { code: 'IncompleteSignature', status: 400 },
  SignatureMismatch: { code: 'SignatureDoesNotMatch', status: 403 },
  SignatureExpired: { code: 'SignatureDoesNotMatch', status: 403 },
  PayloadHashMismatch: { code: 'SignatureDoesNotMatch', status: 403 },
  UnknownAccessKey: { code: 'InvalidClientTokenId', status: 403 },
  ExpiredToken: { code: 'ExpiredToken', status: 400 },
};

/**
 * The STS subset the console and the CLI sign in with: `GetSessionToken` (AWS query protocol, SigV4
 * service "sts", `POST /` with a form body), answering short-lived credentials in STS's XML.
 * Session credentials cannot ask for more (as on AWS).
 */
export async function stsApi(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.setErrorHandler((error, request, reply) => sendStsError(request, reply, error));
  app.route({
    method: 'POST',
    url: '/',
    bodyLimit: 16 * 1024,
    constraints: { formPost: 'query' },
    config: { auth: { service: 'sts', payload: 'body' } },
    handler: async (request, reply) => {
      const params = new URLSearchParams(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '');
      const action = params.get('Action');
      if (action !== 'GetSessionToken' || (params.has('Version') && params.get('Version') !== API_VERSION)) {
        throw new StsError('InvalidAction', 400, `Could not find operation ${action ?? ''} for version ${params.get('Version') ?? API_VERSION}`);
      }
      if (request.headers['x-amz-security-token'] !== undefined) {
        throw new StsError('AccessDenied', 403, 'Cannot call GetSessionToken with session credentials');
      }
      if (params.has('SerialNumber') || params.has('TokenCode')) {
        throw new StsError('AccessDenied', 403, 'MultiFactorAuthentication failed: Vigil has no MFA devices.');
      }
      const duration = durationSeconds(params.get('DurationSeconds'));
      const session = services.sessionCredentials.issue(request.authenticated!.accessKeyId, duration);
      reply.header('content-type', 'text/xml');
      return (
        `<GetSessionTokenResponse xmlns="${XMLNS}">\n  <GetSessionTokenResult>\n    <Credentials>\n` +
        `      <AccessKeyId>${session.accessKeyId}</AccessKeyId>\n` +
        `      <SecretAccessKey>${xmlText(session.secretAccessKey)}</SecretAccessKey>\n` +
        `      <SessionToken>${xmlText(session.sessionToken)}</SessionToken>\n` +
        `      <Expiration>${session.expiration.toISOString()}</Expiration>\n` +
        `    </Credentials>\n  </GetSessionTokenResult>\n` +
        `  <ResponseMetadata>\n    <RequestId>${request.id}</RequestId>\n  </ResponseMetadata>\n</GetSessionTokenResponse>\n`
      );
    },
  });
}

/** DurationSeconds as STS bounds it (15 minutes to 36 hours, 12 hours when absent). */
function durationSeconds(text: string | null): number {
  if (text === null) return SESSION_DURATION.default;
  const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value))
    throw new StsError('ValidationError', 400, `1 validation error detected: Value '${text.slice(0, 32)}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`);
  if (value < SESSION_DURATION.min) {
    throw new StsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${SESSION_DURATION.min}`,
    );
  }
  if (value > SESSION_DURATION.max) {
    throw new StsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${SESSION_DURATION.max}`,
    );
  }
  return value;
}

function sendStsError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  let wire: { code: string; status: number; message: string };
  if (error instanceof StsError) wire = { code: error.code, status: error.status, message: error.message };
  else if (error instanceof AuthError) {
    wire = { ...AUTH_ERRORS[error.failure], message: error.message };
  } else {
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) wire = { code: 'ValidationError', status, message: (error as Error).message };
    else {
      reply.log.error({ err: error }, 'STS request failed');
      wire = { code: 'InternalFailure', status: 500, message: 'An internal error occurred.' };
    }
  }
  const type = wire.status >= 500 ? 'Receiver' : 'Sender';
  return reply
    .code(wire.status)
    .header('content-type', 'text/xml')
    .send(
      `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${wire.code}</Code>\n` +
        `    <Message>${xmlText(wire.message)}</Message>\n  </Error>\n  <RequestId>${request.id}</RequestId>\n</ErrorResponse>\n`,
    );
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
