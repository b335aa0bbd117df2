import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { BucketError } from '../../service/bucketErrors.js';
import type { ChecksumAlgorithm, ObjectChecksums } from '../../store/bucketRecords.js';
import type { Authenticated } from '../auth/signedRequest.js';
import { AwsChunkedDecoder } from './awsChunked.js';
import { CHECKSUM_BYTES, CHECKSUM_HEADERS, type Checksummer, checksumAlgorithmOfHeader, createChecksummer } from './checksums.js';
import { S3ProtocolError } from './errors.js';

/** A request body on its way in: decoded (aws-chunked), checked while it streams. */
export interface IncomingPayload {
  /**
   * The body's bytes. The stream fails instead of ending when any check fails (payload hash,
   * chunk signatures, Content-MD5, x-amz-checksum-* header or trailer, declared length): a
   * consumer that commits only on a clean end stores nothing from a bad body.
   */
  stream: Readable;
  /** The checksums that were given and verified; valid after the stream has ended. */
  checksums(): ObjectChecksums;
}

type Headers = Record<string, string | string[] | undefined>;

export interface PayloadOptions {
  /** The x-amz-checksum-* headers are the object's (CompleteMultipartUpload), not the body's: not checked against it. */
  checksumHeadersOfObject?: boolean;
}

/**
 * Opens a request's body according to its x-amz-content-sha256 (hex hash, UNSIGNED-PAYLOAD,
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) and integrity
 * headers. maxBytes bounds the decoded size (EntityTooLarge).
 */
