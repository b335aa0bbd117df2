import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../service/errors.js';

/** An optional integer query parameter; anything but decimal digits is a ValidationException. */
export function queryInteger(request: FastifyRequest, name: string): number | undefined {
  const value = queryString(request, name);
  if (value === undefined) return undefined;
  if (!/^-?\d{1,10}$/.test(value)) throw new ValidationError(`${name} must be an integer.`);
  return Number(value);
}

/** An optional single-valued query parameter. */
export function queryString(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  if (Array.isArray(value)) throw new ValidationError(`${name} may be given only once.`);
  return value;
}

/** JSON timestamps are epoch seconds (AWS restJson1 protocol, https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** The JSON body of an operation; a missing or malformed body is a ValidationException. */
export function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** A path label, percent-decoded by the router. */
export function pathLabel(request: FastifyRequest, name: string): string {
  return (request.params as Record<string, string>)[name];
}

/** The idempotency token header (X-Amzn-Client-Token), when sent. */
export function clientToken(request: FastifyRequest): string | undefined {
  const value = request.headers['x-amzn-client-token'];
  return Array.isArray(value) ? value.join(',') : value;
}

/** An optional boolean query parameter: true or false. */
export function queryBoolean(request: FastifyRequest, name: string): boolean | undefined {
  const value = queryString(request, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new ValidationError(`${name} must be true or false.`);
  return value === 'true';
}

/** An optional timestamp query parameter, ISO 8601 date-time (AWS restJson1 protocol, https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html). */
export function queryTimestamp(request: FastifyRequest, name: string): Date | undefined {
  const value = queryString(request, name);
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new ValidationError(`${name} must be an ISO 8601 date-time such as 2020-06-23T00:00:00Z.`);
  return date;
}
