import { randomBytes } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js from 'pkcs11js';
import { acquirePkcs11Module, isPkcs11Error, pkcs11ErrorName, releasePkcs11Module } from './pkcs11Module.js';
import type { Pkcs11Settings } from './pkcs11Settings.js';
import type { RootKey } from './rootKey.js';

/*
 * Sealed layout: format (1) = 2 | IV (12) | ciphertext | GCM tag (16);
 * associated data "vigil root key v2\0" + purpose. The token does the AES-256-GCM (CKM_AES_GCM,
 * 128-bit tag) with an IV that Vigil draws from node:crypto; the key never leaves the token.
 */
/** The first byte of every value a PKCS#11 root key seals (a key held in memory seals format 1). */
export const PKCS11_FORMAT = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The attributes of a root-key object Vigil creates: a token AES-256 key that can never be read out. */
function keyTemplate(label: string): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
    { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
    { type: pkcs11js.CKA_LABEL, value: label },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
    { type: pkcs11js.CKA_SIGN, value: false },
    { type: pkcs11js.CKA_VERIFY, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false },
  ];
}

export interface Pkcs11OpenOptions {
  /** Generate the key on the token when no key has the label: only for a new installation. */
  createIfMissing: boolean;
}

/**
 * The root key as a non-extractable AES-256 secret key object on a PKCS#11 token (an HSM, or
 * SoftHSM2). Vigil keeps one logged-in session open while it runs and closes it on close().
 * pkcs11js calls are synchronous, so one operation (init + encrypt/decrypt) never interleaves with
 * another on the session.
 */
export class Pkcs11RootKey implements RootKey {
  readonly format = PKCS11_FORMAT;
  readonly description: string;
  /** Whether open() generated the key object (a new installation whose key was not on the token yet). */
  readonly created: boolean;
  private closed = false;

  private constructor(
    private readonly pkcs11: pkcs11js.PKCS11,
    private readonly modulePath: string,
    private readonly session: Buffer,
    private readonly key: Buffer,
    description: string,
    created: boolean,
  ) {
    this.description = description;
    this.created = created;
  }

  /** Finds the token by label, logs in, and finds (or, when allowed, generates) the key by label. */
  static open(settings: Pkcs11Settings, options: Pkcs11OpenOptions): Pkcs11RootKey {
    const description = `PKCS#11 key "${settings.keyLabel}" on token "${settings.tokenLabel}"`;
    const pkcs11 = acquirePkcs11Module(settings.module);
    let session: Buffer | undefined;
    try {
      const slot = findToken(pkcs11, settings);
      const flags = pkcs11js.CKF_SERIAL_SESSION | (options.createIfMissing ? pkcs11js.CKF_RW_SESSION : 0);
      session = call(() => pkcs11.C_OpenSession(slot, flags), `opening a session with token "${settings.tokenLabel}"`);
      login(pkcs11, session, settings);
      let key = findKey(pkcs11, session, settings);
      const created = key === undefined;
      if (!key) {
        if (!options.createIfMissing) {
          throw new Error(
            `token "${settings.tokenLabel}" has no AES key labelled "${settings.keyLabel}" (VIGIL_PKCS11_KEY_LABEL), and this data directory is sealed under it: ` +
              'check the token and key label, or restore the key to the token',
          );
        }
        const opened = session;
        key = call(
          () => pkcs11.C_GenerateKey(opened, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, keyTemplate(settings.keyLabel)),
          `generating the root key "${settings.keyLabel}" on token "${settings.tokenLabel}"`,
        );
      }
      checkKey(pkcs11, session, key, description);
      return new Pkcs11RootKey(pkcs11, settings.module, session, key, description, created);
    } catch (error) {
      if (session) closeSession(pkcs11, session);
      releasePkcs11Module(settings.module);
      throw error;
    }
  }

  seal(plaintext: Buffer, purpose: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    this.pkcs11.C_EncryptInit(this.session, this.mechanism(iv, purpose), this.key);
    const body = this.pkcs11.C_Encrypt(this.session, plaintext, Buffer.alloc(plaintext.length + TAG_BYTES));
    if (body.length !== plaintext.length + TAG_BYTES) throw new Error(`${this.description} returned ${body.length} bytes of AES-GCM output for ${plaintext.length} bytes`);
    return Buffer.concat([Buffer.of(PKCS11_FORMAT), iv, body]);
  }

  unseal(sealed: Buffer, purpose: string): Buffer {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== PKCS11_FORMAT) {
      throw new Error(`value sealed for ${purpose} is malformed or was not sealed by a PKCS#11 root key`);
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const body = sealed.subarray(1 + IV_BYTES);
    try {
      this.pkcs11.C_DecryptInit(this.session, this.mechanism(iv, purpose), this.key);
      return this.pkcs11.C_Decrypt(this.session, body, Buffer.alloc(body.length));
    } catch (error) {
      // Tokens differ in what they return for a wrong tag (SoftHSM2: CKR_GENERAL_ERROR); name it either way.
      throw new Error(`value sealed for ${purpose} cannot be opened with ${this.description} (${pkcs11ErrorName(error)})`);
    }
  }

