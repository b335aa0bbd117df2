/*
 * Sealed-object throughput against plaintext streaming, side by side in one run; then data-key
 * generation and unwrap rates through the embedded KMS with the root key held in memory (the key
 * file) and on a PKCS#11 token (a throwaway SoftHSM2 token), side by side; then `vigil keys rewrap` next to
 * rewriting the stored files unchanged and re-sealing them.
 * Run: npm run bench:crypto   (builds, then: node dist/bench/crypto.js)
 * Not a test: it prints figures and never fails on timing.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FsBlobStore } from '../src/blob/fsBlobStore.js';
import { SealedBlobStore } from '../src/blob/sealedBlobStore.js';
import { EmbeddedKms } from '../src/crypto/embeddedKms.js';
import { InMemoryRootKey } from '../src/crypto/inMemoryRootKey.js';
import { Pkcs11RootKey } from '../src/crypto/pkcs11RootKey.js';
import type { RootKey } from '../src/crypto/rootKey.js';
import { createOpenStream, createSealStream } from '../src/crypto/sealedObject.js';
import { DataKeyRewrap } from '../src/service/dataKeyRewrap.js';
import { openSqliteStore } from '../src/store/sqliteStore.js';
import { makeTestKms } from '../test/helpers/kms.js';
import { makeSoftHsm, SOFTHSM_MODULE, softHsmSkip } from '../test/helpers/softhsm.js';
import { median } from './figures.js';

const SOURCE_BYTES = 64 * 1024 * 1024;
const PASSES = 4; // the 64 MiB buffer is streamed 4 times: 256 MiB per measurement
const TOTAL_BYTES = SOURCE_BYTES * PASSES;
const CHUNK_BYTES = 64 * 1024; // what a file or socket stream typically hands over
const ROUNDS = 5;
const context = { project: 'bench', dataset: 'train', object: 'bench.bin' };

const source = randomBytes(SOURCE_BYTES);

function plaintextSource(): Readable {
  return Readable.from(
    (function* () {
      for (let pass = 0; pass < PASSES; pass++) {
        for (let offset = 0; offset < SOURCE_BYTES; offset += CHUNK_BYTES) yield source.subarray(offset, offset + CHUNK_BYTES);
      }
    })(),
  );
}

/** Discards what it is given, counting it so the run can check nothing went missing. */
function discard(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      sink.bytes += chunk.length;
      callback();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

async function seconds(work: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function main(): Promise<void> {
  const { kms, close } = await makeTestKms();
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-crypto-'));
  const plainPath = join(dir, 'plain.bin');
  const sealedPath = join(dir, 'sealed.bin');
  const times: Record<'plainWrite' | 'sealWrite' | 'plainRead' | 'openRead', number[]> = {
    plainWrite: [],
    sealWrite: [],
    plainRead: [],
    openRead: [],
  };
  try {
    console.log('command: npm run bench:crypto  (node dist/bench/crypto.js)');
    console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, temp dir ${dir}`);
    console.log(
      `${TOTAL_BYTES / 2 ** 20} MiB per measurement (a 64 MiB random buffer streamed ${PASSES}× in ${CHUNK_BYTES / 1024} KiB chunks), default 64 KiB frames, ${ROUNDS} alternating rounds + 1 warm-up\n`,
    );

    for (let round = 0; round <= ROUNDS; round++) {
      const result = {
        plainWrite: await seconds(() => pipeline(plaintextSource(), new PassThrough(), createWriteStream(plainPath))),
        sealWrite: await seconds(async () => pipeline(plaintextSource(), await createSealStream(kms, { context }), createWriteStream(sealedPath))),
        plainRead: 0,
        openRead: 0,
      };
      const plainSink = discard();
      result.plainRead = await seconds(() => pipeline(createReadStream(plainPath), plainSink));
      const openSink = discard();
      result.openRead = await seconds(() => pipeline(createReadStream(sealedPath), createOpenStream(kms, context), openSink));
      if (plainSink.bytes !== TOTAL_BYTES || openSink.bytes !== TOTAL_BYTES) throw new Error('a stream lost bytes');
      if (round === 0) continue; // warm-up: JIT, page cache, KMS key material
      for (const name of Object.keys(times) as Array<keyof typeof times>) times[name].push(result[name]);
    }

    const overhead = (await stat(sealedPath)).size - TOTAL_BYTES;
    const rate = (name: keyof typeof times) => TOTAL_BYTES / 1e6 / median(times[name]);
    const rows: Array<[string, keyof typeof times]> = [
      ['(a) plaintext → PassThrough → file', 'plainWrite'],
      ['(b) plaintext → seal stream → file', 'sealWrite'],
      ['(c) sealed file → open stream → discard', 'openRead'],
      ['    plaintext file → discard (read baseline)', 'plainRead'],
    ];
    console.log('median MB/s (10^6 bytes of plaintext per second)   runs in seconds');
    for (const [label, name] of rows) {
      console.log(`${label.padEnd(46)} ${rate(name).toFixed(0).padStart(6)}   ${times[name].map((t) => t.toFixed(3)).join(' ')}`);
    }
    console.log('');
    console.log(`seal / plaintext write   ${(rate('sealWrite') / rate('plainWrite')).toFixed(2)}  (throughput ratio; 1.00 = as fast as plaintext)`);
    console.log(`open / plaintext write   ${(rate('openRead') / rate('plainWrite')).toFixed(2)}`);
    console.log(`open / plaintext read    ${(rate('openRead') / rate('plainRead')).toFixed(2)}`);
    console.log(`sealed size overhead     ${overhead} bytes (${((overhead / TOTAL_BYTES) * 100).toFixed(3)} %)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await close();
  }
}

const DATA_KEY_OPS = 2000; // per round and operation
const DATA_KEY_ROUNDS = 5;
const dataKeyContext = { project: 'bench', dataset: 'train', object: 'data-key.bin' };

interface DataKeyRates {
  generate: number;
  decrypt: number;
  /** GenerateDataKey on a KMS opened just before, so the key material is unsealed by the root key in that call. */
  generateUncached: number;
  /** What one unseal of 32 bytes of key material by the root key costs on its own. */
  rootUnseal: number;
}

/** One KMS over its own in-memory store per root key; each round measures every operation once. */
async function dataKeyBench(rootKey: RootKey) {
  const store = openSqliteStore(':memory:');
  const options = { region: 'us-east-1', accountId: '123456789012' };
  const kms = await EmbeddedKms.open(store, rootKey, options);
  const { keyId } = await kms.createKey({ description: 'bench' });
  const sealedMaterial = rootKey.seal(randomBytes(32), 'bench key material');
  const rates: Record<keyof DataKeyRates, number[]> = { generate: [], decrypt: [], generateUncached: [], rootUnseal: [] };
  return {
    rates,
    async round(record: boolean): Promise<void> {
      const blobs: Buffer[] = [];
      const generate = await seconds(async () => {
        for (let i = 0; i < DATA_KEY_OPS; i++) blobs.push((await kms.generateDataKey(keyId, dataKeyContext)).ciphertextBlob);
      });
      const decrypt = await seconds(async () => {
        for (const blob of blobs) (await kms.decryptDataKey(blob, dataKeyContext)).plaintext.fill(0);
      });
      const generateUncached = await seconds(async () => {
        for (let i = 0; i < DATA_KEY_OPS; i++) await (await EmbeddedKms.open(store, rootKey, options)).generateDataKey(keyId, dataKeyContext);
      });
      const rootUnseal = await seconds(async () => {
        for (let i = 0; i < DATA_KEY_OPS; i++) rootKey.unseal(sealedMaterial, 'bench key material').fill(0);
      });
      if (!record) return; // warm-up
      rates.generate.push(DATA_KEY_OPS / generate);
      rates.decrypt.push(DATA_KEY_OPS / decrypt);
      rates.generateUncached.push(DATA_KEY_OPS / generateUncached);
      rates.rootUnseal.push(DATA_KEY_OPS / rootUnseal);
    },
    medians: (): DataKeyRates => ({
      generate: median(rates.generate),
      decrypt: median(rates.decrypt),
      generateUncached: median(rates.generateUncached),
      rootUnseal: median(rates.rootUnseal),
    }),
    close: () => store.close(),
  };
}

async function dataKeys(): Promise<void> {
  console.log(`\ndata keys through the embedded KMS (AES_256 data keys, ${DATA_KEY_OPS} per round, median of ${DATA_KEY_ROUNDS} alternating rounds + 1 warm-up), operations per second`);
  const fileRoot = InMemoryRootKey.generate('bench root key');
  const hsm = softHsmSkip ? undefined : await makeSoftHsm();
  let hsmRoot: Pkcs11RootKey | undefined;
  const benches: Array<Awaited<ReturnType<typeof dataKeyBench>>> = [];
  try {
    benches.push(await dataKeyBench(fileRoot));
    if (hsm) {
      await hsm.initToken('vigil-bench', 'bench-pin');
      hsmRoot = Pkcs11RootKey.open({ module: SOFTHSM_MODULE, tokenLabel: 'vigil-bench', keyLabel: 'bench-root', pin: 'bench-pin' }, { createIfMissing: true });
      benches.push(await dataKeyBench(hsmRoot));
    } else {
      console.log(`PKCS#11 root key: not measured: ${softHsmSkip}`);
    }
    for (let round = 0; round <= DATA_KEY_ROUNDS; round++) {
      // Alternate which root goes first, so neither always runs on a warmer or more crowded heap.
      for (const bench of round % 2 ? [...benches].reverse() : benches) await bench.round(round > 0);
    }
    const [fileRates, hsmRates] = benches.map((bench) => bench.medians());
    const rows: Array<[string, keyof DataKeyRates]> = [
      ['GenerateDataKey', 'generate'],
      ['Decrypt of the data key', 'decrypt'],
      ['GenerateDataKey, key material not yet unsealed', 'generateUncached'],
      ['root-key unseal of 32-byte key material alone', 'rootUnseal'],
    ];
    console.log(`${''.padEnd(48)} ${'file root key'.padStart(14)} ${'PKCS#11 root key'.padStart(17)}`);
    for (const [label, name] of rows) {
      console.log(`${label.padEnd(48)} ${fileRates[name].toFixed(0).padStart(14)} ${(hsmRates ? hsmRates[name].toFixed(0) : '-').padStart(17)}`);
    }
    console.log(`(PKCS#11: SoftHSM2 ${SOFTHSM_MODULE}, CKM_AES_GCM on the token.) The embedded KMS unseals a key version's`);
    console.log('material through the root key once and keeps it in memory (dropped when the key is destroyed; state is checked');
    console.log('on every call), so GenerateDataKey and Decrypt do not touch the root key after the first use of a key version.');
  } finally {
    for (const bench of benches) await bench.close();
    hsmRoot?.close();
    fileRoot.close();
    await hsm?.cleanup();
  }
}

const REWRAP_OBJECTS = 64;
const REWRAP_OBJECT_BYTES = 1024 * 1024;
const REWRAP_ROUNDS = 3;

/**
 * `vigil keys rewrap` next to the two things it can be compared with on the same objects: rewriting the
 * stored files unchanged through the engine's atomic write (temp file, fsync, rename: the floor, since a
 * rewrap rewrites each file) and re-sealing every object (open + seal under a fresh data key, what a
 * rewrap without format 2 would need).
 */
async function rewrap(): Promise<void> {
  const { kms, close } = await makeTestKms();
  const dir = await mkdtemp(join(tmpdir(), 'vigil-bench-rewrap-'));
  const engine = await FsBlobStore.open(join(dir, 'blobs'));
  const blobs = new SealedBlobStore(engine, kms);
  const { arn } = await kms.createKey({ description: 'bench rewrap' });
  const keys = Array.from({ length: REWRAP_OBJECTS }, (_, i) => `bench/object-${i}`);
  const objectContext = { purpose: 'bench' };
  const times = { rewrap: [] as number[], copy: [] as number[], reseal: [] as number[] };
  try {
    for (const key of keys) await blobs.put(key, randomBytes(REWRAP_OBJECT_BYTES), { keyId: arn, context: objectContext });
    const rewrapper = new DataKeyRewrap(blobs, kms);
    for (let round = 0; round <= REWRAP_ROUNDS; round++) {
      await kms.rotateKey(arn);
      let report: Awaited<ReturnType<DataKeyRewrap['run']>> | undefined;
      const rewrapSeconds = await seconds(async () => {
        report = await rewrapper.run(arn, { maxObjects: 10_000 });
      });
      if (report?.rewrapped !== REWRAP_OBJECTS) throw new Error(`rewrapped ${report?.rewrapped} of ${REWRAP_OBJECTS}`);
      const copySeconds = await seconds(async () => {
        for (const key of keys) await engine.put('floor/copy', createReadStream(join(dir, 'blobs', 'objects', key)));
      });
      await engine.delete('floor/copy');
      const resealSeconds = await seconds(async () => {
        for (const key of keys) await blobs.put(key, await blobs.getBuffer(key, objectContext), { keyId: arn, context: objectContext });
      });
      if (round === 0) continue;
      times.rewrap.push(rewrapSeconds);
      times.copy.push(copySeconds);
      times.reseal.push(resealSeconds);
    }
    const perSecond = (name: keyof typeof times) => REWRAP_OBJECTS / median(times[name]);
    console.log(`\nrewrapping data keys: ${REWRAP_OBJECTS} objects of ${REWRAP_OBJECT_BYTES / 2 ** 20} MiB under one key, median of ${REWRAP_ROUNDS} rounds + 1 warm-up, objects per second`);
    console.log(`vigil keys rewrap (KMS ReEncrypt + header rewrite + body copy) ${perSecond('rewrap').toFixed(0).padStart(7)}`);
    console.log(`rewriting the stored files as they are (atomic write: the floor) ${perSecond('copy').toFixed(0).padStart(5)}`);
    console.log(`re-sealing every object (open + seal)                          ${perSecond('reseal').toFixed(0).padStart(7)}`);
    console.log(`rewrap / floor ${(perSecond('rewrap') / perSecond('copy')).toFixed(2)}, rewrap / reseal ${(perSecond('rewrap') / perSecond('reseal')).toFixed(2)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await close();
  }
}

await main();
await dataKeys();
await rewrap();
