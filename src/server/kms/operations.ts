import type { EmbeddedKms, KeyDescription } from '../../crypto/embeddedKms.js';
import { KmsError } from '../../crypto/kmsErrors.js';

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

function text(body: Body, member: string, required = true): string {
  const value = body[member];
  if (value === undefined && !required) return '';
  if (typeof value !== 'string' || value === '') throw new KmsError('ValidationException', `${member} is required.`);
  return value;
}

function blob(body: Body, member: string): Buffer {
  const value = text(body, member);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new KmsError('ValidationException', `${member} must be base64.`);
  return Buffer.from(value, 'base64');
}

function context(body: Body, member = 'EncryptionContext'): Record<string, string> {
  const value = body[member] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new KmsError('ValidationException', `${member} must be a map of strings.`);
  }
  return value as Record<string, string>;
}

function limit(body: Body): number {
  const value = body.Limit ?? 100;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 1000) throw new KmsError('ValidationException', 'Limit must be an integer from 1 to 1000.');
  return value as number;
}

function dataKeyBytes(body: Body): void {
  const spec = body.KeySpec;
  const bytes = body.NumberOfBytes;
  if (spec === 'AES_256' || (spec === undefined && bytes === 32)) return;
  // Vigil's data keys are 256-bit: what envelope encryption with AES-256-GCM needs.
  throw new KmsError('ValidationException', 'Give KeySpec AES_256 (or NumberOfBytes 32); other data key sizes are not supported.');
}

async function customerKey(kms: EmbeddedKms, keyId: string): Promise<KeyDescription> {
  const key = await kms.describeKey(keyId);
  if (key.keyManager !== 'CUSTOMER') throw new KmsError('AccessDeniedException', `${key.arn} is the service-owned key; it cannot be changed.`);
  return key;
}

