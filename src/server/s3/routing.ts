import { isIP } from 'node:net';
import { S3ProtocolError } from './errors.js';

/** Where an S3 request points: path-style /bucket/key, or virtual-host-style bucket.<domain>/key. */
export interface S3Address {
  bucket?: string;
  key?: string;
}

/**
 * Resolves bucket and key. A Host of <bucket>.<domain> (domain one of virtualHostDomains, e.g.
 * "localhost") is virtual-host style and the whole path is the key; any other host (an IP address,
 * the server's own name) is path style. Path segments are percent-decoded; "+" stays "+".
 */
export function s3Address(host: string | undefined, rawPath: string, virtualHostDomains: readonly string[]): S3Address {
  const path = rawPath.split('?')[0];
  const hostname = hostnameOf(host);
  const domain = hostname && !isIP(hostname) ? virtualHostDomains.find((d) => hostname.endsWith(`.${d}`)) : undefined;
  if (domain) {
    const bucket = hostname!.slice(0, -(domain.length + 1));
    const key = decode(path.slice(1));
    return { bucket, key: key === '' ? undefined : key };
  }
  const slash = path.indexOf('/', 1);
  const bucket = decode(slash < 0 ? path.slice(1) : path.slice(1, slash));
  const key = slash < 0 ? '' : decode(path.slice(slash + 1));
  return { bucket: bucket === '' ? undefined : bucket, key: key === '' ? undefined : key };
}

/** The query string as a map; a key without "=" has the value "", the first of repeated keys wins. */
export function parseQuery(rawUrl: string): Map<string, string> {
  const query = new Map<string, string>();
  const questionMark = rawUrl.indexOf('?');
  if (questionMark < 0) return query;
  for (const part of rawUrl.slice(questionMark + 1).split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decode(equals < 0 ? part : part.slice(0, equals));
    if (!query.has(name)) query.set(name, equals < 0 ? '' : decode(part.slice(equals + 1).replace(/\+/g, '%20')));
  }
  return query;
}

function hostnameOf(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']'));
  const colon = lower.lastIndexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3ProtocolError('InvalidURI', "Couldn't parse the specified URI.");
  }
}
