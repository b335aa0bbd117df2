import { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { InMemoryRootKey } from '../../src/crypto/inMemoryRootKey.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';

/** A real embedded KMS over a private in-memory store and a fresh root key: two calls, two unrelated KMSs. */
export async function makeTestKms(): Promise<{ kms: EmbeddedKms; close(): Promise<void> }> {
  const store = openSqliteStore(':memory:');
  const kms = await EmbeddedKms.open(store, InMemoryRootKey.generate(), { region: 'us-east-1', accountId: '123456789012' });
  return { kms, close: () => store.close() };
}
