import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpsRequest } from 'node:https';
import { loadConfig, type ConfigInput } from '../config.js';
import { KEY_REWRAP_PATH } from '../server/keyRewrapEndpoint.js';
import { apiConnection, type ConnectionOptions } from './apiClients.js';

/** The server's answer to a rewrap (see server/keyRewrapEndpoint.ts). */
export interface RewrapAnswer {
  KeyArn: string;
  ObjectsExamined: number;
  DataKeysRewrapped: number;
  ObjectsInFormat1: number;
  Failed: number;
  FailedObjects: string[];
}

/**
 * `vigil keys rewrap KEY`: asks the running Vigil to wrap every stored data key under KEY again under
 * the key's newest version. Signed like a KMS call with the same credentials the other commands use.
 */
export async function rewrapKey(flags: ConfigInput & { config?: string }, keyId: string, options: ConnectionOptions): Promise<RewrapAnswer> {
  const config = loadConfig(flags);
  const { endpoint, ca, credentials } = await apiConnection(config, options);
  const url = new URL(endpoint);
  const body = JSON.stringify({ KeyId: keyId });
  const signer = new SignatureV4({ service: 'kms', region: config.region, credentials, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'https:',
      hostname: url.hostname,
      port: Number(url.port) || 443,
      path: KEY_REWRAP_PATH,
      headers: { host: url.host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    }),
  );
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const request = httpsRequest(
      { method: 'POST', hostname: url.hostname, port: signed.port, path: KEY_REWRAP_PATH, headers: signed.headers, ca },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${endpoint} answered HTTP ${status} without a JSON body`);
  }
  if (status !== 200) throw new Error(`${String(answer.__type ?? `HTTP ${status}`)}: ${String(answer.message ?? '')}`);
  return answer as unknown as RewrapAnswer;
}
