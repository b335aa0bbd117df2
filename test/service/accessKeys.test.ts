import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemoryRootKey } from '../../src/crypto/inMemoryRootKey.js';
import type { RootKey } from '../../src/crypto/rootKey.js';
import { AccessKeys } from '../../src/service/accessKeys.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';

/** A root key that counts its unseals (as a PKCS#11 token would count calls). */
function countingRootKey(): RootKey & { unseals: number } {
  const inner = InMemoryRootKey.generate('test root key');
  return {
    format: inner.format,
    description: inner.description,
    unseals: 0,
    seal: (plaintext, purpose) => inner.seal(plaintext, purpose),
    unseal(sealed, purpose) {
      this.unseals += 1;
      return inner.unseal(sealed, purpose);
    },
    close: () => inner.close(),
  };
}

test('an access key secret is unsealed once, while the key record is read on every call', async () => {
  const store = openSqliteStore(':memory:');
  try {
    const rootKey = countingRootKey();
    const keys = new AccessKeys(store, rootKey);
    const { accessKeyId, secretAccessKey } = await keys.create('line 3 camera');
    for (let i = 0; i < 5; i++) assert.equal(await keys.secretFor(accessKeyId), secretAccessKey);
    assert.equal(rootKey.unseals, 1);
    assert.equal(await keys.secretFor('VKIAUNKNOWNKEY000000'), undefined);

    const second = await keys.create('line 4 camera');
    assert.equal(await keys.secretFor(second.accessKeyId), second.secretAccessKey);
    assert.equal(await keys.secretFor(accessKeyId), secretAccessKey);
    assert.equal(rootKey.unseals, 2);
  } finally {
    await store.close();
  }
});
