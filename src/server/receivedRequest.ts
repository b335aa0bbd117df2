import type { FastifyRequest } from 'fastify';
import type { ReceivedRequest } from './auth/sigv4.js';

/** The parts of a Fastify request that a signature covers, with the raw body the buffer parser kept. */
export function receivedRequest(request: FastifyRequest): ReceivedRequest {
  return {
    method: request.method,
    rawUrl: request.raw.url ?? '/',
    headers: request.raw.headersDistinct,
    body: Buffer.isBuffer(request.body) ? request.body : undefined,
  };
}
