import { Agent } from 'node:https';
import { KMSClient } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { InMemoryRootKey } from '../../src/crypto/inMemoryRootKey.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';
import type { TestVigil } from './vigil.js';

/** A real embedded KMS over a private in-memory store and a fresh root key: two calls, two unrelated KMSs. */
export async function makeTestKms(): Promise<{ kms: EmbeddedKms; close(): Promise<void> }> {
  const store = openSqliteStore(':memory:');
  const kms = await EmbeddedKms.open(store, InMemoryRootKey.generate(), { region: 'us-east-1', accountId: '123456789012' });
  return { kms, close: () => store.close() };
}

/** An SDK KMS client for a test Vigil's KMS API, signed with the root access key (or the given one). */
export function kmsClient(vigil: TestVigil, credentials: { accessKeyId: string; secretAccessKey: string } = vigil.rootAccessKey): KMSClient {
  return new KMSClient({
    region: 'us-east-1',
    endpoint: vigil.endpoint,
    credentials,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: vigil.tls.cert }) }),
  });
}
