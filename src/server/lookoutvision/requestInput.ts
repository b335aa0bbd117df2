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

/** JSON timestamps are epoch seconds (reference §1). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
