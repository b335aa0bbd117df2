/*
 * The XML request documents of the S3 operations as TypeBox schemas of the parsed document, beside the
 * query and header members of members.ts: one declaration gives the handler's typed document and the check,
 * which answers S3's MalformedXML with the failing member's wording (or NotImplemented for a value S3 knows
 * and Vigil does not serve).
 *
 * The parser (xml.ts) gives an element's text as a string, an element with children as an object and a
 * repeated element as an array. Before the check, the document is read as S3 reads it: a text member is
 * the element's own text (trimmed, unless declared `raw`), a structure given as bare text has no members,
 * and a list member is the elements of that name (none when absent).
 */
import { Kind, type Static, type TArray, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { BucketError } from '../../service/bucketErrors.js';
import { type MemberMessages, messageOf } from '../schema.js';
import type { S3Call } from './call.js';
import { S3ProtocolError } from './errors.js';
import type { PayloadOptions } from './payload.js';
import { parseXmlBody } from './xml.js';

interface TextOptions extends MemberMessages {
  pattern?: string;
  minLength?: number;
  /** Keep surrounding whitespace (object keys); other text is trimmed. */
  raw?: boolean;
  /** Values S3 defines that this server does not serve: answered NotImplemented with the given message. */
  unsupported?: Record<string, string>;
}

/** The text of an element. */
export const XmlText = (options: TextOptions = {}) => Type.String(options);
export const OptionalXmlText = (options: TextOptions = {}) => Type.Optional(XmlText(options));

/** A request document: its root element and the schema of that element's content. */
export interface XmlBody<T extends TObject> {
  root: string;
  schema: T;
  read(document: Record<string, unknown>): Static<T>;
}

export function xmlBody<T extends TObject>(root: string, schema: T): XmlBody<T> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    root,
    schema,
    read(document) {
      const value = readMember(schema, document);
      if (compiled.Check(value)) return value;
      const first = compiled.Errors(value).First();
      const refused = first && (first.schema as TextOptions).unsupported?.[String(first.value)];
      if (refused) throw new S3ProtocolError('NotImplemented', refused);
      throw new BucketError('MalformedXML', first ? messageOf(first) : 'The XML you provided was not well-formed or did not validate against our published schema.');
    },
  };
}

/** Reads the request body (at most `limit` bytes) as the declared document: MalformedXML when it is not one. */
export async function readXmlBody<T extends TObject>(call: S3Call, body: XmlBody<T>, limit?: number, options?: PayloadOptions): Promise<Static<T>> {
  return body.read(parseXmlBody(await call.smallBody(limit, options), body.root));
}

/** As readXmlBody, for a document that may be left out: undefined for an empty body. */
export async function readOptionalXmlBody<T extends TObject>(call: S3Call, body: XmlBody<T>, limit?: number): Promise<Static<T> | undefined> {
  const bytes = await call.smallBody(limit);
  return bytes.length ? body.read(parseXmlBody(bytes, body.root)) : undefined;
}

/** The parsed value as the member schema reads it (see the header); values the schema does not describe are left as they are. */
function readMember(schema: TSchema, value: unknown): unknown {
  if (value === undefined) return schema[Kind] === 'Array' ? [] : undefined;
  switch (schema[Kind]) {
    case 'String': {
      const text = typeof value === 'object' && value !== null ? String((value as Record<string, unknown>)['#text'] ?? '') : String(value);
      return (schema as TextOptions).raw ? text : text.trim();
    }
    case 'Array':
      return (Array.isArray(value) ? value : [value]).map((item) => readMember((schema as TArray).items, item));
    case 'Object': {
      const element = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
      const read: Record<string, unknown> = { ...element };
      for (const [name, member] of Object.entries((schema as TObject).properties)) {
        const memberValue = readMember(member, element[name]);
        if (memberValue === undefined) delete read[name];
        else read[name] = memberValue;
      }
      return read;
    }
    default:
      return value;
  }
}
