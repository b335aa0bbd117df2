import type { IncomingMessage } from 'node:http';
import { exactValueStorage } from '../constraintStorage.js';

/**
 * A Fastify route constraint on the X-Amz-Target header: the AWS KMS JSON protocol posts every
 * operation to "/" with "X-Amz-Target: TrentService.<Operation>", the same path an S3 request may
 * use. Requests that carry such a header reach only routes constrained to it.
 */
export const amzTargetConstraint = {
  name: 'amzTarget',
  storage: exactValueStorage,
  deriveConstraint(request: IncomingMessage): string | undefined {
    const target = request.headers['x-amz-target'];
    return typeof target === 'string' && target.startsWith('TrentService.') ? 'TrentService' : undefined;
  },
  validate(value: unknown): void {
    if (value !== 'TrentService') throw new Error('the amzTarget constraint takes the value TrentService');
  },
  mustMatchWhenDerived: true,
};
