import type { Readable } from 'node:stream';

export class ManifestReadError extends Error {
  override readonly name = 'ManifestReadError';
}

/**
 * The non-blank lines of a JSON Lines stream with their line numbers, without holding more than
 * one line and one chunk in memory (manifests reach 1 GB). A line over maxChars is an error.
 */
export async function* manifestLines(stream: Readable, maxChars: number): AsyncGenerator<{ number: number; text: string }> {
  stream.setEncoding('utf8');
  let carry = '';
  let number = 0;
  for await (const chunk of stream as AsyncIterable<string>) {
    carry += chunk;
    let start = 0;
    for (let end = carry.indexOf('\n'); end >= 0; end = carry.indexOf('\n', start)) {
      number += 1;
      const text = carry.slice(start, end).trim();
      if (text.length > maxChars) throw new ManifestReadError(`Manifest line ${number} is longer than ${maxChars} characters.`);
      if (text !== '') yield { number, text };
      start = end + 1;
    }
    carry = carry.slice(start);
    if (carry.length > maxChars) throw new ManifestReadError(`Manifest line ${number + 1} is longer than ${maxChars} characters.`);
  }
  const last = carry.trim();
  if (last !== '') yield { number: number + 1, text: last };
}
