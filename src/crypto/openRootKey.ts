import { Pkcs11RootKey } from './pkcs11RootKey.js';
import { pkcs11SettingsFromEnv } from './pkcs11Settings.js';
import type { RootKey } from './rootKey.js';
import { loadRootKey } from './rootKeyFile.js';

/**
 * The installation's root key: on a PKCS#11 token when VIGIL_PKCS11_MODULE is set, else from
 * VIGIL_ROOT_KEY or the key file. `installed` says whether the data directory already holds data
 * sealed under a root key; only a new installation may generate the key on the token.
 */
export async function openRootKey(dataDir: string, env: NodeJS.ProcessEnv, options: { installed: boolean }): Promise<RootKey> {
  const pkcs11 = await pkcs11SettingsFromEnv(env);
  if (pkcs11) return Pkcs11RootKey.open(pkcs11, { createIfMissing: !options.installed });
  return (await loadRootKey(dataDir, env)).rootKey;
}
