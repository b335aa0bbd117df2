import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { signingKey } from '../../src/server/auth/canonicalRequest.js';
import type { ChunkSigning } from '../../src/server/auth/signedRequest.js';
import { AwsChunkedDecoder, chunkSignature } from '../../src/server/s3/awsChunked.js';
import { S3ProtocolError } from '../../src/server/s3/errors.js';

const SIGNING: ChunkSigning = {
  seedSignature: 'a'.repeat(64),
  amzDate: '20260501T120000Z',
  scope: '20260501/us-east-1/s3/aws4_request',
  signingKey: signingKey('secret', '20260501', 'us-east-1', 's3'),
};

/** Runs bytes through a decoder in the given pieces; the data and trailers, or the error it ended with. */
async function decode(pieces: Buffer[], options: ConstructorParameters<typeof AwsChunkedDecoder>[0]): Promise<{ data: Buffer; trailers: Record<string, string> } | { error: unknown }> {
  const decoder = new AwsChunkedDecoder(options);
  const out: Buffer[] = [];
  decoder.on('data', (part: Buffer) => out.push(part));
  return new Promise((resolve) => {
    decoder.on('error', (error) => resolve({ error }));
    decoder.on('end', () => resolve({ data: Buffer.concat(out), trailers: decoder.trailers }));
    for (const piece of pieces) decoder.write(piece);
    decoder.end();
  });
}

/** The body split at the given cut points: the decoder must not care where the network splits it. */
function split(body: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(body.subarray(start, point));
    start = point;
  }
  pieces.push(body.subarray(start));
  return pieces.filter((piece) => piece.length > 0);
}

/** An aws-chunked body as the SDKs write it: chunks, signed when `signed`, the final empty chunk, trailers. */
function encode(chunks: Buffer[], signed: boolean, trailers: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  let previous = SIGNING.seedSignature;
  for (const chunk of [...chunks.filter((c) => c.length > 0), Buffer.alloc(0)]) {
    let extension = '';
    if (signed) {
      previous = chunkSignature(SIGNING, previous, chunk);
      extension = `;chunk-signature=${previous}`;
    }
    parts.push(Buffer.from(`${chunk.length.toString(16)}${extension}\r\n`), chunk);
    if (chunk.length > 0) parts.push(Buffer.from('\r\n'));
  }
  const canonical = trailers.map(([name, value]) => `${name}:${value}\n`).join('');
  for (const [name, value] of trailers) parts.push(Buffer.from(`${name}:${value}\r\n`));
  if (signed && trailers.length > 0) {
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', SIGNING.amzDate, SIGNING.scope, previous, createHash('sha256').update(canonical).digest('hex')].join('\n');
    parts.push(Buffer.from(`x-amz-trailer-signature:${createHmac('sha256', SIGNING.signingKey).update(stringToSign).digest('hex')}\r\n`));
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

const chunks = fc.array(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  { maxLength: 6 },
);
const trailers = fc.uniqueArray(fc.tuple(fc.constantFrom('x-amz-checksum-crc32', 'x-amz-checksum-sha256', 'x-amz-meta-a'), fc.stringMatching(/^[A-Za-z0-9+/=]{1,20}$/)), {
  maxLength: 2,
  selector: ([name]) => name,
});

test('aws-chunked round trip: what the SDKs encode decodes to the same bytes and trailers, however the network splits it', async () => {
  await fc.assert(
    fc.asyncProperty(chunks, fc.boolean(), trailers, fc.array(fc.nat(), { maxLength: 8 }), async (data, signed, trailerList, cuts) => {
      const body = encode(data, signed, trailerList);
      const result = await decode(split(body, cuts), { signing: signed ? SIGNING : undefined, trailer: trailerList.length > 0 });
      assert.ok('data' in result, `decoded without error: ${(result as { error: Error }).error?.message}`);
      assert.ok(result.data.equals(Buffer.concat(data)));
      assert.deepEqual(result.trailers, Object.fromEntries(trailerList));
    }),
    { numRuns: 300 },
  );
});

test('a signed aws-chunked body with any one byte changed is refused with S3ProtocolError (IncompleteBody or SignatureDoesNotMatch)', async () => {
  await fc.assert(
    fc.asyncProperty(chunks, trailers, fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, trailerList, at, flip) => {
      const body = encode(data, true, trailerList);
      const index = at % body.length;
      body[index] = body[index]! ^ flip;
      const result = await decode([body], { signing: SIGNING, trailer: trailerList.length > 0 });
      if ('data' in result) {
        // Only a change that leaves the framing and every signature intact may pass: hex case of a chunk size.
        assert.ok(result.data.equals(Buffer.concat(data)), `a changed body decoded to other data (byte ${index})`);
        return;
      }
      assert.ok(result.error instanceof S3ProtocolError, `only S3ProtocolError: ${(result.error as Error).message}`);
      assert.ok(['IncompleteBody', 'SignatureDoesNotMatch'].includes(result.error.code), result.error.code);
    }),
    { numRuns: 300 },
  );
});

test('any bytes given as an aws-chunked body end in data or an S3ProtocolError, never another error', async () => {
  const framed = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
      fc.constantFrom('\r\n', '0\r\n', '5\r\n', 'ffffffffffffffff\r\n', ';chunk-signature=', 'x-amz-trailer-signature:', ':', '0;a=b=c\r\n\r\n').map((t) => Buffer.from(t)),
    ),
    { maxLength: 12 },
  );
  await fc.assert(
    fc.asyncProperty(framed, fc.boolean(), fc.boolean(), fc.array(fc.nat(), { maxLength: 5 }), async (parts, signed, trailer, cuts) => {
      const result = await decode(split(Buffer.concat(parts), cuts), { signing: signed ? SIGNING : undefined, trailer });
      if ('error' in result) assert.ok(result.error instanceof S3ProtocolError, `only S3ProtocolError: ${(result.error as Error).message}`);
    }),
    { numRuns: 500 },
  );
});

test('large aws-chunked bodies, valid or endless garbage, are decoded or refused in bounded time', async () => {
  const started = performance.now();
  const big = randomBytes(8 * 1024 * 1024);
  const result = await decode(split(encode([big.subarray(0, 4_000_000), big.subarray(4_000_000)], true, []), [1, 65_536, 3_000_000]), { signing: SIGNING, trailer: false });
  assert.ok('data' in result && result.data.equals(big));
  // A line that never ends, fed in small pieces: refused once it passes the line limit, not buffered.
  const garbage = Buffer.alloc(8 * 1024 * 1024, 0x61);
  const refused = await decode(
    split(
      garbage,
      Array.from({ length: 2000 }, (_, i) => i * 4096),
    ),
    { trailer: false },
  );
  assert.ok('error' in refused && refused.error instanceof S3ProtocolError);
  assert.ok(performance.now() - started < 5000, `took ${Math.round(performance.now() - started)} ms`);
});
