import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomicFile.js';
import { InMemoryRootKey } from './inMemoryRootKey.js';

export interface LoadedRootKey {
  rootKey: InMemoryRootKey;
  /** Where it came from, for the start-up message; never the key itself. */
  source: 'environment' | 'new key file' | 'key file';
  path?: string;
}

/**
 * The root key: from VIGIL_ROOT_KEY (base64 of 32 bytes) when set, else `<data>/keys/root.key`,
 * created at first start with mode 0600. A key file that others can read is refused, as ssh does.
 * `installed` says whether the data directory already holds data sealed under a root key: then a
 * missing key file is an error to report, never a reason to write a new one.
 */
export async function loadRootKey(dataDir: string, env: NodeJS.ProcessEnv, options: { installed: boolean }): Promise<LoadedRootKey> {
  if (env.VIGIL_ROOT_KEY) return { rootKey: decode(env.VIGIL_ROOT_KEY, 'VIGIL_ROOT_KEY', 'root key from VIGIL_ROOT_KEY'), source: 'environment' };
  const dir = join(dataDir, 'keys');
  const path = join(dir, 'root.key');
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info) {
    if ((info.mode & 0o077) !== 0) {
      throw new Error(`${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
    }
    return { rootKey: decode(await readFile(path, 'utf8'), path, `root key file ${path}`), source: 'key file', path };
  }
  if (options.installed) {
    throw new Error(
      `the root key does not match this data directory: its data is sealed under a root key, but ${path} is missing and VIGIL_ROOT_KEY is not set; restore the key file (or set VIGIL_ROOT_KEY or the VIGIL_PKCS11_* settings) it was created with`,
    );
  }
  const rootKey = InMemoryRootKey.generate(`root key file ${path}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${rootKey.export()}\n`, 0o600);
  return { rootKey, source: 'new key file', path };
}

function decode(text: string, where: string, description: string): InMemoryRootKey {
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== text.trim()) {
    throw new Error(`${where} must hold a 32-byte key in base64 (44 characters)`);
  }
  return InMemoryRootKey.fromBytes(bytes, description);
}