/** The supported TrentService operations, by name. */
export const KMS_OPERATIONS: Record<string, Operation> = {
  async CreateKey(kms, body, accountId) {
    if (body.KeyUsage !== undefined && body.KeyUsage !== 'ENCRYPT_DECRYPT') throw new KmsError('ValidationException', 'Only ENCRYPT_DECRYPT keys are supported.');
    for (const member of ['KeySpec', 'CustomerMasterKeySpec']) {
      if (body[member] !== undefined && body[member] !== 'SYMMETRIC_DEFAULT') throw new KmsError('ValidationException', `Only ${member} SYMMETRIC_DEFAULT is supported.`);
    }
    const description = text(body, 'Description', false);
    if (description.length > 8192) throw new KmsError('ValidationException', 'Description is at most 8192 characters.');
    return { KeyMetadata: keyMetadata(await kms.createKey({ description, keyManager: 'CUSTOMER' }), accountId) };
  },
  async DescribeKey(kms, body, accountId) {
    return { KeyMetadata: keyMetadata(await kms.describeKey(text(body, 'KeyId')), accountId) };
  },
  async ListKeys(kms, body) {
    const page = await kms.listKeys(limit(body), typeof body.Marker === 'string' ? body.Marker : undefined);
    return { Keys: page.keys.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: page.next !== undefined, NextMarker: page.next };
  },
  async EnableKey(kms, body) {
    await kms.enableKey(text(body, 'KeyId'));
    return {};
  },
  async DisableKey(kms, body) {
    await kms.disableKey(text(body, 'KeyId'));
    return {};
  },
  async ScheduleKeyDeletion(kms, body) {
    const days = body.PendingWindowInDays ?? 30;
    const key = await customerKey(kms, text(body, 'KeyId'));
    const deletionDate = await kms.scheduleKeyDeletion(key.keyId, days as number);
    return { KeyId: key.arn, DeletionDate: deletionDate.getTime() / 1000, KeyState: 'PendingDeletion', PendingWindowInDays: days };
  },
  async CancelKeyDeletion(kms, body) {
    const key = await customerKey(kms, text(body, 'KeyId'));
    await kms.cancelKeyDeletion(key.keyId);
    return { KeyId: key.arn };
  },
  async RotateKeyOnDemand(kms, body) {
    const key = await customerKey(kms, text(body, 'KeyId'));
    await kms.rotateKey(key.keyId);
    return { KeyId: key.keyId };
  },
  async GenerateDataKey(kms, body) {
    dataKeyBytes(body);
    const key = await kms.generateDataKey(text(body, 'KeyId'), context(body));
    try {
      return { KeyId: key.keyId, Plaintext: key.plaintext.toString('base64'), CiphertextBlob: key.ciphertextBlob.toString('base64') };
    } finally {
      key.plaintext.fill(0);
    }
  },
  async GenerateDataKeyWithoutPlaintext(kms, body) {
    dataKeyBytes(body);
    const key = await kms.generateDataKey(text(body, 'KeyId'), context(body));
    key.plaintext.fill(0);
    return { KeyId: key.keyId, CiphertextBlob: key.ciphertextBlob.toString('base64') };
  },
  async Encrypt(kms, body) {
    const result = await kms.encrypt(text(body, 'KeyId'), blob(body, 'Plaintext'), context(body));
    return { KeyId: result.keyId, CiphertextBlob: result.ciphertextBlob.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  async Decrypt(kms, body) {
    const result = await kms.decrypt(blob(body, 'CiphertextBlob'), context(body));
    if (typeof body.KeyId === 'string' && (await kms.describeKey(body.KeyId)).arn !== result.keyId) {
      result.plaintext.fill(0);
      throw new KmsError('IncorrectKeyException', 'The key ID in the request does not identify the key that encrypted the ciphertext.');
    }
    return { KeyId: result.keyId, Plaintext: result.plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
  async ReEncrypt(kms, body) {
    const result = await kms.reEncrypt(blob(body, 'CiphertextBlob'), context(body, 'SourceEncryptionContext'), text(body, 'DestinationKeyId'), context(body, 'DestinationEncryptionContext'));
    return { SourceKeyId: result.sourceKeyId, KeyId: result.keyId, CiphertextBlob: result.ciphertextBlob.toString('base64') };
  },
  async CreateAlias(kms, body) {
    await kms.createAlias(text(body, 'AliasName'), text(body, 'TargetKeyId'));
    return {};
  },
  async UpdateAlias(kms, body) {
    await kms.updateAlias(text(body, 'AliasName'), text(body, 'TargetKeyId'));
    return {};
  },
  async EnableKeyRotation(kms, body) {
    const days = body.RotationPeriodInDays ?? 365;
    await kms.enableKeyRotation(text(body, 'KeyId'), days as number);
    return {};
  },
  async DisableKeyRotation(kms, body) {
    await kms.disableKeyRotation(text(body, 'KeyId'));
    return {};
  },
  async GetKeyRotationStatus(kms, body) {
    const key = await kms.describeKey(text(body, 'KeyId'));
    return {
      KeyId: key.arn,
      KeyRotationEnabled: key.rotationPeriodDays !== undefined,
      RotationPeriodInDays: key.rotationPeriodDays,
      NextRotationDate: key.nextRotation && key.nextRotation.getTime() / 1000,
    };
  },
  async TagResource(kms, body) {
    const tags = body.Tags;
    if (!Array.isArray(tags)) throw new KmsError('ValidationException', 'Tags is required: a list of {TagKey, TagValue}.');
    await kms.tagResource(
      text(body, 'KeyId'),
      tags.map((tag: { TagKey?: unknown; TagValue?: unknown }) => ({ key: String(tag?.TagKey ?? ''), value: String(tag?.TagValue ?? '') })),
    );
    return {};
  },
  async UntagResource(kms, body) {
    if (!Array.isArray(body.TagKeys)) throw new KmsError('ValidationException', 'TagKeys is required.');
    await kms.untagResource(text(body, 'KeyId'), body.TagKeys.map(String));
    return {};
  },
  async ListResourceTags(kms, body) {
    const tags = await kms.listResourceTags(text(body, 'KeyId'));
    return { Tags: tags.map((t) => ({ TagKey: t.key, TagValue: t.value })), Truncated: false };
  },
  async DeleteAlias(kms, body) {
    await kms.deleteAlias(text(body, 'AliasName'));
    return {};
  },
  async ListAliases(kms, body) {
    const keyId = typeof body.KeyId === 'string' ? body.KeyId : undefined;
    const page = await kms.listAliases(limit(body), typeof body.Marker === 'string' ? body.Marker : undefined, keyId);
    return {
      Aliases: page.aliases.map((a) => ({ AliasName: a.aliasName, AliasArn: a.aliasArn, TargetKeyId: a.targetKeyId, CreationDate: a.createdAt.getTime() / 1000 })),
      Truncated: page.next !== undefined,
      NextMarker: page.next,
    };
  },
};
