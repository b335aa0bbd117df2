import type { IncomingMessage } from 'node:http';

/**
 * A Fastify route constraint for the AWS query protocol (STS): `POST /` with a form-encoded body
 * (`Action=GetSessionToken&Version=2011-06-15…`), the same path an S3 or KMS request may use. A
 * form POST prefers routes constrained to it and falls back to the others (an S3 request may carry
 * that content type on its own paths).
 */
export const formPostConstraint = {
  name: 'formPost',
  storage() {
    const handlers = new Map<string, unknown>();
    return {
      get: (value: string) => (handlers.get(value) ?? null) as never,
      set: (value: string, store: unknown) => void handlers.set(value, store),
    };
  },
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
