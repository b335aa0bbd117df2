import { request as httpsRequest } from 'node:https';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { type ConfigInput, loadConfig } from '../config.js';
import { KEY_REWRAP_PATH } from '../server/keyRewrapEndpoint.js';
import { type ApiConnection, apiConnection, type ConnectionOptions } from './apiClients.js';

/** The server's answer to one rewrap batch (see server/keyRewrapEndpoint.ts), or the sum of all of them. */
export interface RewrapAnswer {
  KeyArn: string;
  ObjectsExamined: number;
  DataKeysRewrapped: number;
  ObjectsInFormat1: number;
  Failed: number;
  FailedObjects: string[];
  NextStartAfter?: string;
}

export interface RewrapOptions extends ConnectionOptions {
  /** Objects per request (the server's MaxObjects). */
  batchSize?: number;
  /** Resume after this object, as a run that stopped printed it. */
  startAfter?: string;
  /** Called after each batch with the totals so far. */
  onProgress?(totals: RewrapAnswer): void;
}

/** Failed objects named in the final answer; the server names at most 100 per batch. */
const FAILED_KEYS_KEPT = 100;

/**
 * `vigil keys rewrap KEY`: asks the running Vigil, batch after batch, to wrap every stored data key
 * under KEY again under the key's newest version, and adds up what it did. Signed like a KMS call with
 * the same credentials the other commands use. A failed request stops the run with an error that says
 * where to resume.
 */
export async function rewrapKey(flags: ConfigInput & { config?: string }, keyId: string, options: RewrapOptions): Promise<RewrapAnswer> {
  const config = loadConfig(flags);
  const connection = await apiConnection(config, options);
  let totals: RewrapAnswer | undefined;
  let startAfter = options.startAfter;
  do {
    let batch: RewrapAnswer;
    try {
      batch = await postRewrap(connection, config.region, { KeyId: keyId, StartAfter: startAfter, MaxObjects: options.batchSize });
    } catch (error) {
      if (totals === undefined) throw error;
      throw new Error(`${(error as Error).message} (resume with --start-after ${JSON.stringify(startAfter)})`);
    }
    totals = {
      KeyArn: batch.KeyArn,
      ObjectsExamined: (totals?.ObjectsExamined ?? 0) + batch.ObjectsExamined,
      DataKeysRewrapped: (totals?.DataKeysRewrapped ?? 0) + batch.DataKeysRewrapped,
      ObjectsInFormat1: (totals?.ObjectsInFormat1 ?? 0) + batch.ObjectsInFormat1,
      Failed: (totals?.Failed ?? 0) + batch.Failed,
      FailedObjects: [...(totals?.FailedObjects ?? []), ...batch.FailedObjects].slice(0, FAILED_KEYS_KEPT),
    };
    startAfter = batch.NextStartAfter;
    if (startAfter !== undefined) options.onProgress?.(totals);
  } while (startAfter !== undefined);
  return totals;
}

/** One signed POST of the rewrap endpoint; the KMS-style error becomes an Error "Type: message". */
async function postRewrap(connection: ApiConnection, region: string, request: { KeyId: string; StartAfter?: string; MaxObjects?: number }): Promise<RewrapAnswer> {
  const url = new URL(connection.endpoint);
  const body = JSON.stringify(request);
  const signer = new SignatureV4({ service: 'kms', region, credentials: connection.credentials, sha256: Hash.bind(null, 'sha256') });
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
    const sent = httpsRequest({ method: 'POST', hostname: url.hostname, port: signed.port, path: KEY_REWRAP_PATH, headers: signed.headers, ca: connection.ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(body);
  });
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${connection.endpoint} answered HTTP ${status} without a JSON body`);
  }
  if (status !== 200) throw new Error(`${String(answer.__type ?? `HTTP ${status}`)}: ${String(answer.message ?? '')}`);
  return answer as unknown as RewrapAnswer;
}
