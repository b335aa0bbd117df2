import type { IncomingMessage } from 'node:http';
import { exactValueStorage } from '../constraintStorage.js';

/**
 * A Fastify route constraint for the AWS query protocol (STS): `POST /` with a form-encoded body
 * (`Action=GetSessionToken&Version=2011-06-15…`), the same path an S3 or KMS request may use. A
 * form POST prefers routes constrained to it and falls back to the others (an S3 request may carry
 * that content type on its own paths).
 */
export const formPostConstraint = {
  name: 'formPost',
  storage: exactValueStorage,
  deriveConstraint(request: IncomingMessage): string | undefined {
    if (request.method !== 'POST' || request.headers['x-amz-target'] !== undefined) return undefined;
    const type = request.headers['content-type'];
    return typeof type === 'string' && /^application\/x-www-form-urlencoded\s*(;|$)/i.test(type) ? 'query' : undefined;
  },
  validate(value: unknown): void {
    if (value !== 'query') throw new Error('the formPost constraint takes the value query');
  },
  mustMatchWhenDerived: false,
};
