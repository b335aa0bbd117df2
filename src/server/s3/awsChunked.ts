import { createHash, createHmac, type Hash, timingSafeEqual } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ChunkSigning } from '../auth/signedRequest.js';
import { S3ProtocolError } from './errors.js';

/**
 * Decoder of aws-chunked request bodies (Content-Encoding: aws-chunked), as the SDKs send them:
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n[<trailer>:<value>\r\n...]\r\n
 *
 * It passes the data through and keeps the trailers. With `signing` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD
 * and its -TRAILER form) every chunk signature is checked as the chunk ends, chained from the
 * request's seed signature, and so is x-amz-trailer-signature. Data of a chunk is passed on before
 * its signature is checked: callers commit nothing until the stream has ended without error.
 */
export interface AwsChunkedOptions {
  signing?: ChunkSigning;
  /** Whether the body ends with trailers (…-TRAILER payloads); then signed trailers carry a signature. */
  trailer: boolean;
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');
const MAX_LINE = 4096;
const MAX_TRAILER_BYTES = 16 * 1024;
const CHUNK_HEADER = /^([0-9a-fA-F]{1,16})((?:;[^;\s=]+=[^;\s]*)*)$/;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  /** Trailer values by lower-case name, complete once the stream has ended. */
  readonly trailers: Record<string, string> = {};
  /** Bytes of decoded data so far. */
  decodedLength = 0;

  private state: State = 'size';
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private previousSignature: string;
  private trailerBytes = 0;
  private trailerSignature: string | undefined;
  private readonly trailerCanonical: string[] = [];

  constructor(private readonly options: AwsChunkedOptions) {
    super();
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      // Tolerated: a body without trailers that ends right after the final chunk's line.
      if (this.state === 'trailer' && !this.options.trailer && this.trailerBytes === 0 && this.pending.length === 0) this.finishTrailers();
    } catch (error) {
      callback(error as Error);
      return;
    }
    callback(this.state === 'done' ? undefined : incomplete('The request body ended inside an aws-chunked frame.'));
  }

  private consume(input: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, input]) : input;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, data.length);
        const piece = data.subarray(0, take);
        this.chunkHash?.update(piece);
        this.decodedLength += take;
        this.push(piece);
        this.remaining -= take;
        data = data.subarray(take);
        if (this.remaining === 0) this.endChunk(false);
        continue;
      }
      if (this.state === 'data-end') {
        if (data.length < 2) break;
        if (data[0] !== 0x0d || data[1] !== 0x0a) throw incomplete('An aws-chunked chunk was not followed by CRLF.');
        data = data.subarray(2);
        this.state = 'size';
        continue;
      }
      if (this.state === 'done') {
        throw incomplete('Data follows the end of the aws-chunked body.');
      }
      const lineEnd = data.indexOf('\r\n');
      if (lineEnd < 0) {
        if (data.length > MAX_LINE) throw incomplete('An aws-chunked line is too long.');
        break;
      }
      const line = data.subarray(0, lineEnd).toString('latin1');
      data = data.subarray(lineEnd + 2);
      if (this.state === 'size') this.startChunk(line);
      else this.trailerLine(line);
    }
    this.pending = Buffer.from(data);
  }

  private startChunk(line: string): void {
    const match = CHUNK_HEADER.exec(line);
    if (!match) throw incomplete('An aws-chunked chunk header is malformed.');
    const size = parseInt(match[1], 16);
    const extensions = new Map(
      match[2]
        .split(';')
        .filter(Boolean)
        .map((part) => part.split('=') as [string, string]),
    );
    if (this.options.signing) {
      const signature = extensions.get('chunk-signature');
      if (!signature || !/^[0-9a-f]{64}$/.test(signature)) throw incomplete('An aws-chunked chunk has no chunk-signature.');
      this.chunkSignature = signature;
      this.chunkHash = createHash('sha256');
    }
    if (size === 0) {
      this.endChunk(true);
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  /** Checks the chunk's signature; the final (empty) chunk leads to the trailers or the end. */
  private endChunk(final: boolean): void {
    const signing = this.options.signing;
    if (signing) {
      const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, this.previousSignature, EMPTY_SHA256, this.chunkHash!.digest('hex')].join('\n');
      this.checkSignature(stringToSign, this.chunkSignature, 'chunk');
      this.previousSignature = this.chunkSignature;
    }
    this.state = final ? 'trailer' : 'data-end';
  }

  private trailerLine(line: string): void {
    this.trailerBytes += line.length + 2;
    if (this.trailerBytes > MAX_TRAILER_BYTES) throw incomplete('The aws-chunked trailer is too large.');
    if (line === '') {
      this.finishTrailers();
      return;
    }
    if (!this.options.trailer) throw incomplete('This aws-chunked body may not carry trailers.');
    const colon = line.indexOf(':');
    if (colon <= 0) throw incomplete('An aws-chunked trailer line is malformed.');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value;
      return;
    }
    if (this.trailerSignature !== undefined) throw incomplete('A trailer follows x-amz-trailer-signature.');
    this.trailers[name] = value;
    this.trailerCanonical.push(`${name}:${value}\n`);
  }

  private finishTrailers(): void {
    const signing = this.options.signing;
    if (signing && this.options.trailer) {
      if (this.trailerSignature === undefined || !/^[0-9a-f]{64}$/.test(this.trailerSignature)) {
        throw incomplete('A signed aws-chunked body must end with x-amz-trailer-signature.');
      }
      const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', signing.amzDate, signing.scope, this.previousSignature, createHash('sha256').update(this.trailerCanonical.join('')).digest('hex')].join('\n');
      this.checkSignature(stringToSign, this.trailerSignature, 'trailer');
    }
    this.state = 'done';
  }

  private checkSignature(stringToSign: string, given: string, what: string): void {
    const expected = createHmac('sha256', this.options.signing!.signingKey).update(stringToSign, 'utf8').digest();
    if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) {
      throw new S3ProtocolError('SignatureDoesNotMatch', `The ${what} signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.`);
    }
  }
}

function incomplete(message: string): S3ProtocolError {
  return new S3ProtocolError('IncompleteBody', message);
}

/** Signs a chunk the way clients do; exported for tests and tools that produce signed aws-chunked bodies. */
export function chunkSignature(signing: Omit<ChunkSigning, 'seedSignature'>, previousSignature: string, data: Buffer): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, previousSignature, EMPTY_SHA256, createHash('sha256').update(data).digest('hex')].join('\n');
  return createHmac('sha256', signing.signingKey).update(stringToSign, 'utf8').digest('hex');
}
