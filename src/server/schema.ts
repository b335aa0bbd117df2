/*
 * Request schemas: each API operation declares its input once, as a TypeBox schema under the wire member
 * names. The same declaration gives the TypeScript type of the input (`Static<typeof Schema>`), the
 * validation (compiled once, at start) and the ValidationException message of the first failure.
 *
 * Messages are derived from the failing member's constraints ("ProjectName must be 1 to 255 characters
 * long."), so most members need no wording of their own. A member whose API documents another wording sets
 * `message` (every failure) or `missingMessage` (absent or of the wrong type) in its schema options; both
 * may contain `{member}`, the member's name, and `{value}`, the received value.
 */
import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';

/** Options a member schema may carry beside its constraints. */
export interface MemberMessages {
  /** The message of every failure of this member. */
  message?: string;
  /** The message when the member is absent or not of its type. */
  missingMessage?: string;
}

/** Validates a request's input against its operation's schema: the typed input, or a thrown error. */
export type InputValidator<T extends TSchema> = (input: unknown) => Static<T>;

/**
 * Compiles a schema (once) into a validator that throws `fail(message, member)` with the first failure's
 * message and the failing member's schema (where a protocol answers some members with their own error code).
 */
export function inputValidator<T extends TSchema>(schema: T, fail: (message: string, member?: TSchema) => Error): InputValidator<T> {
  const compiled = TypeCompiler.Compile(schema);
  return (input) => {
    if (compiled.Check(input)) return input;
    const first = compiled.Errors(input).First();
    throw fail(first ? messageOf(first) : 'The request is not valid.', first?.schema);
  };
}

/** A JSON null member is an absent one (restJson1, awsJson1_1), at any depth. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

/** The message of one failure, from the failing member's name, constraints and options. */
export function messageOf(error: ValueError): string {
  const schema = error.schema as TSchema & MemberMessages & Record<string, unknown>;
  const member = memberName(error.path);
  const missing = error.type === ValueErrorType.ObjectRequiredProperty || isTypeError(error);
  const own = (missing && schema.missingMessage) || schema.message;
  if (own) return own.replace('{member}', member).replace('{value}', shown(error.value));
  if (error.type === ValueErrorType.ObjectRequiredProperty) return `${member} is required.`;
  switch (schema[Kind]) {
    case 'String':
    case 'RegExp':
      if (error.type === ValueErrorType.String) return `${member} must be a string.`;
      if (error.type === ValueErrorType.StringMinLength || error.type === ValueErrorType.StringMaxLength) {
        return schema.maxLength === undefined
          ? `${member} must be at least ${schema.minLength} characters long.`
          : `${member} must be ${schema.minLength ?? 0} to ${schema.maxLength} characters long.`;
      }
      return `${member} '${shown(error.value)}' does not match the pattern ${schema.source ?? schema.pattern}.`;
    case 'Integer':
      return schema.maximum === undefined ? `${member} must be an integer of at least ${schema.minimum}.` : `${member} must be an integer from ${schema.minimum} to ${schema.maximum}.`;
    case 'Boolean':
      return `${member} must be true or false.`;
    case 'Date':
      return `${member} must be an ISO 8601 date-time such as 2020-06-23T00:00:00Z.`;
    case 'Array':
      return error.type === ValueErrorType.ArrayMaxItems ? `${member} may hold at most ${schema.maxItems} items.` : `${member} must be a list.`;
    case 'Uint8Array':
      if (error.type === ValueErrorType.Uint8Array) return `${member} must be base64.`;
      return `${member} must decode to ${schema.minByteLength ?? 0} to ${schema.maxByteLength} bytes; it is ${(error.value as Uint8Array).length}.`;
    case 'Record':
      return `${member} must be a map of strings.`;
    case 'Object':
      return `${member} must be an object.`;
    default:
      return `${member} is not valid.`;
  }
}

/** A failure on the type itself (a string where a list belongs), as opposed to a constraint of the type. */
function isTypeError(error: ValueError): boolean {
  return [
    ValueErrorType.String,
    ValueErrorType.Integer,
    ValueErrorType.Number,
    ValueErrorType.Boolean,
    ValueErrorType.Array,
    ValueErrorType.Object,
    ValueErrorType.Uint8Array,
    ValueErrorType.Date,
  ].includes(error.type);
}

/** `/OutputConfig/S3Location/Bucket` → `OutputConfig.S3Location.Bucket`; `/Tags/3/Key` → `Tags[3].Key`. */
function memberName(path: string): string {
  return path
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
