import type { FastifyInstance } from 'fastify';
import { KmsError } from '../crypto/kmsErrors.js';
import { kmsRequestBody, sendKmsError } from './kms/plugin.js';
import type { Services } from './services.js';

/** Where `vigil keys rewrap` asks the server to rewrap data keys; "_" keeps it off every bucket path. */
export const KEY_REWRAP_PATH = '/_vigil/keys/rewrap';
/** A batch that fails for many objects names this many of them. */
const FAILED_KEYS_REPORTED = 100;
/** Objects per request: enough to amortise the listing, few enough that a request stays short. */
const DEFAULT_BATCH = 1000;
const MAX_BATCH = 10_000;

/**
 * `POST /_vigil/keys/rewrap` with `{"KeyId", "StartAfter"?, "MaxObjects"?}`, signed with SigV4 for the
 * "kms" service like any KMS call. It rewraps the next MaxObjects stored objects (default 1000) after
 * StartAfter in key order and answers what it did, with `NextStartAfter` while objects remain; the
 * caller repeats with it. Errors have the KMS JSON shape.
 */
export async function keyRewrapEndpoint(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.setErrorHandler((error, _request, reply) => sendKmsError(reply, error));
  app.post(KEY_REWRAP_PATH, { bodyLimit: 64 * 1024, config: { auth: { service: 'kms', payload: 'body' } } }, async (request, reply) => {
    const { KeyId: keyId, StartAfter: startAfter, MaxObjects: maxObjects = DEFAULT_BATCH } = kmsRequestBody(request.body);
    if (typeof keyId !== 'string' || keyId.length < 1 || keyId.length > 2048) throw new KmsError('ValidationException', 'KeyId must be a key id, key ARN, alias name or alias ARN.');
    if (startAfter !== undefined && (typeof startAfter !== 'string' || startAfter.length > 1024))
      throw new KmsError('ValidationException', 'StartAfter must be the NextStartAfter of an earlier answer.');
    if (!Number.isInteger(maxObjects) || (maxObjects as number) < 1 || (maxObjects as number) > MAX_BATCH)
      throw new KmsError('ValidationException', `MaxObjects must be an integer from 1 to ${MAX_BATCH}.`);
    const report = await services.keyRewrap.run(keyId, { startAfter, maxObjects: maxObjects as number });
    reply.header('content-type', 'application/json');
    return JSON.stringify({
      KeyArn: report.keyArn,
      ObjectsExamined: report.examined,
      DataKeysRewrapped: report.rewrapped,
      ObjectsInFormat1: report.formatOne,
      Failed: report.failed.length,
      FailedObjects: report.failed.slice(0, FAILED_KEYS_REPORTED),
      ...(report.nextStartAfter === undefined ? {} : { NextStartAfter: report.nextStartAfter }),
    });
  });
}
