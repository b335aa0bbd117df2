/*
 * The embedded KMS's rules: keys and their versions, states (Enabled, Disabled, PendingDeletion) and which
 * operations each allows, the service-owned key, aliases, tags, automatic rotation and deletion. What a
 * ciphertext looks like is kmsCiphertext.ts's.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { KmsKeyRecord, MetadataStore } from '../store/metadataStore.js';
import type { EncryptionContext } from './encryptionContext.js';
import type { DecryptedDataKey, GeneratedDataKey, Kms, WrappedDataKey } from './kms.js';
import { blobKey, openKmsBlob, sealKmsBlob } from './kmsCiphertext.js';
import { KmsError } from './kmsErrors.js';
import type { RootKey } from './rootKey.js';

const DATA_KEY_BYTES = 32;
/** AWS KMS's limit on Encrypt plaintext. */
export const MAX_ENCRYPT_BYTES = 4096;
const DEFAULT_KEY_SETTING = 'kms.defaultKeyId';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
/** Aliases of the service-owned key, as AWS names its managed keys per service. */
const SERVICE_KEY_ALIASES = new Set(['alias/aws/lookoutvision', 'alias/aws/s3']);

export interface EmbeddedKmsOptions {
  region: string;
  accountId: string;
  /** Length of a "day" of the deletion waiting period; shortened only by tests (VIGIL_KMS_DAY_SECONDS). */
  daySeconds?: number;
}

export interface KeyDescription {
  keyId: string;
  arn: string;
  description: string;
  keyManager: 'AWS' | 'CUSTOMER';
  state: KmsKeyRecord['state'];
  createdAt: Date;
  deletionDate?: Date;
  currentVersion: number;
  rotationPeriodDays?: number;
  nextRotation?: Date;
}

/**
 * The default key service: symmetric keys whose material lives in the metadata store sealed
 * under the root key. Keys have versions (rotation adds one; old versions keep decrypting), and
 * states: Disabled or PendingDeletion keys neither encrypt nor decrypt, and a destroyed key's
 * data is gone for good.
 */
export class EmbeddedKms implements Kms {
  /** Unsealed key material by "keyId:version"; dropped when a key is destroyed. */
  private readonly material = new Map<string, Buffer>();

  private constructor(
    private readonly store: MetadataStore,
    private readonly rootKey: RootKey,
    private readonly options: EmbeddedKmsOptions,
    readonly defaultKeyId: string,
  ) {}

  /** Opens the KMS, creating the service-owned default key on first use. */
  static async open(store: MetadataStore, rootKey: RootKey, options: EmbeddedKmsOptions): Promise<EmbeddedKms> {
    const kms = new EmbeddedKms(store, rootKey, options, '');
    let defaultKeyId = await store.settings.get(DEFAULT_KEY_SETTING);
    if (!defaultKeyId) {
      const created = await kms.createKey({ description: 'Default key that protects Vigil data', keyManager: 'AWS' });
      defaultKeyId = await store.settings.putIfAbsent(DEFAULT_KEY_SETTING, created.keyId);
      if (defaultKeyId !== created.keyId) await store.kmsKeys.destroy(created.keyId); // another process won the race
    }
    return new EmbeddedKms(store, rootKey, options, kms.arnOf(defaultKeyId));
  }

  async createKey(input: { description?: string; keyManager?: 'AWS' | 'CUSTOMER' }): Promise<KeyDescription> {
    const keyId = randomUUID();
    const now = new Date();
    await this.store.kmsKeys.create(
      {
        keyId,
        arn: this.arnOf(keyId),
        description: input.description ?? '',
        keyManager: input.keyManager ?? 'CUSTOMER',
        state: 'Enabled',
        createdAt: now,
      },
      { sealedMaterial: this.sealMaterial(keyId, 1, randomBytes(32)), createdAt: now },
    );
    return this.describeKey(keyId);
  }

  async describeKey(keyIdOrArn: string): Promise<KeyDescription> {
    return { ...(await this.findKey(keyIdOrArn)) };
  }

  /** Adds new key material; new data keys use it, older ciphertexts still decrypt. */
  async rotateKey(keyIdOrArn: string): Promise<number> {
    const key = await this.usableKey(keyIdOrArn);
    const version = key.currentVersion + 1;
    // The repository assigns the number itself; the sealed material is bound to the same number.
    const stored = await this.store.kmsKeys.addVersion(key.keyId, {
      sealedMaterial: this.sealMaterial(key.keyId, version, randomBytes(32)),
      createdAt: new Date(),
    });
    if (stored !== version) throw new KmsError('KMSInternalException', `key ${key.keyId} was rotated concurrently; retry`);
    return version;
  }

