import { PKCS11_FORMAT, Pkcs11RootKey } from './pkcs11RootKey.js';
import { pkcs11SettingsFromEnv } from './pkcs11Settings.js';
import type { RootKey } from './rootKey.js';
import { ROOT_KEY_ON_TOKEN } from './rootKeyCheck.js';
import { loadRootKey } from './rootKeyFile.js';

/**
 * The installation's root key: on a PKCS#11 token when VIGIL_PKCS11_MODULE is set, else from
 * VIGIL_ROOT_KEY or the key file. `installedFormat` is the kind of root key the data directory is
 * already sealed under (installedRootKeyFormat), undefined for a new installation: only a new
 * installation may generate a key, on the token or as a key file.
 */
export async function openRootKey(dataDir: string, env: NodeJS.ProcessEnv, options: { installedFormat: number | undefined }): Promise<RootKey> {
  const installed = options.installedFormat !== undefined;
  const pkcs11 = await pkcs11SettingsFromEnv(env);
  if (pkcs11) return Pkcs11RootKey.open(pkcs11, { createIfMissing: !installed });
  if (options.installedFormat === PKCS11_FORMAT) throw new Error(ROOT_KEY_ON_TOKEN);
  return (await loadRootKey(dataDir, env, { installed })).rootKey;
}
