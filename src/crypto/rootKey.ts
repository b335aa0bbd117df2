/**
 * The installation's root key: it seals the embedded KMS's key material and the access-key
 * secrets in the metadata store. Each sealed value names its purpose (bound as associated data),
 * so one sealed value can never be passed off as another.
 *
 * Two kinds exist: a key held in Vigil's memory (inMemoryRootKey.ts, from the key file or
 * VIGIL_ROOT_KEY) and a non-extractable key on a PKCS#11 token (pkcs11RootKey.ts). Every sealed
 * value starts with a format byte that names the kind that sealed it.
 */
export interface RootKey {
  /** The first byte of every value this kind of root key seals. */
  readonly format: number;
  /** What the key is, for messages (never the key itself or a PIN). */
  readonly description: string;
  seal(plaintext: Buffer, purpose: string): Buffer;
  /** Throws when the value was not sealed for this purpose under this key. */
  unseal(sealed: Buffer, purpose: string): Buffer;
  /** Releases what the key holds (a token session); the key is unusable afterwards. */
  close(): void;
}
