import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { ValidationError } from '../../service/errors.js';
import { withoutNulls } from '../schema.js';
import { bindingOf } from './members.js';

/**
 * Gathers an operation's input from where each member of its schema travels (restJson1 bindings,
 * https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html): path labels, query parameters and headers
 * as strings turned into the member's type, the raw payload, and the JSON body. Only what cannot be read at
 * all (a body that is not JSON, a repeated query parameter, a query value that is no integer) fails here;
 * every constraint is the schema's.
 */
export function readInput(request: FastifyRequest, schema: TObject): Record<string, unknown> {
  const declared = Object.entries(schema.properties as Record<string, TSchema>);
  const body = declared.some(([, member]) => bindingOf(member) === undefined) ? jsonBody(request) : {};
  const input: Record<string, unknown> = {};
  for (const [key, member] of declared) {
    const binding = bindingOf(member);
    let value: unknown;
    if (binding === undefined) value = member[Kind] === 'Uint8Array' ? base64Blob(body[key], key) : body[key];
    else if (binding.in === 'payload') value = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    else if (binding.in === 'path') value = (request.params as Record<string, string>)[binding.name];
    else if (binding.in === 'header') value = headerValue(request, binding.name);
    else value = queryValue(request, binding.name, member);
    if (value !== undefined) input[key] = value;
  }
  return input;
}

/** The JSON body of an operation; a missing or malformed body is a ValidationException. */
function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const raw = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
  if (raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ValidationError('The request body must be a JSON object.');
  return withoutNulls(parsed) as Record<string, unknown>;
}

/** A blob member of the JSON body is base64; an empty or non-string one is left for the schema to refuse. */
function base64Blob(value: unknown, member: string): unknown {
  if (typeof value !== 'string' || value === '') return value;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) throw new ValidationError(`${member} is not valid base64.`);
  return Buffer.from(value, 'base64');
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** A query parameter as the member's type: integers, booleans and ISO 8601 timestamps are decoded here. */
function queryValue(request: FastifyRequest, name: string, member: TSchema): unknown {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  if (member[Kind] === 'Array') return value === undefined ? undefined : [value].flat();
  if (Array.isArray(value)) throw new ValidationError(`${name} may be given only once.`);
  if (value === undefined) return undefined;
  switch (member[Kind]) {
    case 'Integer':
      if (!/^-?\d{1,10}$/.test(value)) throw new ValidationError(`${name} must be an integer.`);
      return Number(value);
    case 'Boolean':
      if (value !== 'true' && value !== 'false') throw new ValidationError(`${name} must be true or false.`);
      return value === 'true';
    case 'Date': {
      // restJson1 query timestamps are date-time strings (https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html).
      const date = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) throw new ValidationError(`${name} must be an ISO 8601 date-time such as 2020-06-23T00:00:00Z.`);
      return date;
    }
    default:
      return value;
  }
}

/** JSON timestamps are epoch seconds (AWS restJson1 protocol, https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html). */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}
