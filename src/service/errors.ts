/**
 * The service's errors, typed once. Each protocol adapter maps them to its wire shape; messages
 * are written for the person who reads them in the CLI or SDK.
 */
export type ResourceType = 'PROJECT' | 'DATASET' | 'MODEL' | 'TRIAL' | 'MODEL_PACKAGE_JOB';

export abstract class ServiceError extends Error {}

export class ValidationError extends ServiceError {
  override readonly name = 'ValidationError';
}

export class AccessDeniedError extends ServiceError {
  override readonly name = 'AccessDeniedError';
}

export class NotFoundError extends ServiceError {
  override readonly name = 'NotFoundError';
  constructor(
    message: string,
    readonly resourceId: string,
    readonly resourceType: ResourceType,
  ) {
    super(message);
  }
}

export class ConflictError extends ServiceError {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    readonly resourceId: string,
    readonly resourceType: ResourceType,
  ) {
    super(message);
  }
}

export class ServiceQuotaExceededError extends ServiceError {
  override readonly name = 'ServiceQuotaExceededError';
  constructor(
    message: string,
    readonly quotaCode: string,
    readonly resourceId?: string,
    readonly resourceType?: ResourceType,
  ) {
    super(message);
  }
}

export class ThrottlingError extends ServiceError {
  override readonly name = 'ThrottlingError';
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}
