import { randomBytes } from 'node:crypto';
import { Kind, type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import type { EmbeddedKms, KeyDescription } from '../../crypto/embeddedKms.js';
import { KmsError } from '../../crypto/kmsErrors.js';
import { inputValidator, withoutNulls } from '../schema.js';

type Body = Record<string, unknown>;
type Operation = (kms: EmbeddedKms, body: Body, accountId: string) => Promise<Record<string, unknown>>;

/** KeyMetadata as AWS KMS answers it (a symmetric ENCRYPT_DECRYPT key of the KMS's own origin). */
export function keyMetadata(key: KeyDescription, accountId: string) {
  return {
    AWSAccountId: accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.createdAt.getTime() / 1000,
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.state,
    DeletionDate: key.deletionDate && key.deletionDate.getTime() / 1000,
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    KeySpec: 'SYMMETRIC_DEFAULT',
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

/** One KMS operation: its input schema (compiled once, here) and what it does with the validated input. */
function operation<T extends TObject>(input: T, handle: (kms: EmbeddedKms, input: Static<T>, accountId: string) => Promise<Record<string, unknown>>): Operation {
  const validate = inputValidator(input, (message) => new KmsError('ValidationException', message));
  const blobs = Object.keys(input.properties).filter((member) => (input.properties[member] as TSchema)[Kind] === 'Uint8Array');
  return (kms, body, accountId) => handle(kms, validate(decodeBlobs(withoutNulls(body) as Body, blobs)), accountId);
}

/** Blob members travel as base64; an empty or non-string one is left for the schema to refuse. */
function decodeBlobs(body: Body, blobs: string[]): Body {
  const decoded = { ...body };
  for (const member of blobs) {
    const value = body[member];
    if (typeof value !== 'string' || value === '') continue;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new KmsError('ValidationException', `${member} must be base64.`);
    decoded[member] = Buffer.from(value, 'base64');
  }
  return decoded;
}

/*
 * Members (https://docs.aws.amazon.com/kms/latest/APIReference/). Limits that are the KMS's own rules (alias
 * names, tag keys, plaintext size) stay in the KMS, which internal callers use too; where a schema states a
 * range, its message is the KMS's own.
 */
const Text = () => Type.String({ minLength: 1, message: '{member} is required.' });
const Blob = () => Type.Uint8Array({ minByteLength: 1, message: '{member} is required.' });
const Context = (member: string) => Type.Optional(Type.Record(Type.String(), Type.String({ message: `${member} must be a map of strings.` }), { message: `${member} must be a map of strings.` }));
const Limit = () => Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 }));
const Marker = () => Type.Optional(Type.String());
const KeyIdOnly = Type.Object({ KeyId: Text() });
// A data key of KeySpec AES_256 or AES_128, or of NumberOfBytes 1 to 1024: exactly one of the two.
const DATA_KEY_SIZE = 'Please specify either number of bytes or key spec.';
const KEY_SPEC_BYTES = { AES_256: 32, AES_128: 16 } as const;
const DataKeyRequest = Type.Object({
  KeyId: Text(),
  KeySpec: Type.Optional(
    Type.Unsafe<'AES_256' | 'AES_128'>(
      Type.RegExp(/^AES_(256|128)$/, { message: "1 validation error detected: Value '{value}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]" }),
    ),
  ),
  NumberOfBytes: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1024, message: "1 validation error detected: Value '{value}' at 'numberOfBytes' failed to satisfy constraint: Member must have value between 1 and 1024" }),
  ),
  EncryptionContext: Context('EncryptionContext'),
});

/** A fresh data key of the requested size, encrypted under the key: the plaintext is the caller's to zero. */
async function dataKey(kms: EmbeddedKms, input: Static<typeof DataKeyRequest>): Promise<{ keyId: string; plaintext: Buffer; ciphertextBlob: Buffer }> {
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) throw new KmsError('ValidationException', DATA_KEY_SIZE);
  const plaintext = randomBytes(input.NumberOfBytes ?? KEY_SPEC_BYTES[input.KeySpec!]);
  try {
    return { ...(await kms.encrypt(input.KeyId, plaintext, input.EncryptionContext ?? {})), plaintext };
  } catch (error) {
    plaintext.fill(0);
    throw error;
  }
}

