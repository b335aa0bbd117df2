import { ValidationError } from './errors.js';

/**
 * Patterns and lengths of the API's identifiers, matched whole, as the API reference gives them for each
 * request member (e.g. ProjectName in https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_CreateProject.html,
 * Bucket and Key in https://docs.aws.amazon.com/lookout-for-vision/latest/APIReference/API_InputS3Object.html).
 */
export const PATTERNS = {
  projectName: { pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, min: 1, max: 255 },
  datasetType: { pattern: /^(train|test)$/, min: 1, max: 10 },
  clientToken: { pattern: /^[a-zA-Z0-9-]+$/, min: 1, max: 64 },
  s3BucketName: { pattern: /^[0-9A-Za-z.\-_]*$/, min: 3, max: 63 },
  s3ObjectKey: { pattern: /^([a-zA-Z0-9!_.*'()-][/a-zA-Z0-9!_.*'()-]*)?$/, min: 1, max: 1024 },
  s3ObjectVersion: { pattern: /^[\s\S]*$/, min: 1, max: 1024 },
  anomalyClass: { pattern: /^(normal|anomaly)$/, min: 1, max: 10 },
  queryString: { pattern: /\S/, min: 1, max: 2048 },
} as const;

export type PatternName = keyof typeof PATTERNS;

/** A required string member that must match its pattern; ValidationException names the member. */
export function requireString(value: unknown, member: string, kind: PatternName): string {
  if (value === undefined || value === null) throw new ValidationError(`${member} is required.`);
  return checkString(value, member, kind);
}

/** An optional string member: undefined when absent, else checked as requireString does. */
export function optionalString(value: unknown, member: string, kind: PatternName): string | undefined {
  return value === undefined || value === null ? undefined : checkString(value, member, kind);
}

function checkString(value: unknown, member: string, kind: PatternName): string {
  const { pattern, min, max } = PATTERNS[kind];
  if (typeof value !== 'string') throw new ValidationError(`${member} must be a string.`);
  if (value.length < min || value.length > max) {
    throw new ValidationError(`${member} must be ${min} to ${max} characters long.`);
  }
  if (!pattern.test(value)) throw new ValidationError(`${member} '${truncate(value)}' does not match the pattern ${pattern.source}.`);
  return value;
}

/** The request body of a JSON operation as an object; anything else is a ValidationException. */
export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function truncate(text: string, length = 80): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
