import { createHash } from 'node:crypto';
import { type IdempotencyRepository, PENDING_RESPONSE } from '../store/datasetRecords.js';
import { ConflictError, type ResourceType } from './errors.js';

/** How long a client token is remembered, as Lookout for Vision did. */
export const TOKEN_LIFETIME_MS = 8 * 3600_000;
/** A reservation whose request has not answered in this long is taken to be from a process that died. */
const ABANDONED_AFTER_MS = 60_000;
const PENDING_POLL_MS = 50;

/**
 * ClientToken idempotency: the first call with a token runs and its response is remembered for
 * 8 hours; a repeat with the same parameters returns that response without running again (one that
 * arrives while the first still runs, on any node, waits for its response); the
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
    const waitUntil = Date.now() + ABANDONED_AFTER_MS + 5_000;
    for (;;) {
      const now = Date.now();
      const held = await this.tokens.reserve({ scope, token, requestHash, createdAt: new Date(now) }, new Date(now - TOKEN_LIFETIME_MS), new Date(now - ABANDONED_AFTER_MS));
      if (held === 'reserved') {
        let response: T;
        try {
          response = await work();
        } catch (error) {
          await this.tokens.release(scope, token);
          throw error;
        }
        await this.tokens.complete(scope, token, JSON.stringify(response ?? null));
        return response;
      }
      if (held.response !== PENDING_RESPONSE || held.requestHash !== requestHash) return this.replay<T>(held.requestHash, requestHash, held.response, request);
      // The same request is running (on this node or another): wait for its response rather than run it twice.
      if (Date.now() > waitUntil) throw new Error(`a ${request.operation} request with this client token is still running`);
      await new Promise((resolve) => setTimeout(resolve, PENDING_POLL_MS));
    }
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
