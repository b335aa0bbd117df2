import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { signingKey } from '../../../src/server/auth/canonicalRequest.js';
import { AwsChunkedDecoder, type AwsChunkedOptions, chunkSignature } from '../../../src/server/s3/awsChunked.js';

/** The example of the AWS S3 documentation ("Signature calculations for the Authorization header: transferring payload in multiple chunks"). */
const EXAMPLE = {
  amzDate: '20130524T000000Z',
  scope: '20130524/us-east-1/s3/aws4_request',
  signingKey: signingKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', '20130524', 'us-east-1', 's3'),
  seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
};
const EXAMPLE_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];

function signedBody(chunks: Buffer[], signatures: string[]): Buffer {
  const parts: Buffer[] = [];
  [...chunks, Buffer.alloc(0)].forEach((chunk, i) => {
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signatures[i]}\r\n`), chunk, Buffer.from('\r\n'));
  });
  return Buffer.concat(parts);
}

async function decode(body: Buffer, options: AwsChunkedOptions, pieceSize = body.length): Promise<{ data: Buffer; decoder: AwsChunkedDecoder }> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < body.length; i += pieceSize) pieces.push(body.subarray(i, i + pieceSize));
  const decoder = new AwsChunkedDecoder(options);
  const out: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    Readable.from(pieces)
      .pipe(decoder)
      .on('data', (chunk: Buffer) => out.push(chunk))
      .on('end', resolve)
      .on('error', reject);
  });
  return { data: Buffer.concat(out), decoder };
}

describe('aws-chunked decoder', () => {
  const exampleChunks = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')];

  test('chunk signatures of the AWS documentation example verify, whatever the read boundaries', async () => {
    const body = signedBody(exampleChunks, EXAMPLE_SIGNATURES);
    for (const pieceSize of [body.length, 4096, 83, 7, 1]) {
      const { data, decoder } = await decode(body, { signing: EXAMPLE, trailer: false }, pieceSize);
      assert.deepEqual(data, Buffer.concat(exampleChunks));
      assert.equal(decoder.decodedLength, 66560);
    }
    assert.equal(chunkSignature(EXAMPLE, EXAMPLE.seedSignature, exampleChunks[0]), EXAMPLE_SIGNATURES[0]);
  });

  test('a changed chunk, a changed signature, a reordered chunk or a missing signature is refused', async () => {
    const changedData = [Buffer.alloc(65536, 'a'), Buffer.concat([Buffer.alloc(1023, 'a'), Buffer.from('b')])];
    const cases: Buffer[] = [
      signedBody(changedData, EXAMPLE_SIGNATURES),
      signedBody(exampleChunks, [EXAMPLE_SIGNATURES[0], EXAMPLE_SIGNATURES[0], EXAMPLE_SIGNATURES[2]]),
      signedBody([exampleChunks[1], exampleChunks[0]], [EXAMPLE_SIGNATURES[1], EXAMPLE_SIGNATURES[0], EXAMPLE_SIGNATURES[2]]),
    ];
    for (const body of cases) {
      await assert.rejects(decode(body, { signing: EXAMPLE, trailer: false }), { code: 'SignatureDoesNotMatch' });
    }
    const unsigned = Buffer.from('5\r\nhello\r\n0\r\n\r\n');
    await assert.rejects(decode(unsigned, { signing: EXAMPLE, trailer: false }), { code: 'IncompleteBody' });
  });

  test('the final chunk signature is required: a body cut after the data is incomplete', async () => {
    const body = signedBody(exampleChunks, EXAMPLE_SIGNATURES);
    const cut = body.subarray(0, body.length - 90);
    await assert.rejects(decode(cut, { signing: EXAMPLE, trailer: false }), { code: 'IncompleteBody' });
  });

  test('unsigned chunks with a checksum trailer, as the JS SDK sends them', async () => {
    const body = Buffer.from('5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n');
    for (const pieceSize of [body.length, 3, 1]) {
      const { data, decoder } = await decode(body, { trailer: true }, pieceSize);
      assert.equal(data.toString(), 'hello world');
      assert.deepEqual(decoder.trailers, { 'x-amz-checksum-crc32': 'DUoRhQ==' });
    }
  });

  test('signed trailers are checked with x-amz-trailer-signature', async () => {
    const data = Buffer.from('hello world');
    const first = chunkSignature(EXAMPLE, EXAMPLE.seedSignature, data);
    const final = chunkSignature(EXAMPLE, first, Buffer.alloc(0));
    const { createHash, createHmac } = await import('node:crypto');
    const trailer = 'x-amz-checksum-crc32:DUoRhQ==\n';
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', EXAMPLE.amzDate, EXAMPLE.scope, final, createHash('sha256').update(trailer).digest('hex')].join('\n');
    const trailerSignature = createHmac('sha256', EXAMPLE.signingKey).update(stringToSign).digest('hex');
    const body = (signature: string) =>
      Buffer.from(`b;chunk-signature=${first}\r\nhello world\r\n0;chunk-signature=${final}\r\nx-amz-checksum-crc32:DUoRhQ==\r\nx-amz-trailer-signature:${signature}\r\n\r\n`);
    const { decoder } = await decode(body(trailerSignature), { signing: EXAMPLE, trailer: true });
    assert.equal(decoder.trailers['x-amz-checksum-crc32'], 'DUoRhQ==');
    await assert.rejects(decode(body('0'.repeat(64)), { signing: EXAMPLE, trailer: true }), { code: 'SignatureDoesNotMatch' });
  });

  test('malformed framing is refused: bad size, missing CRLF, data after the end, trailers where none may be', async () => {
    for (const text of ['zz\r\nhello\r\n0\r\n\r\n', '5\r\nhelloXX0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\nextra', '5\r\nhello\r\n']) {
      await assert.rejects(decode(Buffer.from(text), { trailer: true }), { code: 'IncompleteBody' }, text);
    }
    await assert.rejects(decode(Buffer.from('0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n'), { trailer: false }), { code: 'IncompleteBody' });
  });
});