async function customerKey(kms: EmbeddedKms, keyId: string): Promise<KeyDescription> {
  const key = await kms.describeKey(keyId);
  if (key.keyManager !== 'CUSTOMER') throw new KmsError('AccessDeniedException', `${key.arn} is the service-owned key; it cannot be changed.`);
  return key;
}

/** The supported TrentService operations, by name, each with its input schema. */
export const KMS_OPERATIONS: Record<string, Operation> = {
  CreateKey: operation(
    Type.Object({
      Description: Type.Optional(Type.String({ maxLength: 8192, missingMessage: 'Description is required.', message: 'Description is at most 8192 characters.' })),
      KeyUsage: Type.Optional(Type.Literal('ENCRYPT_DECRYPT', { message: 'Only ENCRYPT_DECRYPT keys are supported.' })),
      KeySpec: Type.Optional(Type.Literal('SYMMETRIC_DEFAULT', { message: 'Only KeySpec SYMMETRIC_DEFAULT is supported.' })),
      CustomerMasterKeySpec: Type.Optional(Type.Literal('SYMMETRIC_DEFAULT', { message: 'Only CustomerMasterKeySpec SYMMETRIC_DEFAULT is supported.' })),
    }),
    async (kms, input, accountId) => ({ KeyMetadata: keyMetadata(await kms.createKey({ description: input.Description ?? '', keyManager: 'CUSTOMER' }), accountId) }),
  ),
  DescribeKey: operation(KeyIdOnly, async (kms, input, accountId) => ({ KeyMetadata: keyMetadata(await kms.describeKey(input.KeyId), accountId) })),
  ListKeys: operation(Type.Object({ Limit: Limit(), Marker: Marker() }), async (kms, input) => {
    const page = await kms.listKeys(input.Limit ?? 100, input.Marker);
    return { Keys: page.keys.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: page.next !== undefined, NextMarker: page.next };
  }),
  EnableKey: operation(KeyIdOnly, async (kms, input) => {
    await kms.enableKey(input.KeyId);
    return {};
  }),
  DisableKey: operation(KeyIdOnly, async (kms, input) => {
    await kms.disableKey(input.KeyId);
    return {};
  }),
  ScheduleKeyDeletion: operation(Type.Object({ KeyId: Text(), PendingWindowInDays: Type.Optional(Type.Integer({ minimum: 7, maximum: 30 })) }), async (kms, input) => {
    const days = input.PendingWindowInDays ?? 30;
    const key = await customerKey(kms, input.KeyId);
    const deletionDate = await kms.scheduleKeyDeletion(key.keyId, days);
    return { KeyId: key.arn, DeletionDate: deletionDate.getTime() / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
  }),
  CancelKeyDeletion: operation(KeyIdOnly, async (kms, input) => {
    const key = await customerKey(kms, input.KeyId);
    await kms.cancelKeyDeletion(key.keyId);
    return { KeyId: key.arn };
  }),
  RotateKeyOnDemand: operation(KeyIdOnly, async (kms, input) => {
    const key = await customerKey(kms, input.KeyId);
    await kms.rotateKey(key.keyId);
    return { KeyId: key.keyId };
  }),
  GenerateDataKey: operation(DataKeyRequest, async (kms, input) => {
    const key = await dataKey(kms, input);
    try {
      return { KeyId: key.keyId, Plaintext: key.plaintext.toString('base64'), CiphertextBlob: key.ciphertextBlob.toString('base64') };
    } finally {
      key.plaintext.fill(0);
    }
  }),
  GenerateDataKeyWithoutPlaintext: operation(DataKeyRequest, async (kms, input) => {
    const key = await dataKey(kms, input);
    key.plaintext.fill(0);
    return { KeyId: key.keyId, CiphertextBlob: key.ciphertextBlob.toString('base64') };
  }),
  Encrypt: operation(Type.Object({ KeyId: Text(), Plaintext: Blob(), EncryptionContext: Context('EncryptionContext') }), async (kms, input) => {
    const result = await kms.encrypt(input.KeyId, Buffer.from(input.Plaintext), input.EncryptionContext ?? {});
    return { KeyId: result.keyId, CiphertextBlob: result.ciphertextBlob.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }),
  Decrypt: operation(Type.Object({ CiphertextBlob: Blob(), EncryptionContext: Context('EncryptionContext'), KeyId: Type.Optional(Type.String()) }), async (kms, input) => {
    const result = await kms.decrypt(Buffer.from(input.CiphertextBlob), input.EncryptionContext ?? {});
    if (input.KeyId !== undefined && (await kms.describeKey(input.KeyId)).arn !== result.keyId) {
      result.plaintext.fill(0);
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
    }
    return { KeyId: result.keyId, Plaintext: result.plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  }),
  ReEncrypt: operation(
    Type.Object({
      CiphertextBlob: Blob(),
      SourceEncryptionContext: Context('SourceEncryptionContext'),
      DestinationKeyId: Text(),
      DestinationEncryptionContext: Context('DestinationEncryptionContext'),
    }),
    async (kms, input) => {
      const result = await kms.reEncrypt(Buffer.from(input.CiphertextBlob), input.SourceEncryptionContext ?? {}, input.DestinationKeyId, input.DestinationEncryptionContext ?? {});
      return { SourceKeyId: result.sourceKeyId, KeyId: result.keyId, CiphertextBlob: result.ciphertextBlob.toString('base64') };
    },
  ),
  CreateAlias: operation(Type.Object({ AliasName: Text(), TargetKeyId: Text() }), async (kms, input) => {
    await kms.createAlias(input.AliasName, input.TargetKeyId);
    return {};
  }),
  UpdateAlias: operation(Type.Object({ AliasName: Text(), TargetKeyId: Text() }), async (kms, input) => {
    await kms.updateAlias(input.AliasName, input.TargetKeyId);
    return {};
  }),
  EnableKeyRotation: operation(Type.Object({ KeyId: Text(), RotationPeriodInDays: Type.Optional(Type.Integer({ minimum: 90, maximum: 2560 })) }), async (kms, input) => {
    await kms.enableKeyRotation(input.KeyId, input.RotationPeriodInDays ?? 365);
    return {};
  }),
  DisableKeyRotation: operation(KeyIdOnly, async (kms, input) => {
    await kms.disableKeyRotation(input.KeyId);
    return {};
  }),
  GetKeyRotationStatus: operation(KeyIdOnly, async (kms, input) => {
    const key = await kms.describeKey(input.KeyId);
    return {
      KeyId: key.arn,
      KeyRotationEnabled: key.rotationPeriodDays !== undefined,
      RotationPeriodInDays: key.rotationPeriodDays,
      NextRotationDate: key.nextRotation && key.nextRotation.getTime() / 1000,
    };
  }),
  TagResource: operation(
    Type.Object({
      KeyId: Text(),
      Tags: Type.Array(Type.Object({ TagKey: Type.String(), TagValue: Type.String() }), { missingMessage: 'Tags is required: a list of {TagKey, TagValue}.' }),
    }),
    async (kms, input) => {
      await kms.tagResource(
        input.KeyId,
        input.Tags.map((tag) => ({ key: tag.TagKey, value: tag.TagValue })),
      );
      return {};
    },
  ),
  UntagResource: operation(Type.Object({ KeyId: Text(), TagKeys: Type.Array(Type.String(), { missingMessage: 'TagKeys is required.' }) }), async (kms, input) => {
    await kms.untagResource(input.KeyId, input.TagKeys);
    return {};
  }),
  ListResourceTags: operation(KeyIdOnly, async (kms, input) => {
    const tags = await kms.listResourceTags(input.KeyId);
    return { Tags: tags.map((t) => ({ TagKey: t.key, TagValue: t.value })), Truncated: false };
  }),
  DeleteAlias: operation(Type.Object({ AliasName: Text() }), async (kms, input) => {
    await kms.deleteAlias(input.AliasName);
    return {};
  }),
  ListAliases: operation(Type.Object({ KeyId: Type.Optional(Type.String()), Limit: Limit(), Marker: Marker() }), async (kms, input) => {
    const page = await kms.listAliases(input.Limit ?? 100, input.Marker, input.KeyId);
    return {
      Aliases: page.aliases.map((a) => ({ AliasName: a.aliasName, AliasArn: a.aliasArn, TargetKeyId: a.targetKeyId, CreationDate: a.createdAt.getTime() / 1000 })),
      Truncated: page.next !== undefined,
      NextMarker: page.next,
    };
  }),
};
