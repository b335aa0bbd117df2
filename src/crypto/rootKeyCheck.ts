import type { SettingsRepository } from '../store/metadataStore.js';
import type { RootKey } from './rootKey.js';

const SETTING = 'rootKey.check';
const PURPOSE = 'root key check';
const CHECK_VALUE = 'this data directory is sealed under this root key';
/** The format byte of values sealed on a PKCS#11 token (see pkcs11RootKey.ts). */
const PKCS11_FORMAT = 2;

/** Whether this data directory already has data sealed under a root key (its check value exists). */
export async function hasRootKeyCheck(settings: SettingsRepository): Promise<boolean> {
  return (await settings.get(SETTING)) !== undefined;
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
        ? 'the root key does not match this data directory: its root key is on a PKCS#11 token; set VIGIL_PKCS11_MODULE, VIGIL_PKCS11_TOKEN_LABEL, VIGIL_PKCS11_PIN (or VIGIL_PKCS11_PIN_FILE) and VIGIL_PKCS11_KEY_LABEL'
        : `the root key does not match this data directory: its root key is a key file or VIGIL_ROOT_KEY, not the ${rootKey.description}; unset VIGIL_PKCS11_MODULE and restore the key file (or VIGIL_ROOT_KEY) it was created with`,
    );
  }
  try {
    rootKey.unseal(sealed, PURPOSE);
  } catch {
    throw new Error(`the root key does not match this data directory (${rootKey.description}): restore the key file, VIGIL_ROOT_KEY or token key it was created with`);
  }
}
