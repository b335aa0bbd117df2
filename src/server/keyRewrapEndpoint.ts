import type { FastifyInstance } from 'fastify';
import { KmsError } from '../crypto/kmsErrors.js';
import { verifySigV4 } from './auth/sigv4.js';
import { sendKmsError } from './kms/plugin.js';
import { receivedRequest } from './receivedRequest.js';
import type { Services } from './services.js';

/** Where `vigil keys rewrap` asks the server to rewrap data keys; "_" keeps it off every bucket path. */
export const KEY_REWRAP_PATH = '/_vigil/keys/rewrap';
/** A run over a large store may fail for many objects; the answer names this many of them. */
const FAILED_KEYS_REPORTED = 100;

/**
 * `POST /_vigil/keys/rewrap` with `{"KeyId": "..."}`, signed with SigV4 for the "kms" service like any
 * KMS call; answers what the run did. Errors have the KMS JSON shape. The run is synchronous: it
 * rewrites one header per object under the key, which takes about as long as copying them.
 */
export async function keyRewrapEndpoint(app: FastifyInstance, options: { services: Services }): Promise<void> {
  const { services } = options;
  app.setErrorHandler((error, _request, reply) => sendKmsError(reply, error));
  app.post(KEY_REWRAP_PATH, { bodyLimit: 64 * 1024 }, async (request, reply) => {
    await verifySigV4(receivedRequest(request), { service: 'kms', secretFor: (id) => services.accessKeys.secretFor(id) });
    let keyId: unknown;
    try {
      keyId = (JSON.parse(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '') as { KeyId?: unknown }).KeyId;
    } catch {
      throw new KmsError('ValidationException', 'The request body is not valid JSON.');
    }
    if (typeof keyId !== 'string' || keyId.length < 1 || keyId.length > 2048) throw new KmsError('ValidationException', 'KeyId must be a key id, key ARN, alias name or alias ARN.');
    const report = await services.keyRewrap.run(keyId);
    reply.header('content-type', 'application/json');
    return JSON.stringify({
      KeyArn: report.keyArn,
      ObjectsExamined: report.examined,
      DataKeysRewrapped: report.rewrapped,
      ObjectsInFormat1: report.formatOne,
      Failed: report.failed.length,
      FailedObjects: report.failed.slice(0, FAILED_KEYS_REPORTED),
    });
  });
}
