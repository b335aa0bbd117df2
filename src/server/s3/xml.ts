import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FastifyReply } from 'fastify';
import { BucketError } from '../../service/bucketErrors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', processEntities: true, suppressEmptyNode: false });

/** Elements that may repeat in the request documents S3 clients send. */
const REPEATED = new Set(['Object', 'Part', 'Rule', 'Grant', 'Statement']);
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * The XML entities and character references of a text value, decoded in one pass (so "&amp;#9;" stays "&#9;").
 * SDKs write line breaks and tabs in keys as character references ("&#xA;"), which the parser's own entity
 * handling leaves as they are. A reference to no character throws: the document is MalformedXML.
 */
function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g, (_, entity: string) =>
    entity.startsWith('#') ? String.fromCodePoint(entity[1] === 'x' ? Number.parseInt(entity.slice(2), 16) : Number.parseInt(entity.slice(1), 10)) : NAMED_ENTITIES[entity]!,
  );
}

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Keys such as "0001" or " a " must stay strings exactly as sent.
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  tagValueProcessor: (_name, value) => decodeEntities(value),
  isArray: (name) => REPEATED.has(name),
});

/**
 * A response document: root element with the S3 namespace; undefined members are left out. Tabs and line
 * breaks in values (a key or prefix may hold them) are character references, so parsers that trim
 * whitespace-only text keep them, as S3 writes them.
 */
export function xmlDocument(root: string, content: Record<string, unknown>, namespace = true): string {
  const document = builder.build({ [root]: namespace ? { '@_xmlns': S3_XMLNS, ...withoutUndefined(content) } : withoutUndefined(content) });
  return DECLARATION + document.replace(/[\t\n\r]/g, (c: string) => `&#${c.charCodeAt(0)};`);
}

export function sendXml(reply: FastifyReply, root: string, content: Record<string, unknown>, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/xml').send(xmlDocument(root, content));
}

/** Parses a request document and returns its root element's content; MalformedXML when it is not XML or has another root. */
export function parseXmlBody(body: Buffer, root: string): Record<string, unknown> {
  const text = body.toString('utf8');
  const malformed = new BucketError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  if (text.trim() === '' || XMLValidator.validate(text) !== true) throw malformed;
  let document: Record<string, unknown>;
  try {
    document = parser.parse(text) as Record<string, unknown>;
  } catch {
    // The parser refuses some documents the validator passes (element names such as "constructor", very deep nesting).
    throw malformed;
  }
  const content = document[root];
  if (content === undefined) throw malformed;
  return typeof content === 'object' && content !== null ? (content as Record<string, unknown>) : {};
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined) continue;
    if (Array.isArray(member)) out[key] = member.map((item) => (isPlainObject(item) ? withoutUndefined(item) : item));
    else out[key] = isPlainObject(member) ? withoutUndefined(member) : member;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** S3 timestamps in XML: ISO 8601 with milliseconds. */
export function xmlDate(date: Date): string {
  return date.toISOString();
}