export function openPayload(raw: IncomingMessage, auth: Authenticated, maxBytes: number, options: PayloadOptions = {}): IncomingPayload {
  const headers = raw.headers as Headers;
  const payloadHash = auth.payloadHash;
  const streaming = payloadHash.startsWith('STREAMING-');
  if (streaming && !/^STREAMING-(UNSIGNED-PAYLOAD-TRAILER|AWS4-HMAC-SHA256-PAYLOAD(-TRAILER)?)$/.test(payloadHash)) {
    throw new S3ProtocolError('NotImplemented', `The payload signing method ${payloadHash} is not supported.`);
  }
  const declared = header(headers, streaming ? 'x-amz-decoded-content-length' : 'content-length');
  if (declared !== undefined && !/^\d{1,15}$/.test(declared)) throw new BucketError('InvalidArgument', 'The declared content length is invalid.');
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw new BucketError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${maxBytes} bytes.`, undefined, {
      MaxSizeAllowed: String(maxBytes),
    });
  }
  if (streaming && header(headers, 'content-length') === undefined && header(headers, 'transfer-encoding') === undefined) {
    throw new S3ProtocolError('MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }

  const trailerNames = (header(headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (trailerNames.length && !payloadHash.endsWith('-TRAILER')) {
    throw new BucketError('InvalidRequest', 'x-amz-trailer is only valid with a STREAMING-*-TRAILER payload.');
  }
  const expectations: Expectation[] = [];
  for (const name of trailerNames) {
    const algorithm = checksumAlgorithmOfHeader(name);
    if (!algorithm) throw new S3ProtocolError('NotImplemented', `The trailer ${name} is not supported.`);
    expectations.push({ algorithm, source: 'trailer' });
  }
  for (const algorithm of options.checksumHeadersOfObject ? [] : (Object.keys(CHECKSUM_HEADERS) as ChecksumAlgorithm[])) {
    const value = header(headers, CHECKSUM_HEADERS[algorithm]);
    if (value !== undefined && !expectations.some((e) => e.algorithm === algorithm)) expectations.push({ algorithm, source: 'header', value });
  }
  if (expectations.length > 1) throw new BucketError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum types are not allowed.');
  for (const e of expectations) if (e.value !== undefined) checkChecksumShape(e.algorithm, e.value);

  const contentMd5 = header(headers, 'content-md5');
  let md5: Buffer | undefined;
  if (contentMd5 !== undefined) {
    md5 = Buffer.from(contentMd5, 'base64');
    if (md5.length !== 16 || md5.toString('base64') !== contentMd5.trim()) throw new BucketError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
  }

  const decoder = streaming ? new AwsChunkedDecoder({ signing: auth.chunkSigning, trailer: payloadHash.endsWith('-TRAILER') }) : undefined;
  const verifier = new PayloadVerifier({
    sha256: /^[0-9a-f]{64}$/.test(payloadHash) ? payloadHash : undefined,
    md5,
    expectations,
    length: declared === undefined ? undefined : Number(declared),
    maxBytes,
    trailers: () => decoder?.trailers ?? {},
  });
  const first = decoder ?? verifier;
  const stream = decoder ? pipeline(decoder, verifier, () => undefined) : verifier;
  raw.on('error', (error) => first.destroy(error));
  raw.on('close', () => {
    if (!raw.complete) first.destroy(new S3ProtocolError('IncompleteBody', 'The client closed the connection before the body was complete.'));
  });
  raw.pipe(first);
  // A failed check stops reading into the pipeline; the rest of the body is drained so the answer can be sent.
  stream.on('error', () => {
    raw.unpipe(first);
    raw.resume();
  });
  return { stream, checksums: () => verifier.verified };
}

/** Reads a small body (XML documents) whole, with the same checks; larger than limit → MalformedXML-sized error. */
export async function readPayload(payload: IncomingPayload, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of payload.stream) {
    length += (chunk as Buffer).length;
    if (length > limit) {
      payload.stream.destroy();
      throw new BucketError('InvalidRequest', `The request body is larger than the ${limit} bytes this operation accepts.`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

interface Expectation {
  algorithm: ChecksumAlgorithm;
  source: 'header' | 'trailer';
  value?: string;
}

function checkChecksumShape(algorithm: ChecksumAlgorithm, value: string): void {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== CHECKSUM_BYTES[algorithm] || bytes.toString('base64') !== value) {
    throw new BucketError('InvalidRequest', `Value for ${CHECKSUM_HEADERS[algorithm]} header is invalid.`);
  }
}

/** Hashes the decoded bytes as they pass and compares everything at the end. */
class PayloadVerifier extends Transform {
  verified: ObjectChecksums = {};
  private length = 0;
  private readonly sha256: Hash | undefined;
  private readonly md5: Hash | undefined;
  private readonly checksummers: [Expectation, Checksummer][];

  constructor(
    private readonly expected: {
      sha256?: string;
      md5?: Buffer;
      expectations: Expectation[];
      length?: number;
      maxBytes: number;
      trailers(): Record<string, string>;
    },
  ) {
    super();
    this.sha256 = expected.sha256 ? createHash('sha256') : undefined;
    this.md5 = expected.md5 ? createHash('md5') : undefined;
    this.checksummers = expected.expectations.map((e) => [e, createChecksummer(e.algorithm)]);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.length += chunk.length;
    if (this.length > this.expected.maxBytes) {
      callback(new BucketError('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size of ${this.expected.maxBytes} bytes.`));
      return;
    }
    this.sha256?.update(chunk);
    this.md5?.update(chunk);
    for (const [, checksummer] of this.checksummers) checksummer.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.check();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private check(): void {
    if (this.expected.length !== undefined && this.length !== this.expected.length) {
      throw new S3ProtocolError('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    }
    if (this.sha256 && this.sha256.digest('hex') !== this.expected.sha256) {
      throw new BucketError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    if (this.md5 && !this.md5.digest().equals(this.expected.md5!)) {
      throw new BucketError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    const trailers = this.expected.trailers();
    for (const [expectation, checksummer] of this.checksummers) {
      const name = CHECKSUM_HEADERS[expectation.algorithm];
      const given = expectation.source === 'trailer' ? trailers[name] : expectation.value;
      if (given === undefined) throw new BucketError('InvalidRequest', `The trailer ${name} announced in x-amz-trailer was not sent.`);
      checkChecksumShape(expectation.algorithm, given);
      const actual = checksummer.digestBase64();
      if (actual !== given) {
        throw new BucketError('BadDigest', `The ${expectation.algorithm} you specified did not match the calculated checksum.`);
      }
      this.verified[expectation.algorithm] = actual;
    }
  }
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
