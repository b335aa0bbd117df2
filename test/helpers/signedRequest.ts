import { request as httpsRequest } from 'node:https';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): Record<string, unknown>;
}

export interface SignedRequestOptions {
  method: string;
  /** Path as sent on the wire, percent-encoded. */
  path: string;
  query?: Record<string, string | string[]>;
  body?: Buffer | string;
  headers?: Record<string, string>;
  service?: string;
  region?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  signingDate?: Date;
  /** Send x-amz-content-sha256 as the JS SDK does (default), or leave it out as the AWS CLI does. */
  contentSha256Header?: boolean;
  /** Host header to sign and send instead of the endpoint's (virtual-host style); TLS still checks "localhost". */
  host?: string;
  /** Changes the signed request before it is sent: the tampering under test. */
  tamper?(request: { method: string; path: string; query: string; headers: Record<string, string>; body: Buffer }): void;
}

/** Signs a request with the SDK's own SigV4 signer, optionally tampers with it, and sends it over HTTPS. */
export async function sendSigned(endpoint: string, ca: string, options: SignedRequestOptions): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const signer = new SignatureV4({
    service: options.service ?? 'lookoutvision',
    region: options.region ?? 'us-east-1',
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: (options.service ?? 'lookoutvision') !== 's3',
    applyChecksum: options.contentSha256Header ?? true,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: options.method,
      protocol: 'https:',
      hostname: url.hostname,
      port: Number(url.port),
      path: options.path,
      query: options.query ?? {},
      headers: { host: options.host ?? url.host, ...(body.length ? { 'content-length': String(body.length) } : {}), ...options.headers },
      body,
    }),
    { signingDate: options.signingDate },
  );
  const wire = {
    method: options.method,
    path: options.path,
    query: encodeQuery(options.query ?? {}),
    headers: { ...(signed.headers as Record<string, string>) },
    body,
  };
  options.tamper?.(wire);
  // A tampered body keeps a valid HTTP framing: only the signature may be what is wrong.
  if (wire.body.length) wire.headers['content-length'] = String(wire.body.length);
  return sendRaw(endpoint, ca, { ...wire, servername: options.host ? 'localhost' : undefined });
}

export function sendRaw(
  endpoint: string,
  ca: string,
  wire: { method: string; path: string; query?: string; headers: Record<string, string>; body?: Buffer; servername?: string },
): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: Number(url.port),
        method: wire.method,
        path: wire.path + (wire.query ? `?${wire.query}` : ''),
        headers: wire.headers,
        ca,
        servername: wire.servername,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(wire.body?.length ? wire.body : undefined);
  });
}

function encodeQuery(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(v)}`);
  }
  return parts.join('&');
}
