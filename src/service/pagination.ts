import { ValidationError } from './errors.js';

/** Page sizes of the List operations: 1..100 (the operations' schemas hold the range), default 100. */
export function pageSize(maxResults: number | undefined): number {
  return maxResults ?? 100;
}

const TOKEN = /^[A-Za-z0-9/+=]{1,2048}$/;

/** An opaque NextToken (base64, as the API's pattern allows) for a position in a listing. */
export function encodePageToken(listing: string, position: string): string {
  return Buffer.from(JSON.stringify({ l: listing, p: position }), 'utf8').toString('base64');
}

/** The position in a NextToken made by encodePageToken for the same listing; ValidationException otherwise. */
export function decodePageToken(listing: string, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const invalid = new ValidationError('The pagination token is invalid.');
  if (!TOKEN.test(token)) throw invalid;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { l?: unknown; p?: unknown };
    if (parsed.l !== listing || typeof parsed.p !== 'string') throw invalid;
    return parsed.p;
  } catch {
    throw invalid;
  }
}