  /** Logs out and closes the session (the library is finalized when no other root key uses it). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSession(this.pkcs11, this.session);
    releasePkcs11Module(this.modulePath);
  }

  private mechanism(iv: Buffer, purpose: string): pkcs11js.Mechanism {
    const aad = Buffer.from(`vigil root key v${PKCS11_FORMAT}\0${purpose}`, 'utf8');
    return { mechanism: pkcs11js.CKM_AES_GCM, parameter: { type: pkcs11js.CK_PARAMS_AES_GCM, iv, ivBits: IV_BYTES * 8, aad, tagBits: TAG_BYTES * 8 } as pkcs11js.AesGCM };
  }
}

/** Runs one PKCS#11 call and names what was being done when it fails. */
function call<T>(work: () => T, doing: string): T {
  try {
    return work();
  } catch (error) {
    throw new Error(`PKCS#11 failure ${doing}: ${pkcs11ErrorName(error)}`);
  }
}

function findToken(pkcs11: pkcs11js.PKCS11, settings: Pkcs11Settings): Buffer {
  const labels: string[] = [];
  for (const slot of call(() => pkcs11.C_GetSlotList(true), 'listing the slots')) {
    const info = call(() => pkcs11.C_GetTokenInfo(slot), 'reading token information');
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue; // e.g. SoftHSM2's free slot
    const label = info.label.replace(/[ \0]+$/, '');
    if (label === settings.tokenLabel) {
      if ((info.flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0) throw new Error(`the user PIN of token "${label}" is locked`);
      return slot;
    }
    labels.push(`"${label}"`);
  }
  throw new Error(
    `no PKCS#11 token labelled "${settings.tokenLabel}" (VIGIL_PKCS11_TOKEN_LABEL) in ${settings.module}; ` +
      (labels.length ? `tokens present: ${labels.join(', ')}` : 'no initialized token is present'),
  );
}

function login(pkcs11: pkcs11js.PKCS11, session: Buffer, settings: Pkcs11Settings): void {
  try {
    pkcs11.C_Login(session, pkcs11js.CKU_USER, settings.pin);
  } catch (error) {
    // Another root key in this process is logged in to the same token: the login is shared.
    if (isPkcs11Error(error, pkcs11js.CKR_USER_ALREADY_LOGGED_IN)) return;
    const reason = isPkcs11Error(error, pkcs11js.CKR_PIN_INCORRECT)
      ? 'the PIN is incorrect (VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE)'
      : isPkcs11Error(error, pkcs11js.CKR_PIN_LOCKED)
        ? 'the PIN is locked'
        : pkcs11ErrorName(error);
    throw new Error(`cannot log in to PKCS#11 token "${settings.tokenLabel}": ${reason}`);
  }
}

function findKey(pkcs11: pkcs11js.PKCS11, session: Buffer, settings: Pkcs11Settings): Buffer | undefined {
  const template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_LABEL, value: settings.keyLabel },
  ];
  const found = call(() => {
    pkcs11.C_FindObjectsInit(session, template);
    try {
      return pkcs11.C_FindObjects(session, 2);
    } finally {
      pkcs11.C_FindObjectsFinal(session);
    }
  }, `looking for the key "${settings.keyLabel}"`);
  if (found.length > 1) throw new Error(`token "${settings.tokenLabel}" has more than one secret key labelled "${settings.keyLabel}"; the root key's label must be unique`);
  return found[0];
}

/** Refuses a key that is not AES-256, can be read out of the token, or cannot encrypt and decrypt. */
function checkKey(pkcs11: pkcs11js.PKCS11, session: Buffer, key: Buffer, description: string): void {
  const [keyType, valueLength, sensitive, extractable, encrypt, decrypt] = call(
    () =>
      pkcs11.C_GetAttributeValue(session, key, [
        { type: pkcs11js.CKA_KEY_TYPE },
        { type: pkcs11js.CKA_VALUE_LEN },
        { type: pkcs11js.CKA_SENSITIVE },
        { type: pkcs11js.CKA_EXTRACTABLE },
        { type: pkcs11js.CKA_ENCRYPT },
        { type: pkcs11js.CKA_DECRYPT },
      ]),
    `reading the attributes of ${description}`,
  ).map((attribute) => attribute.value as Buffer);
  if (ulong(keyType) !== pkcs11js.CKK_AES || ulong(valueLength) !== 32) {
    throw new Error(`${description} is not an AES-256 key`);
  }
  if (sensitive[0] !== 1 || extractable[0] !== 0) {
    throw new Error(`${description} can be read out of the token (it must have CKA_SENSITIVE true and CKA_EXTRACTABLE false)`);
  }
  if (encrypt[0] !== 1 || decrypt[0] !== 1) throw new Error(`${description} is not allowed to encrypt and decrypt (CKA_ENCRYPT, CKA_DECRYPT)`);
}

/** A CK_ULONG attribute value, in the machine's byte order. */
function ulong(value: Buffer): number {
  const little = endianness() === 'LE';
  if (value.length === 8) return Number(little ? value.readBigUInt64LE() : value.readBigUInt64BE());
  if (value.length === 4) return little ? value.readUInt32LE() : value.readUInt32BE();
  return Number.NaN;
}

/**
 * Closes the session. No C_Logout: a login is shared by all of the process's sessions with the
 * token, and closing the last of them ends it (PKCS#11 C_CloseSession); the last root key on the
 * library also finalizes it.
 */
function closeSession(pkcs11: pkcs11js.PKCS11, session: Buffer): void {
  try {
    pkcs11.C_CloseSession(session);
  } catch {
    // The library may already have closed it (e.g. token removed); nothing more to release.
  }
}
