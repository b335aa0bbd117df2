import { randomBytes, randomInt } from 'node:crypto';
import type { RootKey } from '../crypto/rootKey.js';
import type { MetadataStore } from '../store/metadataStore.js';

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

const ROOT_KEY_SETTING = 'accessKeys.rootAccessKeyId';
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Unsealed secrets kept at most; far more than an installation has keys, so it only bounds a misuse. */
const MAX_CACHED_SECRETS = 1024;

/**
 * Vigil's own access keys, the credentials that requests are signed with (SigV4). Secrets are
 * stored sealed under the root key and unsealed only to verify a signature.
 */
export class AccessKeys {
  /**
   * Unsealed secrets by key id and sealed value: every request still reads the key's record (so its
   * status applies at once), but does not ask the root key again — on a PKCS#11 token that is a token
   * call per request. A changed sealed secret misses the cache.
   */
  private readonly unsealed = new Map<string, string>();

  constructor(
    private readonly store: MetadataStore,
    private readonly rootKey: RootKey,
  ) {}

  /** The installation's root access key, created at first start. */
  async ensureRootAccessKey(): Promise<AccessKeyPair & { created: boolean }> {
    const existing = await this.store.settings.get(ROOT_KEY_SETTING);
    if (existing) {
      const secretAccessKey = await this.secretFor(existing);
      if (!secretAccessKey) throw new Error(`the root access key ${existing} is missing or inactive`);
      return { accessKeyId: existing, secretAccessKey, created: false };
    }
    const pair = await this.create('root access key');
    const stored = await this.store.settings.putIfAbsent(ROOT_KEY_SETTING, pair.accessKeyId);
    if (stored !== pair.accessKeyId) return this.ensureRootAccessKey(); // another process created it first
    return { ...pair, created: true };
  }

  async create(description: string): Promise<AccessKeyPair> {
    // 20 characters like an AWS key id, prefixed so that a Vigil key is recognisable in a leak report.
    const accessKeyId = `VKIA${Array.from({ length: 16 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    await this.store.accessKeys.create({
      accessKeyId,
      sealedSecret: this.rootKey.seal(Buffer.from(secretAccessKey, 'utf8'), secretPurpose(accessKeyId)),
      description,
      createdAt: new Date(),
      status: 'Active',
    });
    return { accessKeyId, secretAccessKey };
  }

  /** The secret of an active key, or undefined for an unknown or inactive key. */
  async secretFor(accessKeyId: string): Promise<string | undefined> {
    const key = await this.store.accessKeys.get(accessKeyId);
    if (key?.status !== 'Active') return undefined;
    const cacheKey = `${accessKeyId}:${key.sealedSecret.toString('base64')}`;
    let secret = this.unsealed.get(cacheKey);
    if (secret === undefined) {
      secret = this.rootKey.unseal(key.sealedSecret, secretPurpose(accessKeyId)).toString('utf8');
      if (this.unsealed.size >= MAX_CACHED_SECRETS) this.unsealed.clear();
      this.unsealed.set(cacheKey, secret);
    }
    return secret;
  }
}

function secretPurpose(accessKeyId: string): string {
  return `access key secret ${accessKeyId}`;
}
