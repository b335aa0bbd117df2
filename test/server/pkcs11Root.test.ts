import assert from 'node:assert/strict';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { kmsClient } from '../helpers/kms.js';
import { createKeyOnToken, makeSoftHsm, type SoftHsm, softHsmSkip } from '../helpers/softhsm.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const PIN = 'vigil-pin-2718';
const WRONG_PIN = 'wrong-pin-3141';
const context = { line: '3', purpose: 'pkcs11 root test' };

async function withKms<T>(vigil: TestVigil, work: (kms: KMSClient) => Promise<T>): Promise<T> {
  const kms = kmsClient(vigil);
  try {
    return await work(kms);
  } finally {
    kms.destroy();
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('Vigil with its root key on a PKCS#11 token (SoftHSM2)', { skip: softHsmSkip }, () => {
  let hsm: SoftHsm;
  let dataDir: string;
  let fileKeyDataDir: string;
  let keyId: string;
  let encrypted: Uint8Array;
  let dataKey: { plaintext: Uint8Array; blob: Uint8Array };
  const env = (overrides: NodeJS.ProcessEnv = {}) => ({ ...hsm.env('vigil-root', PIN, 'vigil-root-key'), ...overrides });
  const keysOn = (token: string) =>
    hsm
      .secretKeys(token, PIN)
      .map((k) => k.label)
      .sort();

  /** The refusal for `badEnv`, checked to name the problem, not to show the PIN, and to change nothing on either token. */
  async function refused(badEnv: NodeJS.ProcessEnv, message: RegExp, directory = dataDir): Promise<void> {
    const before = [keysOn('vigil-root'), keysOn('other-token')];
    await assert.rejects(startTestVigil({ dataDir: directory, env: badEnv }), (error: Error) => {
      assert.match(error.message, message);
      assert.ok(!error.message.includes(PIN) && !error.message.includes(WRONG_PIN), 'no PIN in the message');
      return true;
    });
    assert.deepEqual([keysOn('vigil-root'), keysOn('other-token')], before, 'nothing changed on the tokens');
  }

  before(async () => {
    hsm = await makeSoftHsm();
    await hsm.initToken('vigil-root', PIN);
    await hsm.initToken('other-token', PIN);
    dataDir = await mkdtemp(join(tmpdir(), 'vigil-pkcs11-'));
    fileKeyDataDir = await mkdtemp(join(tmpdir(), 'vigil-pkcs11-filekey-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
    await rm(fileKeyDataDir, { recursive: true, force: true });
    await hsm.cleanup();
  });

  test('a new installation generates its root key on the token (non-extractable, sensitive) and the KMS works under it', async () => {
    assert.deepEqual(keysOn('vigil-root'), []);
    const vigil = await startTestVigil({ dataDir, env: env() });
    try {
      assert.equal(await exists(join(dataDir, 'keys', 'root.key')), false, 'no key file is written');
      await withKms(vigil, async (kms) => {
        keyId = (await kms.send(new CreateKeyCommand({ Description: 'under the HSM root' }))).KeyMetadata!.KeyId!;
        encrypted = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('line 3 secret'), EncryptionContext: context }))).CiphertextBlob!;
        assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: context }))).Plaintext!).toString(), 'line 3 secret');
        const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }));
        dataKey = { plaintext: generated.Plaintext!, blob: generated.CiphertextBlob! };
        assert.equal(dataKey.plaintext.length, 32);
      });
    } finally {
      await vigil.stop();
    }
    assert.deepEqual(hsm.secretKeys('vigil-root', PIN), [{ label: 'vigil-root-key', extractable: false, sensitive: true, neverExtractable: true, token: true, valueRead: 'CKR_ATTRIBUTE_SENSITIVE' }]);
  });

  test('after a restart (PIN from a 0600 file) the same token key opens the KMS keys and their ciphertexts', async () => {
    const pinFile = join(hsm.dir, 'pin');
    await writeFile(pinFile, `${PIN}\n`, { mode: 0o600 });
    const vigil = await startTestVigil({ dataDir, env: env({ VIGIL_PKCS11_PIN: undefined, VIGIL_PKCS11_PIN_FILE: pinFile }) });
    try {
      await withKms(vigil, async (kms) => {
        assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, 'Enabled');
        assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: context }))).Plaintext!).toString(), 'line 3 secret');
        assert.deepEqual((await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.blob, EncryptionContext: context }))).Plaintext, dataKey.plaintext);
      });
    } finally {
      await vigil.stop();
    }
    assert.deepEqual(keysOn('vigil-root'), ['vigil-root-key'], 'no second key was generated');
  });

  test('a wrong PIN is refused and changes nothing', async () => {
    await refused(env({ VIGIL_PKCS11_PIN: WRONG_PIN }), /cannot log in to PKCS#11 token "vigil-root": the PIN is incorrect \(VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE\)/);
  });

  test('a key label that is not on the token is refused, and no key is generated for an existing installation', async () => {
    await refused(env({ VIGIL_PKCS11_KEY_LABEL: 'renamed-key' }), /token "vigil-root" has no AES key labelled "renamed-key" \(VIGIL_PKCS11_KEY_LABEL\), and this data directory is sealed under it/);
  });

  test('a token label that names no token is refused with the tokens present', async () => {
    await refused(
      env({ VIGIL_PKCS11_TOKEN_LABEL: 'missing-token' }),
      /no PKCS#11 token labelled "missing-token" \(VIGIL_PKCS11_TOKEN_LABEL\) in \/usr\/lib\/softhsm\/libsofthsm2\.so; tokens present: ("vigil-root", "other-token"|"other-token", "vigil-root")$/,
    );
  });

  test('another token with a key of the same label is the wrong root key: the check value stops the start', async () => {
    createKeyOnToken('other-token', PIN, 'vigil-root-key', { extractable: false });
    await refused(env({ VIGIL_PKCS11_TOKEN_LABEL: 'other-token' }), /the root key does not match this data directory \(PKCS#11 key "vigil-root-key" on token "other-token"\)/);
  });

  test('started without the PKCS#11 settings, the installation says its root key is on a token', async () => {
    await refused({}, /the root key does not match this data directory: its root key is on a PKCS#11 token; set VIGIL_PKCS11_MODULE/);
    assert.equal(await exists(join(dataDir, 'keys', 'root.key')), false, 'no key file is written for a token installation');
  });

  test('a key-file installation started with PKCS#11 settings is refused, and no key is generated on the token', async () => {
    const fileKeyed = await startTestVigil({ dataDir: fileKeyDataDir });
    await fileKeyed.stop();
    await refused(env({ VIGIL_PKCS11_KEY_LABEL: 'never-created' }), /token "vigil-root" has no AES key labelled "never-created"/, fileKeyDataDir);
    await refused(env(), /its root key is a key file or VIGIL_ROOT_KEY, not the PKCS#11 key "vigil-root-key" on token "vigil-root"/, fileKeyDataDir);
  });

  test('after every refusal the installation still starts with the right settings and its data opens', async () => {
    const vigil = await startTestVigil({ dataDir, env: env() });
    try {
      await withKms(vigil, async (kms) => {
        assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: context }))).Plaintext!).toString(), 'line 3 secret');
      });
    } finally {
      await vigil.stop();
    }
  });
});
