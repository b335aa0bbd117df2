import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ALIENS, COOKIES } from '../helpers/datasets.js';
import { filesHolding, imageWindows } from './plaintextScan.js';
import { crashSeed, killLeftovers, ServeProcess, seededRandom, sleep } from './serveProcess.js';

/** Rounds of kill -9 under writes: a few in CI, more with VIGIL_CRASH_ROUNDS (e.g. from a soak script). */
const ROUNDS = Number(process.env.VIGIL_CRASH_ROUNDS ?? 3);
const WRITERS = 8;
const PART = 5 * 1024 * 1024;

const dirs: string[] = [];
after(async () => {
  killLeftovers();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** What the clients were told before the kill, and what they were still waiting for. */
interface Ledger {
  /** Objects whose PUT (or CompleteMultipartUpload) was answered 200: must read back exactly. */
  acknowledged: Map<string, Buffer>;
  /** Writes sent but not answered when the process died: absent or exactly the body, never partial. */
  inFlight: Map<string, Buffer>;
  /** The key overwritten in sequence: its last answered body, and the one being written at the kill. */
  overwrite: { last?: Buffer; next?: Buffer };
  /** A multipart upload interrupted before its completion was answered. */
  multipart?: { key: string; uploadId: string; parts: Buffer[]; acknowledgedParts: Map<number, string> };
}

async function bodyOf(s3: S3Client, key: string): Promise<Buffer | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: 'crash', Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

test('kill -9 during concurrent PUTs, overwrites and a multipart upload loses nothing acknowledged, leaves no partial object and no plaintext', async (t) => {
  const seed = crashSeed();
  t.diagnostic(`seed ${seed} (repeat with VIGIL_CRASH_SEED=${seed})`);
  const random = seededRandom(seed);
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-crash-writes-'));
  dirs.push(dataDir);

  const images = [await readFile(join(ALIENS, 'normal', '1.png')), await readFile(join(COOKIES, 'training-images', 'anomaly-1.jpg'))];
  // A marker in every synthetic body: if any body were stored as it came, the scan would find it.
  const marker = Buffer.from(`vigil-plaintext-marker-${randomBytes(12).toString('hex')}`);
  const synthetic = (size: number) => {
    const body = randomBytes(Math.max(size, marker.length * 2));
    marker.copy(body, Math.floor(random() * (body.length - marker.length)));
    return body;
  };
  const bodyFor = (i: number) => (i % 5 === 0 ? images[i % 2]! : synthetic(256 + Math.floor(random() * 200_000)));

  const acknowledged = new Map<string, Buffer>();
  let overwritten: Buffer | undefined;
  let serve = await ServeProcess.start(dataDir);
  await serve.s3().send(new CreateBucketCommand({ Bucket: 'crash' }));

  for (let round = 1; round <= ROUNDS; round++) {
    const ledger: Ledger = { acknowledged: new Map(), inFlight: new Map(), overwrite: { last: overwritten } };
    const s3 = serve.s3();
    let dead = false;
    // The kill comes at a random moment once writes are being acknowledged (however slow the machine).
    let firstWrites!: () => void;
    const writesFlowing = new Promise<void>((resolve) => (firstWrites = resolve));
    let firstPart!: () => void;
    const partFlowing = new Promise<void>((resolve) => (firstPart = resolve));
    const putObject = async (key: string, body: Buffer) => {
      ledger.inFlight.set(key, body);
      await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: key, Body: body }));
      if (dead) return; // answered by a process that was already being killed: counted as not acknowledged
      ledger.inFlight.delete(key);
      ledger.acknowledged.set(key, body);
      if (ledger.acknowledged.size === WRITERS) firstWrites();
    };
    const writers = Array.from({ length: WRITERS }, async (_, writer) => {
      for (let i = 0; !dead; i++) await putObject(`r${round}/w${writer}/${i}`, bodyFor(i + writer));
    });
    const overwriter = (async () => {
      for (let i = 0; !dead; i++) {
        const body = synthetic(1000 + i);
        ledger.overwrite.next = body;
        await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: 'overwritten', Body: body }));
        if (dead) return;
        ledger.overwrite.last = body;
      }
    })();
    const multipart = (async () => {
      const key = `r${round}/multipart`;
      const parts = [synthetic(PART), synthetic(12_345)];
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'crash', Key: key }));
      if (dead) return;
      ledger.multipart = { key, uploadId: UploadId!, parts, acknowledgedParts: new Map() };
      for (const [index, body] of parts.entries()) {
        const { ETag } = await s3.send(new UploadPartCommand({ Bucket: 'crash', Key: key, UploadId, PartNumber: index + 1, Body: body }));
        if (dead) return;
        ledger.multipart.acknowledgedParts.set(index + 1, ETag!);
        firstPart();
      }
      ledger.inFlight.set(key, Buffer.concat(parts));
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'crash',
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [...ledger.multipart.acknowledgedParts].map(([PartNumber, ETag]) => ({ PartNumber, ETag })) },
        }),
      );
      if (dead) return;
      ledger.inFlight.delete(key);
      ledger.acknowledged.set(key, Buffer.concat(parts));
      ledger.multipart = undefined;
    })();

    // One upload is held open in the middle of its body until after the kill: however the other writers' answers
    // fall, the kill always cuts at least this request (a response cannot come before the body has ended).
    const held = { key: `r${round}/held`, body: synthetic(256 * 1024) };
    let releaseHeld!: () => void;
    const heldUntilKill = new Promise<void>((resolve) => (releaseHeld = resolve));
    const heldUpload = (async () => {
      ledger.inFlight.set(held.key, held.body);
      const half = held.body.length / 2;
      const body = Readable.from(
        (async function* () {
          yield held.body.subarray(0, half);
          await heldUntilKill;
          yield held.body.subarray(half);
        })(),
      );
      await s3.send(new PutObjectCommand({ Bucket: 'crash', Key: held.key, Body: body, ContentLength: held.body.length }));
    })();

    // Settled from the start: requests fail the moment the process dies, before the kill is awaited.
    const settled = Promise.allSettled([...writers, overwriter, multipart, heldUpload]);
    const killAfter = Math.floor(random() * 1500);
    await Promise.race([Promise.all([writesFlowing, partFlowing]), sleep(60_000)]);
    await sleep(killAfter);
    dead = true;
    await serve.kill9();
    releaseHeld();
    // Every client call ends with an error once the process is gone; none may still be waiting.
    const outcomes = await settled;
    assert.ok(
      outcomes.some((outcome) => outcome.status === 'rejected'),
      'the kill interrupted requests in flight',
    );
    s3.destroy();
    t.diagnostic(
      `round ${round}: killed ${killAfter} ms after the first ${WRITERS} acknowledgements and the first part, ${ledger.acknowledged.size} writes acknowledged, ${ledger.inFlight.size} in flight, multipart ${ledger.multipart ? `interrupted with ${ledger.multipart.acknowledgedParts.size} parts acknowledged` : 'not started or complete'}`,
    );
    for (const [key, body] of ledger.acknowledged) acknowledged.set(key, body);

    // The kernel dropped the data-directory lock with the process: the next start needs no clean-up,
    // though the dead server's PID file is still there.
    const killedPid = serve.pid;
    assert.equal((await readFile(join(dataDir, 'vigil.pid'), 'utf8')).trim(), String(killedPid));
    serve = await ServeProcess.start(dataDir);
    assert.equal((await readFile(join(dataDir, 'vigil.pid'), 'utf8')).trim(), String(serve.pid));
    const check = serve.s3();
    for (const [key, body] of acknowledged) {
      const stored = await bodyOf(check, key);
      assert.ok(stored?.equals(body), `acknowledged ${key} (${body.length} bytes) reads back byte-identical (got ${stored?.length ?? 'nothing'})`);
    }
    for (const [key, body] of ledger.inFlight) {
      const stored = await bodyOf(check, key);
      assert.ok(stored === undefined || stored.equals(body), `${key}, in flight at the kill, is absent or whole (got ${stored?.length} of ${body.length} bytes)`);
      if (stored) acknowledged.set(key, body);
    }
    const current = await bodyOf(check, 'overwritten');
    const { last, next } = ledger.overwrite;
    assert.ok(
      (current === undefined && last === undefined) || (last !== undefined && current?.equals(last)) || (next !== undefined && current?.equals(next)),
      'the overwritten key holds its last acknowledged body or the one in flight',
    );
    overwritten = current;

    // An interrupted multipart upload keeps every acknowledged part; completing it now gives the whole object.
    const upload = ledger.multipart;
    if (upload && !acknowledged.has(upload.key)) {
      const listed = await check.send(new ListPartsCommand({ Bucket: 'crash', Key: upload.key, UploadId: upload.uploadId }));
      const etags = new Map((listed.Parts ?? []).map((part) => [part.PartNumber!, part.ETag!]));
      for (const [number, etag] of upload.acknowledgedParts) assert.equal(etags.get(number), etag, `acknowledged part ${number} survives`);
      for (const [index, body] of upload.parts.entries()) {
        if (!etags.has(index + 1)) {
          const { ETag } = await check.send(new UploadPartCommand({ Bucket: 'crash', Key: upload.key, UploadId: upload.uploadId, PartNumber: index + 1, Body: body }));
          etags.set(index + 1, ETag!);
        }
      }
      await check.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'crash',
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: { Parts: [...etags].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag })) },
        }),
      );
      const whole = Buffer.concat(upload.parts);
      assert.ok((await bodyOf(check, upload.key))?.equals(whole), 'the completed upload reads back byte-identical');
      acknowledged.set(upload.key, whole);
    }
    check.destroy();
  }
  await serve.stop();

  assert.ok(acknowledged.size > ROUNDS * WRITERS, `writes were acknowledged (${acknowledged.size})`);
  const leaks = await filesHolding(dataDir, [marker, ...images.flatMap((image) => imageWindows(image))]);
  assert.deepEqual(leaks, [], 'no image or body byte sequence is stored in the clear');
});
