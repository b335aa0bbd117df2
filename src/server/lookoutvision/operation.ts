import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.js';

/** One Lookout for Vision operation: where it is routed, and how it turns a request into a result. */
export interface LookoutVisionOperation {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify route path under /2020-11-20. */
  path: string;
  /** Success status from the reference: 200, or 202 for the asynchronous operations. */
  status: 200 | 202;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  handle(request: FastifyRequest, services: Services): Promise<Record<string, unknown>>;
}
