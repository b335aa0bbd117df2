import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticated } from '../auth/signedRequest.js';
import type { Services } from '../services.js';
import type { IncomingPayload, PayloadOptions } from './payload.js';

/** One authenticated S3 request, addressed to a bucket and key (either may be absent). */
export interface S3Call {
  request: FastifyRequest;
  reply: FastifyReply;
  services: Services;
  auth: Authenticated;
  bucket?: string;
  key?: string;
  /** Query parameters, percent-decoded; a parameter without "=" has the value "". */
  query: Map<string, string>;
  /** A request header (repeated ones joined with ","). */
  header(name: string): string | undefined;
  /** Opens the body as a checked stream; at most once. */
  payload(maxBytes: number, options?: PayloadOptions): IncomingPayload;
  /** Reads a small body (an XML or JSON document) whole, checked. */
  smallBody(limit?: number, options?: PayloadOptions): Promise<Buffer>;
}

/** An operation handler: answers through call.reply. */
export type S3Handler = (call: S3Call & { bucket: string; key: string }) => Promise<unknown>;
export type S3BucketHandler = (call: S3Call & { bucket: string }) => Promise<unknown>;
export type S3ServiceHandler = (call: S3Call) => Promise<unknown>;
