/*
 * The SigV4 canonical request of a received request, and its signature, computed with the SDK's own signer
 * (@smithy/signature-v4) so that the server signs exactly as the clients do: the raw path, the query as
 * received, the headers the client listed, the payload hash. Also the small readers both ways of signing
 * share (query string, X-Amz-Date, header values as their bytes on the wire).
 */
import { createHmac } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthError, type ReceivedRequest } from './signedRequest.js';

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** The SigV4 signing key: HMAC-SHA256 chained over date, region, service and "aws4_request". */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  let key: Buffer = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
  for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

/** The signature the client should have sent in its Authorization header (a non-signature when its signed-header list is not what the signer signs). */
export async function expectedSignature(
  request: ReceivedRequest,
  input: {
    service: string;
    region: string;
    date: Date;
    signedHeaders: string[];
    payloadHash: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  },
): Promise<string> {
  const headers = signedHeaderValues(request, input.signedHeaders);
  // The signer takes the payload hash from this header; when the client did not sign the header
  // (the AWS CLI never sends it) it is kept out of the canonical headers.
  const hashSigned = 'x-amz-content-sha256' in headers;
  headers['x-amz-content-sha256'] = input.payloadHash;
  const questionMark = request.rawUrl.indexOf('?');
  const signed = await signerFor(input.service, input.region, input.credentials).sign(signable(request, headers, questionMark < 0 ? {} : parseQuery(request.rawUrl.slice(questionMark + 1))), {
    signingDate: input.date,
    signableHeaders: new Set(input.signedHeaders),
    unsignableHeaders: hashSigned ? undefined : new Set(['x-amz-content-sha256']),
  });
  const authorization = signed.headers.authorization ?? '';
  // The signer lists what it signed; a client that signed a different set gets a mismatch.
  const computed = /SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!computed || computed[1] !== input.signedHeaders.join(';')) return ''.padEnd(64, '-');
  return computed[2];
}

/** The values of the headers the client signed; a signed header missing from the request is a mismatch. */
export function signedHeaderValues(request: ReceivedRequest, signedHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const values = request.headers[name];
    if (values === undefined) throw new AuthError('SignatureMismatch', `Signed header ${name} is missing from the request.`);
    headers[name] = wireText(values.join(','));
  }
  return headers;
}

/**
 * A header value as its bytes on the wire read as UTF-8, when they are UTF-8. Node decodes header bytes as
 * latin1, while the canonical request is hashed over the bytes sent: a client that sent "é" as UTF-8 (C3 A9)
 * signed those two bytes, which the latin1 string "Ã©" would hash as four.
 */
export function wireText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

/** The SDK's signer for a service and region, computing signatures as the service verifies them (S3 paths are not escaped again). */
export function signerFor(service: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: service !== 's3', applyChecksum: false });
}

/** The received request as the signer sees it: its raw path, the given query and signed headers. */
export function signable(request: ReceivedRequest, headers: Record<string, string>, query: Record<string, string | string[]>): HttpRequest {
  const questionMark = request.rawUrl.indexOf('?');
  return new HttpRequest({
    method: request.method,
    protocol: 'https:',
    hostname: headers.host ?? '',
    path: questionMark < 0 ? request.rawUrl : request.rawUrl.slice(0, questionMark),
    query,
    headers,
  });
}

/** Query parameters percent-decoded, repeated keys kept in order, a key without "=" valued "". */
export function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(equals < 0 ? part : part.slice(0, equals));
      value = equals < 0 ? '' : decodeURIComponent(part.slice(equals + 1));
    } catch {
      throw new AuthError('IncompleteSignature', 'The query string is not valid percent-encoding.');
    }
    // The AWS SDKs' signer (which computes Vigil's side too) cannot put a "__proto__" parameter into the canonical
    // query: its value would go unsigned. Such a request is refused; AWS would refuse the SDKs' signature of it too.
    if (key === '__proto__') throw new AuthError('SignatureMismatch', 'The query parameter __proto__ cannot be signed and is not accepted.');
    const existing = query[key];
    // Appended in place: copying the list for each repeat made a 16 KB query of one repeated key cost seconds of CPU.
    if (existing === undefined) query[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[key] = [existing, value];
  }
  return query;
}

export function singleHeader(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const values = headers[name];
  return values === undefined ? undefined : values.join(',');
}

export function parseAmzDate(text: string): Date | undefined {
  const m = AMZ_DATE.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return formatAmzDate(date) === text ? date : undefined;
}

export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
