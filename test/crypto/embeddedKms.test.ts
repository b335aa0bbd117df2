import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { InMemoryRootKey } from '../../src/crypto/inMemoryRootKey.js';
import { KmsError } from '../../src/crypto/kmsErrors.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';
import { makeTestKms } from '../helpers/kms.js';

const context = { project: 'p1', dataset: 'train', object: 'images/1' };

async function rejectsWith(promise: Promise<unknown>, name: string, message?: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof KmsError, `expected KmsError, got ${String(error)}`);
    assert.equal(error.name, name);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('embedded KMS', () => {
  test('a data key round-trips under the default key and names the key ARN', async () => {
    const { kms, close } = await makeTestKms();
    const generated = await kms.generateDataKey(undefined, context);
    assert.equal(generated.plaintext.length, 32);
    assert.equal(generated.keyId, kms.defaultKeyId);
    assert.match(kms.defaultKeyId, /^arn:aws:kms:us-east-1:123456789012:key\/[0-9a-f-]{36}$/);
    const decrypted = await kms.decryptDataKey(generated.ciphertextBlob, { ...context });
    assert.deepEqual(decrypted.plaintext, generated.plaintext);
    assert.equal(decrypted.keyId, kms.defaultKeyId);
    // Context order does not matter; content does.
    const reordered = Object.fromEntries(Object.entries(context).reverse());
    assert.deepEqual((await kms.decryptDataKey(generated.ciphertextBlob, reordered)).plaintext, generated.plaintext);
    await close();
  });

  test('a different context, a changed blob or another installation cannot decrypt', async () => {
    const { kms, close } = await makeTestKms();
    const { ciphertextBlob } = await kms.generateDataKey(undefined, context);
    const others: Record<string, string>[] = [{ ...context, object: 'images/2' }, { ...context, extra: '' }, { project: 'p1', dataset: 'train' }, {}];
    for (const other of others) {
      await rejectsWith(kms.decryptDataKey(ciphertextBlob, other), 'InvalidCiphertextException');
    }
    for (let byte = 0; byte < ciphertextBlob.length; byte++) {
      const changed = Buffer.from(ciphertextBlob);
      changed[byte] ^= 0x01;
      await assert.rejects(kms.decryptDataKey(changed, context), KmsError);
    }
    await rejectsWith(kms.decryptDataKey(ciphertextBlob.subarray(0, 30), context), 'InvalidCiphertextException');
    const other = await makeTestKms();
    await assert.rejects(other.kms.decryptDataKey(ciphertextBlob, context), KmsError);
    await Promise.all([close(), other.close()]);
  });

  test('rotation adds key material; ciphertexts under old versions still decrypt', async () => {
    const { kms, close } = await makeTestKms();
    const key = await kms.createKey({ description: 'line 3 camera' });
    assert.equal(key.keyManager, 'CUSTOMER');
    const before = await kms.generateDataKey(key.arn, context);
    assert.equal(await kms.rotateKey(key.keyId), 2);
    assert.equal(await kms.rotateKey(key.arn), 3);
    const afterRotation = await kms.generateDataKey(key.keyId, context);
    assert.notDeepEqual(before.ciphertextBlob.subarray(17, 21), afterRotation.ciphertextBlob.subarray(17, 21));
    assert.deepEqual((await kms.decryptDataKey(before.ciphertextBlob, context)).plaintext, before.plaintext);
    assert.deepEqual((await kms.decryptDataKey(afterRotation.ciphertextBlob, context)).plaintext, afterRotation.plaintext);
    assert.equal((await kms.describeKey(key.arn)).currentVersion, 3);
    await close();
  });

  test('a disabled key neither encrypts nor decrypts until enabled again', async () => {
    const { kms, close } = await makeTestKms();
    const key = await kms.createKey({});
    const { ciphertextBlob, plaintext } = await kms.generateDataKey(key.keyId, context);
    await kms.disableKey(key.keyId);
    await rejectsWith(kms.generateDataKey(key.keyId, context), 'DisabledException');
    await rejectsWith(kms.decryptDataKey(ciphertextBlob, context), 'DisabledException');
    await kms.enableKey(key.arn);
    assert.deepEqual((await kms.decryptDataKey(ciphertextBlob, context)).plaintext, plaintext);
    await close();
  });

  test('deletion waits its window, can be cancelled, and then destroys the key for good', async () => {
    const { kms, close } = await makeTestKms();
    const key = await kms.createKey({});
    const { ciphertextBlob } = await kms.generateDataKey(key.keyId, context);
    for (const days of [6, 31, 7.5]) await rejectsWith(kms.scheduleKeyDeletion(key.keyId, days), 'ValidationException');
    await rejectsWith(kms.scheduleKeyDeletion(kms.defaultKeyId, 7), 'AccessDeniedException');
    await rejectsWith(kms.disableKey(kms.defaultKeyId), 'AccessDeniedException');

    const now = new Date('2026-01-01T00:00:00Z');
    const deletionDate = await kms.scheduleKeyDeletion(key.keyId, 7, now);
    assert.equal(deletionDate.toISOString(), '2026-01-08T00:00:00.000Z');
    await rejectsWith(kms.decryptDataKey(ciphertextBlob, context), 'KMSInvalidStateException');
    await rejectsWith(kms.enableKey(key.keyId), 'KMSInvalidStateException');
    await kms.cancelKeyDeletion(key.keyId);
    assert.equal((await kms.describeKey(key.keyId)).state, 'Disabled');
    await kms.enableKey(key.keyId);
    await kms.decryptDataKey(ciphertextBlob, context);

    await kms.scheduleKeyDeletion(key.keyId, 7, now);
    assert.deepEqual(await kms.destroyDueKeys(new Date('2026-01-07T23:59:59Z')), []);
    assert.deepEqual(await kms.destroyDueKeys(new Date('2026-01-08T00:00:00Z')), [key.keyId]);
    await rejectsWith(kms.describeKey(key.keyId), 'NotFoundException');
    await rejectsWith(kms.decryptDataKey(ciphertextBlob, context), 'NotFoundException');
    await close();
  });

  test('unknown keys and malformed ids are NotFoundException; Encrypt is limited to 4096 bytes', async () => {
    const { kms, close } = await makeTestKms();
    await rejectsWith(kms.generateDataKey('00000000-0000-0000-0000-000000000000', context), 'NotFoundException');
    await rejectsWith(kms.generateDataKey('not-a-key', context), 'NotFoundException');
    await rejectsWith(kms.encrypt(undefined, Buffer.alloc(4097), context), 'ValidationException');
    await rejectsWith(kms.encrypt(undefined, Buffer.alloc(0), context), 'ValidationException');
    await close();
  });

  test('key material is stored sealed: the database file never holds it, and a reopened KMS with the same root key decrypts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-kms-'));
    const path = join(dir, 'metadata.db');
    const rootKey = InMemoryRootKey.generate();
    const options = { region: 'eu-west-1', accountId: '111122223333' };
    let store = openSqliteStore(path);
    const kms = await EmbeddedKms.open(store, rootKey, options);
    const { ciphertextBlob, plaintext } = await kms.generateDataKey(undefined, context);
    // The material of version 1, as the KMS holds it in memory, must not appear on disk.
    const material = (kms as unknown as { material: Map<string, Buffer> }).material.values().next().value as Buffer;
    await store.close();
    for (const file of ['metadata.db', 'metadata.db-wal']) {
      const bytes = await readFile(join(dir, file)).catch(() => Buffer.alloc(0));
      assert.equal(bytes.indexOf(material), -1, `${file} holds key material in the clear`);
      assert.equal(bytes.indexOf(plaintext), -1, `${file} holds a data key`);
    }
    store = openSqliteStore(path);
    const reopened = await EmbeddedKms.open(store, rootKey, options);
    assert.equal(reopened.defaultKeyId, kms.defaultKeyId);
    assert.deepEqual((await reopened.decryptDataKey(ciphertextBlob, context)).plaintext, plaintext);
    const wrongRoot = await EmbeddedKms.open(store, InMemoryRootKey.generate(), options);
    await assert.rejects(wrongRoot.decryptDataKey(ciphertextBlob, context), /cannot be opened with this root key/);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
});
