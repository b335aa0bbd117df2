import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pkcs11js from 'pkcs11js';
import { acquirePkcs11Module, releasePkcs11Module } from '../../src/crypto/pkcs11Module.js';

const run = promisify(execFile);

/** Debian's SoftHSM2 (apt-get install softhsm2). */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const SOFTHSM_UTIL = '/usr/bin/softhsm2-util';

/**
 * Why the SoftHSM2 tests cannot run here, or false when they can. In CI (CI set) a missing
 * SoftHSM2 is a failure, not a skip: the tests then run and fail on the missing module.
 */
export const softHsmSkip: string | false =
  existsSync(SOFTHSM_MODULE) && existsSync(SOFTHSM_UTIL) ? false : process.env.CI ? false : `SoftHSM2 is not installed (${SOFTHSM_MODULE}): apt-get install -y softhsm2`;

export interface SoftHsm {
  dir: string;
  /** Initializes a new token in the first free slot. */
  initToken(label: string, pin: string): Promise<void>;
  /** The environment that points Vigil at a token and key. */
  env(tokenLabel: string, pin: string, keyLabel?: string): NodeJS.ProcessEnv;
  /** The labels and attributes of the secret keys on a token, read through a session of its own. */
  secretKeys(tokenLabel: string, pin: string): KeyAttributes[];
  /** Deletes the tokens and restores SOFTHSM2_CONF. */
  cleanup(): Promise<void>;
}

export interface KeyAttributes {
  label: string;
  extractable: boolean;
  sensitive: boolean;
  neverExtractable: boolean;
  token: boolean;
  /** The error a read of CKA_VALUE gives (it must not give the key). */
  valueRead: string;
}

/**
 * A throwaway SoftHSM2 installation: a config file and token directory in a temp dir, selected
 * through SOFTHSM2_CONF in this process's environment (SoftHSM2 reads it at C_Initialize, and
 * Vigil finalizes the library when it closes, so each start reads it again).
 */
export async function makeSoftHsm(): Promise<SoftHsm> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-softhsm-'));
  const tokens = join(dir, 'tokens');
  await mkdir(tokens, { mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`, { mode: 0o600 });
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  return {
    dir,
    async initToken(label, pin) {
      await run(SOFTHSM_UTIL, ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', `so-${pin}`], { env: { ...process.env, SOFTHSM2_CONF: conf } });
    },
    env: (tokenLabel, pin, keyLabel) => ({
      VIGIL_PKCS11_MODULE: SOFTHSM_MODULE,
      VIGIL_PKCS11_TOKEN_LABEL: tokenLabel,
      VIGIL_PKCS11_PIN: pin,
      ...(keyLabel === undefined ? {} : { VIGIL_PKCS11_KEY_LABEL: keyLabel }),
    }),
    secretKeys(tokenLabel, pin) {
      const pkcs11 = acquirePkcs11Module(SOFTHSM_MODULE);
      try {
        const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === tokenLabel);
        if (!slot) throw new Error(`no token ${tokenLabel}`);
        const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
        try {
          try {
            pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
          } catch (error) {
            if ((error as { code?: number }).code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw error;
          }
          pkcs11.C_FindObjectsInit(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }]);
          const handles = pkcs11.C_FindObjects(session, 100);
          pkcs11.C_FindObjectsFinal(session);
          return handles.map((handle) => {
            const [label, extractable, sensitive, neverExtractable, token] = pkcs11
              .C_GetAttributeValue(session, handle, [
                { type: pkcs11js.CKA_LABEL },
                { type: pkcs11js.CKA_EXTRACTABLE },
                { type: pkcs11js.CKA_SENSITIVE },
                { type: pkcs11js.CKA_NEVER_EXTRACTABLE },
                { type: pkcs11js.CKA_TOKEN },
              ])
              .map((a) => a.value as Buffer);
            let valueRead = 'CKA_VALUE was returned';
            try {
              pkcs11.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_VALUE }]);
            } catch (error) {
              valueRead = (error as Error).message;
            }
            return { label: label.toString('utf8'), extractable: extractable[0] === 1, sensitive: sensitive[0] === 1, neverExtractable: neverExtractable[0] === 1, token: token[0] === 1, valueRead };
          });
        } finally {
          pkcs11.C_CloseSession(session);
        }
      } finally {
        releasePkcs11Module(SOFTHSM_MODULE);
      }
    },
    async cleanup() {
      if (previous === undefined) delete process.env.SOFTHSM2_CONF;
      else process.env.SOFTHSM2_CONF = previous;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a secret key on a token with the given attributes, as an operator might have (for refusal tests). */
export function createKeyOnToken(tokenLabel: string, pin: string, keyLabel: string, options: { extractable: boolean; bytes?: number }): void {
  const pkcs11 = acquirePkcs11Module(SOFTHSM_MODULE);
  try {
    const slot = pkcs11.C_GetSlotList(true).find((s) => pkcs11.C_GetTokenInfo(s).label.trim() === tokenLabel);
    if (!slot) throw new Error(`no token ${tokenLabel}`);
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      try {
        pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        if ((error as { code?: number }).code !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw error;
      }
      pkcs11.C_GenerateKey(session, { mechanism: pkcs11js.CKM_AES_KEY_GEN }, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
        { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_AES },
        { type: pkcs11js.CKA_VALUE_LEN, value: options.bytes ?? 32 },
        { type: pkcs11js.CKA_LABEL, value: keyLabel },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SENSITIVE, value: !options.extractable },
        { type: pkcs11js.CKA_EXTRACTABLE, value: options.extractable },
        { type: pkcs11js.CKA_ENCRYPT, value: true },
        { type: pkcs11js.CKA_DECRYPT, value: true },
      ]);
    } finally {
      pkcs11.C_CloseSession(session);
    }
  } finally {
    releasePkcs11Module(SOFTHSM_MODULE);
  }
}