  async enableKey(keyIdOrArn: string): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    // Conditional: a ScheduleKeyDeletion that committed meanwhile (on another node) is not undone.
    if (key.state === 'PendingDeletion' || !(await this.store.kmsKeys.setState(key.keyId, 'Enabled', undefined, ['Enabled', 'Disabled']))) {
      throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    }
  }

  async disableKey(keyIdOrArn: string): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    if (key.state === 'PendingDeletion' || !(await this.store.kmsKeys.setState(key.keyId, 'Disabled', undefined, ['Enabled', 'Disabled']))) {
      throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    }
  }

  /** Makes the key unusable now and destroys its material once the waiting period ends. */
  async scheduleKeyDeletion(keyIdOrArn: string, pendingWindowInDays: number, now = new Date()): Promise<Date> {
    if (!Number.isInteger(pendingWindowInDays) || pendingWindowInDays < 7 || pendingWindowInDays > 30) {
      throw new KmsError('ValidationException', 'PendingWindowInDays must be an integer from 7 to 30.');
    }
    const key = await this.customerKey(keyIdOrArn);
    if (key.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    const deletionDate = new Date(now.getTime() + pendingWindowInDays * this.dayMs());
    if (!(await this.store.kmsKeys.setState(key.keyId, 'PendingDeletion', deletionDate, ['Enabled', 'Disabled']))) {
      throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    }
    return deletionDate;
  }

  /** Stops a scheduled deletion; the key comes back Disabled, as in AWS KMS. */
  async cancelKeyDeletion(keyIdOrArn: string): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    if (key.state !== 'PendingDeletion' || !(await this.store.kmsKeys.setState(key.keyId, 'Disabled', undefined, ['PendingDeletion']))) {
      throw new KmsError('KMSInvalidStateException', `${key.arn} is not pending deletion.`);
    }
  }

  /** Destroys the material of every key whose waiting period has ended; returns their ids. */
  async destroyDueKeys(now = new Date()): Promise<string[]> {
    const due = await this.store.kmsKeys.dueForDeletion(now);
    const destroyed: string[] = [];
    for (const keyId of due) {
      // Only while still due: a CancelKeyDeletion that committed after the listing keeps the key.
      if (await this.store.kmsKeys.destroy(keyId, now)) destroyed.push(keyId);
      for (const cached of [...this.material.keys()]) {
        if (cached.startsWith(`${keyId}:`)) {
          this.material.get(cached)?.fill(0);
          this.material.delete(cached);
        }
      }
    }
    return destroyed;
  }

  /** Customer keys (the service-owned key is not listed, as AWS-owned keys are not). */
  async listKeys(limit: number, after?: string): Promise<{ keys: KeyDescription[]; next?: string }> {
    const page = await this.store.kmsKeys.list('CUSTOMER', limit, after);
    return { keys: page.items, next: page.next };
  }

  async createAlias(aliasName: string, targetKeyId: string): Promise<void> {
    if (!ALIAS_NAME.test(aliasName)) throw new KmsError('InvalidAliasNameException', 'AliasName must be alias/ followed by letters, digits, /, _ or -.');
    if (aliasName.startsWith('alias/aws/')) throw new KmsError('InvalidAliasNameException', 'Alias names starting with alias/aws/ are reserved.');
    const key = await this.customerKey(targetKeyId);
    if (!(await this.store.kmsKeys.createAlias(aliasName, key.keyId, new Date()))) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${this.aliasArn(aliasName)} already exists.`);
    }
  }

  async updateAlias(aliasName: string, targetKeyId: string): Promise<void> {
    const key = await this.customerKey(targetKeyId);
    if (!(await this.store.kmsKeys.updateAlias(aliasName, key.keyId))) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(aliasName)} is not found.`);
  }

  /** Rotates the key automatically every `periodDays` (90–2560, AWS's bounds), first after one period. */
  async enableKeyRotation(keyIdOrArn: string, periodDays = 365, now = new Date()): Promise<void> {
    if (!Number.isInteger(periodDays) || periodDays < 90 || periodDays > 2560) {
      throw new KmsError('ValidationException', 'RotationPeriodInDays must be an integer from 90 to 2560.');
    }
    const key = await this.customerKey(keyIdOrArn);
    if (key.state !== 'Enabled') throw new KmsError(key.state === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException', `${key.arn} is ${key.state}.`);
    await this.store.kmsKeys.setRotation(key.keyId, periodDays, new Date(now.getTime() + periodDays * this.dayMs()));
  }

  async disableKeyRotation(keyIdOrArn: string): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    await this.store.kmsKeys.setRotation(key.keyId);
  }

  /** Rotates every key whose automatic rotation is due and schedules its next one; returns their ids. */
  async rotateDueKeys(now = new Date()): Promise<string[]> {
    const due = await this.store.kmsKeys.dueForRotation(now);
    for (const keyId of due) {
      const key = await this.findKey(keyId);
      await this.rotateKey(keyId);
      await this.store.kmsKeys.setRotation(keyId, key.rotationPeriodDays, new Date(now.getTime() + (key.rotationPeriodDays ?? 365) * this.dayMs()));
    }
    return due;
  }

  async listResourceTags(keyIdOrArn: string): Promise<{ key: string; value: string }[]> {
    return this.store.kmsKeys.tagsOf((await this.findKey(keyIdOrArn)).keyId);
  }

  /** Adds or replaces tags (at most 50 per key, as AWS KMS allows). */
  async tagResource(keyIdOrArn: string, tags: { key: string; value: string }[]): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    for (const tag of tags) {
      if (tag.key.length < 1 || tag.key.length > 128 || tag.value.length > 256 || tag.key.startsWith('aws:')) {
        throw new KmsError('ValidationException', 'Tag keys are 1 to 128 characters and may not start with aws:; values at most 256.');
      }
    }
    const merged = new Map((await this.store.kmsKeys.tagsOf(key.keyId)).map((t) => [t.key, t.value]));
    for (const tag of tags) merged.set(tag.key, tag.value);
    if (merged.size > 50) throw new KmsError('LimitExceededException', `A key may have at most 50 tags; this would give it ${merged.size}.`);
    await this.store.kmsKeys.setTags(
      key.keyId,
      [...merged].map(([k, value]) => ({ key: k, value })),
    );
  }

  async untagResource(keyIdOrArn: string, tagKeys: string[]): Promise<void> {
    const key = await this.customerKey(keyIdOrArn);
    const remove = new Set(tagKeys);
    await this.store.kmsKeys.setTags(
      key.keyId,
      (await this.store.kmsKeys.tagsOf(key.keyId)).filter((t) => !remove.has(t.key)),
    );
  }

  async deleteAlias(aliasName: string): Promise<void> {
    if (!(await this.store.kmsKeys.deleteAlias(aliasName))) throw new KmsError('NotFoundException', `Alias ${this.aliasArn(aliasName)} is not found.`);
  }

  async listAliases(limit: number, after?: string, keyIdOrArn?: string) {
    const keyId = keyIdOrArn === undefined ? undefined : (await this.findKey(keyIdOrArn)).keyId;
    const page = await this.store.kmsKeys.listAliases(limit, after, keyId);
    return {
      aliases: page.items.map((a) => ({ aliasName: a.aliasName, aliasArn: this.aliasArn(a.aliasName), targetKeyId: a.keyId, createdAt: a.createdAt })),
      next: page.next,
    };
  }

  /** Decrypts under the source context and encrypts again under another key or context; the plaintext never leaves. */
  async reEncrypt(
    ciphertextBlob: Buffer,
    sourceContext: EncryptionContext,
    destinationKeyId: string,
    destinationContext: EncryptionContext,
  ): Promise<{ sourceKeyId: string; keyId: string; ciphertextBlob: Buffer }> {
    const source = await this.decrypt(ciphertextBlob, sourceContext);
    try {
      const target = await this.encrypt(destinationKeyId, source.plaintext, destinationContext);
      return { sourceKeyId: source.keyId, ...target };
    } finally {
      source.plaintext.fill(0);
    }
  }

  async generateDataKey(keyIdOrArn: string | undefined, context: EncryptionContext): Promise<GeneratedDataKey> {
    const plaintext = randomBytes(DATA_KEY_BYTES);
    const { keyId, ciphertextBlob } = await this.encrypt(keyIdOrArn, plaintext, context);
    return { keyId, plaintext, ciphertextBlob };
  }

  async decryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext): Promise<DecryptedDataKey> {
    return this.decrypt(ciphertextBlob, context);
  }

  async reEncryptDataKey(ciphertextBlob: Buffer, context: EncryptionContext): Promise<WrappedDataKey> {
    const { keyId, ciphertextBlob: rewrapped } = await this.reEncrypt(ciphertextBlob, context, blobKey(ciphertextBlob).keyId, context);
    return { keyId, ciphertextBlob: rewrapped };
  }

  async encrypt(keyIdOrArn: string | undefined, plaintext: Buffer, context: EncryptionContext): Promise<{ keyId: string; ciphertextBlob: Buffer }> {
    if (plaintext.length < 1 || plaintext.length > MAX_ENCRYPT_BYTES) {
      throw new KmsError('ValidationException', `Plaintext must be 1 to ${MAX_ENCRYPT_BYTES} bytes.`);
    }
    const key = await this.usableKey(keyIdOrArn ?? this.defaultKeyId);
    const material = await this.materialOf(key.keyId, key.currentVersion);
    if (!material) throw new KmsError('KMSInternalException', `The current material of ${key.arn} is missing.`);
    return { keyId: key.arn, ciphertextBlob: sealKmsBlob({ keyId: key.keyId, version: key.currentVersion }, material, plaintext, context) };
  }

  async decrypt(ciphertextBlob: Buffer, context: EncryptionContext): Promise<DecryptedDataKey> {
    const { keyId, version } = blobKey(ciphertextBlob);
    const key = await this.usableKey(keyId);
    const material = await this.materialOf(key.keyId, version);
    if (!material) throw new KmsError('InvalidCiphertextException', 'The ciphertext refers to key material that does not exist.');
    return { keyId: key.arn, plaintext: openKmsBlob(ciphertextBlob, material, context) };
  }

  private arnOf(keyId: string): string {
    return `arn:aws:kms:${this.options.region}:${this.options.accountId}:key/${keyId}`;
  }

  private dayMs(): number {
    return (this.options.daySeconds ?? 86_400) * 1000;
  }

  private aliasArn(aliasName: string): string {
    return `arn:aws:kms:${this.options.region}:${this.options.accountId}:${aliasName}`;
  }

  private keyIdOf(keyIdOrArn: string): string {
    const arn = /^arn:aws:kms:[^:]*:\d{12}:key\/(.+)$/.exec(keyIdOrArn);
    return arn ? arn[1] : keyIdOrArn;
  }

  /** A key by id, key ARN, alias name or alias ARN; NotFoundException otherwise (also for an ARN of another region or account). */
  private async findKey(keyIdOrArn: string): Promise<KmsKeyRecord> {
    const arn = /^arn:aws:kms:([^:]*):([^:]*):/.exec(keyIdOrArn);
    if (arn && (arn[1] !== this.options.region || arn[2] !== this.options.accountId)) {
      throw new KmsError('NotFoundException', `Key '${keyIdOrArn}' does not exist`);
    }
    const aliasName = /^arn:aws:kms:[^:]*:\d{12}:(alias\/.+)$/.exec(keyIdOrArn)?.[1] ?? (keyIdOrArn.startsWith('alias/') ? keyIdOrArn : undefined);
    const keyId = aliasName === undefined ? this.keyIdOf(keyIdOrArn) : SERVICE_KEY_ALIASES.has(aliasName) ? this.keyIdOf(this.defaultKeyId) : await this.store.kmsKeys.aliasTarget(aliasName);
    const key = keyId !== undefined && UUID.test(keyId) ? await this.store.kmsKeys.get(keyId) : undefined;
    if (!key) throw new KmsError('NotFoundException', `Key '${keyIdOrArn}' does not exist`);
    return key;
  }

  /** A key a user may manage: the service-owned key is Vigil's, like an AWS-owned key. */
  private async customerKey(keyIdOrArn: string): Promise<KmsKeyRecord> {
    const key = await this.findKey(keyIdOrArn);
    if (key.keyManager !== 'CUSTOMER') throw new KmsError('AccessDeniedException', `${key.arn} is the service-owned key; it cannot be changed.`);
    return key;
  }

  private async usableKey(keyIdOrArn: string): Promise<KmsKeyRecord> {
    const key = await this.findKey(keyIdOrArn);
    if (key.state === 'Disabled') throw new KmsError('DisabledException', `${key.arn} is disabled.`);
    if (key.state === 'PendingDeletion') throw new KmsError('KMSInvalidStateException', `${key.arn} is pending deletion.`);
    return key;
  }

  /** The unsealed material of one key version, or undefined when that version does not exist. */
  private async materialOf(keyId: string, version: number): Promise<Buffer | undefined> {
    const cacheKey = `${keyId}:${version}`;
    let material = this.material.get(cacheKey);
    if (!material) {
      const record = await this.store.kmsKeys.getVersion(keyId, version);
      if (!record) return undefined;
      try {
        material = this.rootKey.unseal(record.sealedMaterial, materialPurpose(keyId, version));
      } catch (error) {
        throw new KmsError('KMSInternalException', (error as Error).message);
      }
      this.material.set(cacheKey, material);
    }
    return material;
  }

  private sealMaterial(keyId: string, version: number, material: Buffer): Buffer {
    const sealed = this.rootKey.seal(material, materialPurpose(keyId, version));
    material.fill(0);
    return sealed;
  }
}

function materialPurpose(keyId: string, version: number): string {
  return `kms key material ${keyId} version ${version}`;
}
