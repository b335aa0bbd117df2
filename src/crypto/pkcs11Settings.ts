import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';

/** Where the PKCS#11 root key is: module, token and key label, and the user PIN to log in with. */
export interface Pkcs11Settings {
  /** Absolute path of the PKCS#11 library (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  module: string;
  tokenLabel: string;
  keyLabel: string;
  /** The token's user PIN. Held only until login; never logged or written anywhere. */
  pin: string;
}

export const DEFAULT_PKCS11_KEY_LABEL = 'vigil-root-key';

/**
 * The PKCS#11 root-key settings from the environment, or undefined when VIGIL_PKCS11_MODULE is not
 * set (then the root key is the key file or VIGIL_ROOT_KEY):
 *   VIGIL_PKCS11_MODULE       the PKCS#11 library, an absolute path
 *   VIGIL_PKCS11_TOKEN_LABEL  the token's label
 *   VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE (a file of mode 0600 holding the PIN), exactly one
 *   VIGIL_PKCS11_KEY_LABEL    the AES-256 key object's label (default vigil-root-key)
 */
export async function pkcs11SettingsFromEnv(env: NodeJS.ProcessEnv): Promise<Pkcs11Settings | undefined> {
  const module = env.VIGIL_PKCS11_MODULE;
  const others = ['VIGIL_PKCS11_TOKEN_LABEL', 'VIGIL_PKCS11_PIN', 'VIGIL_PKCS11_PIN_FILE', 'VIGIL_PKCS11_KEY_LABEL'].filter((name) => env[name]);
  if (!module) {
    if (others.length) throw new Error(`${others.join(', ')} set without VIGIL_PKCS11_MODULE (the PKCS#11 library to use)`);
    return undefined;
  }
  if (env.VIGIL_ROOT_KEY) throw new Error('set VIGIL_ROOT_KEY or VIGIL_PKCS11_MODULE, not both: the root key is either held in memory or on a token');
  if (!isAbsolute(module)) throw new Error(`VIGIL_PKCS11_MODULE must be the absolute path of a PKCS#11 library, not ${module}`);
  const tokenLabel = env.VIGIL_PKCS11_TOKEN_LABEL;
  if (!tokenLabel) throw new Error('VIGIL_PKCS11_TOKEN_LABEL must name the token that holds the root key');
  const keyLabel = env.VIGIL_PKCS11_KEY_LABEL || DEFAULT_PKCS11_KEY_LABEL;
  if (Buffer.byteLength(tokenLabel) > 32) throw new Error('VIGIL_PKCS11_TOKEN_LABEL is longer than a token label (32 bytes)');
  if (env.VIGIL_PKCS11_PIN && env.VIGIL_PKCS11_PIN_FILE) throw new Error('set VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE, not both');
  let pin = env.VIGIL_PKCS11_PIN;
  if (!pin) {
    const path = env.VIGIL_PKCS11_PIN_FILE;
    if (!path) throw new Error("VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE must give the token's user PIN");
    pin = await readPinFile(path);
  }
  return { module, tokenLabel, keyLabel, pin };
}

/** The PIN from a file readable by its owner only (as ssh demands of key files); one trailing newline is ignored. */
async function readPinFile(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`VIGIL_PKCS11_PIN_FILE ${path} cannot be read (${error.code ?? error.message})`);
  });
  if (!info.isFile()) throw new Error(`VIGIL_PKCS11_PIN_FILE ${path} is not a file`);
  if ((info.mode & 0o077) !== 0) {
    throw new Error(`VIGIL_PKCS11_PIN_FILE ${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  const pin = (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  if (!pin) throw new Error(`VIGIL_PKCS11_PIN_FILE ${path} is empty`);
  return pin;
}
