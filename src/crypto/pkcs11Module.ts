import pkcs11js from 'pkcs11js';

/*
 * A PKCS#11 library may be initialized once per process, so every root key that uses the same
 * library shares one loaded, initialized instance; the last one to let go finalizes and unloads it.
 */
const loaded = new Map<string, { pkcs11: pkcs11js.PKCS11; users: number }>();

/** Loads and initializes the library at `path`, or takes another reference to it. */
export function acquirePkcs11Module(path: string): pkcs11js.PKCS11 {
  const existing = loaded.get(path);
  if (existing) {
    existing.users++;
    return existing.pkcs11;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(path);
  } catch (error) {
    throw new Error(`cannot load the PKCS#11 module ${path} (VIGIL_PKCS11_MODULE): ${(error as Error).message}`);
  }
  try {
    pkcs11.C_Initialize();
  } catch (error) {
    pkcs11.close();
    throw new Error(`the PKCS#11 module ${path} failed to initialize: ${pkcs11ErrorName(error)}`);
  }
  loaded.set(path, { pkcs11, users: 1 });
  return pkcs11;
}

/** Gives back one reference; the last one finalizes and unloads the library. */
export function releasePkcs11Module(path: string): void {
  const entry = loaded.get(path);
  if (!entry) return;
  if (--entry.users > 0) return;
  loaded.delete(path);
  try {
    entry.pkcs11.C_Finalize();
  } finally {
    entry.pkcs11.close();
  }
}

/** The CKR_… name of a PKCS#11 failure (pkcs11js puts it in the message), or the message of another error. */
export function pkcs11ErrorName(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  return /^CKR_[A-Z_]+/.exec(message)?.[0] ?? message;
}

/** Whether `error` is the PKCS#11 return value `code` (a CKR_… constant). */
export function isPkcs11Error(error: unknown, code: number): boolean {
  return error instanceof pkcs11js.Pkcs11Error && error.code === code;
}
