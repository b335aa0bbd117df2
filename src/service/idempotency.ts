import { createHash } from 'node:crypto';
import type { IdempotencyRepository } from '../store/datasetRecords.js';
import { ConflictError, type ResourceType } from './errors.js';

/** How long a client token is remembered, as Lookout for Vision did. */
export const TOKEN_LIFETIME_MS = 8 * 3600_000;

/**
 * ClientToken idempotency: the first call with a token runs and its response is remembered for
 * 8 hours; a repeat with the same parameters returns that response without running again; the
 * same token with other parameters is a ConflictException. Tokens are scoped per operation and
 * resource, so one token may be reused for another operation.
 */
export class Idempotency {
  constructor(private readonly tokens: IdempotencyRepository) {}

  async run<T>(request: { operation: string; resourceId: string; resourceType: ResourceType; token: string | undefined; parameters: unknown }, work: () => Promise<T>): Promise<T> {
    const { token } = request;
    if (token === undefined) return work();
    const scope = `${request.operation} ${request.resourceId}`;
    const requestHash = createHash('sha256')
      .update(JSON.stringify(request.parameters ?? null))
      .digest('hex');
    const notBefore = new Date(Date.now() - TOKEN_LIFETIME_MS);
    const earlier = await this.tokens.get(scope, token, notBefore);
    if (earlier) return this.replay<T>(earlier.requestHash, requestHash, earlier.response, request);
    const response = await work();
    const stored = await this.tokens.putIfAbsent({ scope, token, requestHash, response: JSON.stringify(response ?? null), createdAt: new Date() }, notBefore);
    // A concurrent call with the same token may have finished first; it wins, as a later retry would see.
    return stored.response === JSON.stringify(response ?? null) ? response : this.replay<T>(stored.requestHash, requestHash, stored.response, request);
  }

  private replay<T>(storedHash: string, requestHash: string, response: string, request: { operation: string; resourceId: string; resourceType: ResourceType }): T {
    if (storedHash !== requestHash) {
      throw new ConflictError(`The client token was already used for a ${request.operation} request with different parameters within the last 8 hours.`, request.resourceId, request.resourceType);
    }
    return JSON.parse(response, reviveDates) as T;
  }

  /** Forgets tokens past their lifetime. */
  purgeExpired(): Promise<void> {
    return this.tokens.deleteOlderThan(new Date(Date.now() - TOKEN_LIFETIME_MS));
  }
}

/** Responses hold Date values, which JSON keeps as ISO strings: turn them back into Dates. */
function reviveDates(_key: string, value: unknown): unknown {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) ? new Date(value) : value;
}
