import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EmbeddedKms } from '../../src/crypto/embeddedKms.js';
import { KMS_OPERATIONS } from '../../src/server/kms/operations.js';

/** A KMS that answers every call; only the schemas are under test. */
const kms = new Proxy({}, { get: () => async () => ({ keyId: 'k', ciphertextBlob: Buffer.alloc(1), plaintext: Buffer.alloc(1) }) }) as unknown as EmbeddedKms;

async function messageFor(operation: string, body: Record<string, unknown>): Promise<string | undefined> {
  try {
    await KMS_OPERATIONS[operation](kms, body, '123456789012');
    return undefined;
  } catch (error) {
    assert.equal((error as Error).name, 'ValidationException');
    return (error as Error).message;
  }
}

describe('KMS operation schemas', () => {
  test('give each failure the message of its member', async () => {
    const cases: [string, Record<string, unknown>, string | undefined][] = [
      ['Encrypt', { KeyId: 'k', Plaintext: 'AA==', EncryptionContext: null }, undefined],
      ['Encrypt', { KeyId: 'k', Plaintext: 'AA==', EncryptionContext: [] }, 'EncryptionContext must be a map of strings.'],
      ['Encrypt', { KeyId: 'k', Plaintext: 'AA==', EncryptionContext: { a: 1 } }, 'EncryptionContext must be a map of strings.'],
      ['Encrypt', { KeyId: 'k', Plaintext: '!!' }, 'Plaintext must be base64.'],
      ['Encrypt', { KeyId: 'k' }, 'Plaintext is required.'],
      ['Encrypt', { KeyId: '', Plaintext: 'AA==' }, 'KeyId is required.'],
      ['GenerateDataKey', { KeyId: 'k', KeySpec: 'AES_256' }, undefined],
      ['GenerateDataKey', { KeyId: 'k', NumberOfBytes: 32 }, undefined],
      ['GenerateDataKey', { KeyId: 'k', NumberOfBytes: 16 }, undefined],
      ['GenerateDataKey', { KeyId: 'k', KeySpec: 'AES_128' }, undefined],
      ['GenerateDataKey', { KeyId: 'k', NumberOfBytes: 1024 }, undefined],
      ['GenerateDataKey', { KeyId: 'k', NumberOfBytes: 0 }, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024"],
      ['GenerateDataKey', { KeyId: 'k', NumberOfBytes: 1025 }, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024"],
      [
        'GenerateDataKey',
        { KeyId: 'k', KeySpec: 'AES_512' },
        "1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]",
      ],
      ['GenerateDataKey', { KeyId: 'k' }, 'Please specify either number of bytes or key spec.'],
      ['GenerateDataKey', { KeyId: 'k', KeySpec: 'AES_256', NumberOfBytes: 32 }, 'Please specify either number of bytes or key spec.'],
      ['CreateKey', { KeyUsage: 'SIGN_VERIFY' }, 'Only ENCRYPT_DECRYPT keys are supported.'],
      ['CreateKey', { KeySpec: 'RSA_2048' }, 'Only KeySpec SYMMETRIC_DEFAULT is supported.'],
      ['CreateKey', { Description: 'x'.repeat(8193) }, 'Description is at most 8192 characters.'],
      ['ListKeys', { Limit: 1001 }, 'Limit must be an integer from 1 to 1000.'],
      ['ScheduleKeyDeletion', { KeyId: 'k', PendingWindowInDays: 6 }, 'PendingWindowInDays must be an integer from 7 to 30.'],
      ['EnableKeyRotation', { KeyId: 'k', RotationPeriodInDays: 89 }, 'RotationPeriodInDays must be an integer from 90 to 2560.'],
      ['TagResource', { KeyId: 'k' }, 'Tags is required: a list of {TagKey, TagValue}.'],
      ['UntagResource', { KeyId: 'k', TagKeys: 'a' }, 'TagKeys is required.'],
    ];
    for (const [operation, body, expected] of cases) assert.equal(await messageFor(operation, body), expected, `${operation} ${JSON.stringify(body).slice(0, 80)}`);
  });
});
