/*
 * Sealed-object throughput against plaintext streaming, side by side in one run.
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
import { createOpenStream, createSealStream } from '../src/crypto/sealedObject.js';
import { makeTestKms } from '../test/helpers/kms.js';

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
    console.log(`${TOTAL_BYTES / 2 ** 20} MiB per measurement (a 64 MiB random buffer streamed ${PASSES}× in ${CHUNK_BYTES / 1024} KiB chunks), default 64 KiB frames, ${ROUNDS} alternating rounds + 1 warm-up\n`);

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

await main();
