import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pkcs11js from 'pkcs11js';
import { InMemoryRootKey } from '../../src/crypto/inMemoryRootKey.js';
import { Pkcs11RootKey } from '../../src/crypto/pkcs11RootKey.js';
import { type Pkcs11Settings, pkcs11SettingsFromEnv } from '../../src/crypto/pkcs11Settings.js';
import { createKeyOnToken, makeSoftHsm, SOFTHSM_MODULE, type SoftHsm, softHsmSkip } from '../helpers/softhsm.js';

const PIN = 'user-pin-4711';

describe('the PKCS#11 root key on SoftHSM2', { skip: softHsmSkip }, () => {
  let hsm: SoftHsm;
  const settings = (overrides: Partial<Pkcs11Settings> = {}): Pkcs11Settings => ({
    module: SOFTHSM_MODULE,
    tokenLabel: 'unit',
    keyLabel: 'root',
    pin: PIN,
    ...overrides,
  });
  const keyLabels = (token = 'unit') =>
    hsm
      .secretKeys(token, PIN)
      .map((k) => k.label)
      .sort();

  before(async () => {
    hsm = await makeSoftHsm();
    await hsm.initToken('unit', PIN);
  });
  after(() => hsm.cleanup());

  test('a new key is generated on the token, non-extractable and sensitive', () => {
    const rootKey = Pkcs11RootKey.open(settings(), { createIfMissing: true });
    try {
      assert.equal(rootKey.created, true);
      assert.equal(rootKey.description, 'PKCS#11 key "root" on token "unit"');
    } finally {
      rootKey.close();
    }
    const [key, ...others] = hsm.secretKeys('unit', PIN);
    assert.equal(others.length, 0);
    assert.deepEqual(key, { label: 'root', extractable: false, sensitive: true, neverExtractable: true, token: true, valueRead: 'CKR_ATTRIBUTE_SENSITIVE' });
  });

  test('seals with a format byte, a fresh IV and a tag, and unseals only for the same purpose and bytes', () => {
    const rootKey = Pkcs11RootKey.open(settings(), { createIfMissing: false });
    try {
      assert.equal(rootKey.created, false, 'the existing key is found by its label');
      const plaintext = Buffer.from('kms key material');
      const sealed = rootKey.seal(plaintext, 'purpose A');
      assert.equal(sealed[0], 2);
      assert.equal(sealed.length, 1 + 12 + plaintext.length + 16);
      assert.ok(!sealed.includes(plaintext), 'the plaintext does not appear in the sealed value');
      assert.notDeepEqual(rootKey.seal(plaintext, 'purpose A'), sealed, 'a fresh IV each time');
      assert.deepEqual(rootKey.unseal(sealed, 'purpose A'), plaintext);
      assert.throws(() => rootKey.unseal(sealed, 'purpose B'), /value sealed for purpose B cannot be opened with PKCS#11 key "root" on token "unit" \(CKR_/);
      for (const index of [1, 13, sealed.length - 1]) {
        const changed = Buffer.from(sealed);
        changed[index] ^= 1;
        assert.throws(() => rootKey.unseal(changed, 'purpose A'), /cannot be opened/, `byte ${index} flipped`);
      }
      assert.throws(() => rootKey.unseal(sealed.subarray(0, 28), 'purpose A'), /malformed/);
      const inMemory = InMemoryRootKey.generate().seal(plaintext, 'purpose A');
      assert.throws(() => rootKey.unseal(inMemory, 'purpose A'), /not sealed by a PKCS#11 root key/);
    } finally {
      rootKey.close();
    }
  });

  test('a missing key is not generated for an existing installation', () => {
    assert.throws(() => Pkcs11RootKey.open(settings({ keyLabel: 'absent' }), { createIfMissing: false }), /token "unit" has no AES key labelled "absent" \(VIGIL_PKCS11_KEY_LABEL\)/);
    assert.deepEqual(keyLabels(), ['root']);
  });

  test('a wrong PIN, an unknown token and an unloadable module are refused by name, the PIN never shown', () => {
    assert.throws(
      () => Pkcs11RootKey.open(settings({ pin: 'wrong-pin-0000' }), { createIfMissing: true }),
      (error: Error) => {
        assert.match(error.message, /cannot log in to PKCS#11 token "unit": the PIN is incorrect/);
        assert.ok(!error.message.includes('wrong-pin-0000'));
        return true;
      },
    );
    assert.throws(
      () => Pkcs11RootKey.open(settings({ tokenLabel: 'nope' }), { createIfMissing: true }),
      /no PKCS#11 token labelled "nope" \(VIGIL_PKCS11_TOKEN_LABEL\) in \/usr\/lib\/softhsm\/libsofthsm2\.so; tokens present: "unit"/,
    );
    assert.throws(() => Pkcs11RootKey.open(settings({ module: '/nonexistent/libpkcs11.so' }), { createIfMissing: true }), /cannot load the PKCS#11 module \/nonexistent\/libpkcs11\.so/);
    assert.deepEqual(keyLabels(), ['root'], 'nothing was generated');
  });

  test('keys that can be read out, are not AES-256 or share a label are refused', () => {
    createKeyOnToken('unit', PIN, 'extractable', { extractable: true });
    assert.throws(
      () => Pkcs11RootKey.open(settings({ keyLabel: 'extractable' }), { createIfMissing: true }),
      /PKCS#11 key "extractable" on token "unit" can be read out of the token \(it must have CKA_SENSITIVE true and CKA_EXTRACTABLE false\)/,
    );
    createKeyOnToken('unit', PIN, 'aes128', { extractable: false, bytes: 16 });
    assert.throws(() => Pkcs11RootKey.open(settings({ keyLabel: 'aes128' }), { createIfMissing: true }), /"aes128" on token "unit" is not an AES-256 key/);
    createKeyOnToken('unit', PIN, 'twice', { extractable: false });
    createKeyOnToken('unit', PIN, 'twice', { extractable: false });
    assert.throws(() => Pkcs11RootKey.open(settings({ keyLabel: 'twice' }), { createIfMissing: true }), /more than one secret key labelled "twice"/);
  });

  test('the last close finalizes the library: a new C_Initialize succeeds', () => {
    const first = Pkcs11RootKey.open(settings(), { createIfMissing: false });
    const second = Pkcs11RootKey.open(settings(), { createIfMissing: false });
    first.close();
    assert.deepEqual(second.unseal(second.seal(Buffer.from('x'), 'p'), 'p'), Buffer.from('x'), 'still usable after the other closed');
    second.close();
    second.close(); // idempotent
    const probe = new pkcs11js.PKCS11();
    probe.load(SOFTHSM_MODULE);
    try {
      probe.C_Initialize(); // throws CKR_CRYPTOKI_ALREADY_INITIALIZED while a root key still holds the library
    } finally {
      try {
        probe.C_Finalize();
      } finally {
        probe.close();
      }
    }
  });
});

describe('PKCS#11 settings from the environment', () => {
  const base = { VIGIL_PKCS11_MODULE: '/usr/lib/softhsm/libsofthsm2.so', VIGIL_PKCS11_TOKEN_LABEL: 'vigil', VIGIL_PKCS11_PIN: '1234' };

  test('absent without VIGIL_PKCS11_MODULE; key label defaults to vigil-root-key', async () => {
    assert.equal(await pkcs11SettingsFromEnv({}), undefined);
    assert.deepEqual(await pkcs11SettingsFromEnv(base), { module: base.VIGIL_PKCS11_MODULE, tokenLabel: 'vigil', keyLabel: 'vigil-root-key', pin: '1234' });
    assert.equal((await pkcs11SettingsFromEnv({ ...base, VIGIL_PKCS11_KEY_LABEL: 'k' }))?.keyLabel, 'k');
  });

  test('the PIN from a 0600 file, one trailing newline ignored; a file others can read is refused', async (t) => {
    const hsmDir = await mkdtemp(join(tmpdir(), 'vigil-pin-'));
    t.after(() => rm(hsmDir, { recursive: true, force: true }));
    const pinFile = join(hsmDir, 'pin');
    await writeFile(pinFile, 'from file\n', { mode: 0o600 });
    const env = { ...base, VIGIL_PKCS11_PIN: undefined, VIGIL_PKCS11_PIN_FILE: pinFile };
    assert.equal((await pkcs11SettingsFromEnv(env))?.pin, 'from file');
    await chmod(pinFile, 0o640);
    await assert.rejects(pkcs11SettingsFromEnv(env), new RegExp(`VIGIL_PKCS11_PIN_FILE ${pinFile} can be read by other users \\(mode 640\\); run: chmod 600 ${pinFile}`));
    await writeFile(join(hsmDir, 'empty'), '', { mode: 0o600 });
    await assert.rejects(pkcs11SettingsFromEnv({ ...env, VIGIL_PKCS11_PIN_FILE: join(hsmDir, 'empty') }), /is empty/);
    await assert.rejects(pkcs11SettingsFromEnv({ ...env, VIGIL_PKCS11_PIN_FILE: join(hsmDir, 'missing') }), /VIGIL_PKCS11_PIN_FILE .*missing cannot be read \(ENOENT\)/);
    await assert.rejects(pkcs11SettingsFromEnv({ ...env, VIGIL_PKCS11_PIN: '1234' }), /set VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE, not both/);
  });

  test('incomplete or conflicting settings are refused by name', async () => {
    const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
      [{ VIGIL_PKCS11_TOKEN_LABEL: 'vigil', VIGIL_PKCS11_PIN: '1' }, /VIGIL_PKCS11_TOKEN_LABEL, VIGIL_PKCS11_PIN set without VIGIL_PKCS11_MODULE/],
      [{ ...base, VIGIL_ROOT_KEY: 'x' }, /set VIGIL_ROOT_KEY or VIGIL_PKCS11_MODULE, not both/],
      [{ ...base, VIGIL_PKCS11_MODULE: 'libsofthsm2.so' }, /VIGIL_PKCS11_MODULE must be the absolute path of a PKCS#11 library, not libsofthsm2\.so/],
      [{ ...base, VIGIL_PKCS11_TOKEN_LABEL: undefined }, /VIGIL_PKCS11_TOKEN_LABEL must name the token/],
      [{ ...base, VIGIL_PKCS11_TOKEN_LABEL: 'x'.repeat(33) }, /longer than a token label \(32 bytes\)/],
      [{ ...base, VIGIL_PKCS11_PIN: undefined }, /VIGIL_PKCS11_PIN or VIGIL_PKCS11_PIN_FILE must give the token's user PIN/],
    ];
    for (const [env, message] of cases) await assert.rejects(pkcs11SettingsFromEnv(env), message);
  });
});
