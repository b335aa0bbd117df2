import type { SettingsRepository } from '../store/metadataStore.js';
import type { RootKey } from './rootKey.js';

const SETTING = 'rootKey.check';
const PURPOSE = 'root key check';
const CHECK_VALUE = 'this data directory is sealed under this root key';

/**
 * Makes sure the root key is the one this data directory was sealed under, so that a wrong
 * VIGIL_ROOT_KEY or a swapped key file stops the start with a clear message instead of failing
 * on every request later.
 */
export async function checkRootKey(settings: SettingsRepository, rootKey: RootKey): Promise<void> {
  const stored = await settings.get(SETTING);
  if (stored === undefined) {
    await settings.putIfAbsent(SETTING, rootKey.seal(Buffer.from(CHECK_VALUE), PURPOSE).toString('base64'));
    return;
  }
  try {
    rootKey.unseal(Buffer.from(stored, 'base64'), PURPOSE);
  } catch {
    throw new Error('the root key does not match this data directory: restore the key file (or VIGIL_ROOT_KEY) it was created with');
  }
}
