import type { SettingsRepository } from '../store/metadataStore.js';
import { PKCS11_FORMAT } from './pkcs11RootKey.js';
import type { RootKey } from './rootKey.js';

const SETTING = 'rootKey.check';
const PURPOSE = 'root key check';
const CHECK_VALUE = 'this data directory is sealed under this root key';

/** Said when a data directory sealed under a token's key is started without the token's settings. */
export const ROOT_KEY_ON_TOKEN =
  'the root key does not match this data directory: its root key is on a PKCS#11 token; set VIGIL_PKCS11_MODULE, VIGIL_PKCS11_TOKEN_LABEL, VIGIL_PKCS11_PIN (or VIGIL_PKCS11_PIN_FILE) and VIGIL_PKCS11_KEY_LABEL';

/**
 * The kind of root key this data directory's data is sealed under, as the format byte of its check
 * value (1: key file or VIGIL_ROOT_KEY, 2: PKCS#11 token), or undefined for a new installation.
 */
export async function installedRootKeyFormat(settings: SettingsRepository): Promise<number | undefined> {
  const stored = await settings.get(SETTING);
  return stored === undefined ? undefined : Buffer.from(stored, 'base64')[0];
}

/**
 * Makes sure the root key is the one this data directory was sealed under, so that a wrong
 * VIGIL_ROOT_KEY, a swapped key file or the wrong token or key stops the start with a clear
 * message instead of failing on every request later.
 */
export async function checkRootKey(settings: SettingsRepository, rootKey: RootKey): Promise<void> {
  const stored = await settings.get(SETTING);
  if (stored === undefined) {
    await settings.putIfAbsent(SETTING, rootKey.seal(Buffer.from(CHECK_VALUE), PURPOSE).toString('base64'));
    return;
  }
  const sealed = Buffer.from(stored, 'base64');
  if (sealed[0] !== rootKey.format) {
    throw new Error(
      sealed[0] === PKCS11_FORMAT
        ? ROOT_KEY_ON_TOKEN
        : `the root key does not match this data directory: its root key is a key file or VIGIL_ROOT_KEY, not the ${rootKey.description}; unset VIGIL_PKCS11_MODULE and restore the key file (or VIGIL_ROOT_KEY) it was created with`,
    );
  }
  try {
    rootKey.unseal(sealed, PURPOSE);
  } catch {
    throw new Error(`the root key does not match this data directory (${rootKey.description}): restore the key file, VIGIL_ROOT_KEY or token key it was created with`);
  }
}
