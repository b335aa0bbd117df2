import type { Static, TObject } from '@sinclair/typebox';
import type { Services } from '../services.js';

/**
 * One Lookout for Vision operation: where it is routed, its input schema, and how it turns the validated
 * input into a result. The schema (members.ts shapes under the wire member names, each bound to where it
 * travels) is the one declaration of the input: the router validates every request against it, compiled
 * once, and `handle` receives the typed value.
 */
export interface LookoutVisionOperation<T extends TObject = TObject> {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Fastify route path under /2020-11-20. */
  path: string;
  /** Success status from the reference: 200, or 202 for the asynchronous operations. */
  status: 200 | 202;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** When set, a body over bodyLimit is a member of the input that is too large: 400 ValidationException with this message, not HTTP 413. */
  bodyTooLargeMessage?: string;
  input: T;
  handle(input: Static<T>, services: Services): Promise<Record<string, unknown>>;
}

/** Declares an operation, inferring the type of `handle`'s input from its schema. */
export function operation<T extends TObject>(declaration: LookoutVisionOperation<T>): LookoutVisionOperation<T> {
  return declaration;
}
