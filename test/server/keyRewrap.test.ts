import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateAliasCommand, CreateKeyCommand, DisableKeyCommand, EnableKeyCommand, type KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parseSealedHeader, type SealedHeader } from '../../src/crypto/sealedObjectHeader.js';
import { KEY_REWRAP_PATH } from '../../src/server/keyRewrapEndpoint.js';
import { kmsClient } from '../helpers/kms.js';
import { filesUnder, s3Client } from '../helpers/s3.js';
import { sendRaw, sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil, VIGIL_CLI } from '../helpers/vigil.js';

/** `vigil keys rewrap KEY --json` against the test server, as an operator runs it. */
async function rewrapCli(vigil: TestVigil, key: string, extra: string[] = []): Promise<{ code: number; answer?: Record<string, unknown>; stderr: string }> {
  const args = [VIGIL_CLI, 'keys', 'rewrap', key, '--data-dir', vigil.dataDir, '--port', String(vigil.port), '--json', ...extra];
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { env: { PATH: process.env.PATH } });
    return { code: 0, answer: JSON.parse(stdout) as Record<string, unknown>, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, answer: failed.stdout ? (JSON.parse(failed.stdout) as Record<string, unknown>) : undefined, stderr: failed.stderr };
  }
}

/** Every stored object's file bytes and parsed header, by path under the blob directory. */
async function storedObjects(vigil: TestVigil): Promise<Map<string, { bytes: Buffer; header: SealedHeader; frames: Buffer }>> {
  const root = join(vigil.dataDir, 'blobs', 'objects');
  const out = new Map<string, { bytes: Buffer; header: SealedHeader; frames: Buffer }>();
  for (const path of await filesUnder(root)) {
    const bytes = await readFile(path);
    const parsed = parseSealedHeader(bytes);
    assert.ok('header' in parsed, path);
    out.set(relative(root, path), { bytes, header: parsed.header, frames: bytes.subarray(parsed.length) });
  }
  return out;
}

/** The key version an embedded-KMS ciphertext names (bytes 17..20 of the blob). */
const wrapVersion = (header: SealedHeader) => header.wrappedDataKey.readUInt32BE(17);

describe('vigil keys rewrap', () => {
  let vigil: TestVigil;
  let kms: KMSClient;
  let keyArn: string;
  const bodies = new Map<string, Buffer>([
    ['small.txt', Buffer.from('a small object')],
    ['frames.bin', randomBytes(300 * 1024)], // several 64 KiB frames
    ['empty.bin', Buffer.alloc(0)],
  ]);

  before(async () => {
    vigil = await startTestVigil();
    kms = kmsClient(vigil);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'line 3 images' }))).KeyMetadata!.Arn!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/line-3', TargetKeyId: keyArn }));
    const s3 = s3Client(vigil);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'line-3' }));
      for (const [key, body] of bodies) {
        await s3.send(new PutObjectCommand({ Bucket: 'line-3', Key: key, Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/line-3' }));
      }
      await s3.send(new PutObjectCommand({ Bucket: 'line-3', Key: 'service-key.txt', Body: 'under the service key' }));
    } finally {
      s3.destroy();
    }
  });
  after(async () => {
    kms.destroy();
    await vigil.stop();
  });

  async function readAll(): Promise<Map<string, Buffer>> {
    const s3 = s3Client(vigil);
    try {
      const out = new Map<string, Buffer>();
      for (const key of [...bodies.keys(), 'service-key.txt']) {
        out.set(key, Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: 'line-3', Key: key }))).Body!.transformToByteArray()));
      }
      return out;
    } finally {
      s3.destroy();
    }
  }

  test('after a rotation, the data keys of the objects under the key are rewrapped; bodies and other keys are untouched', async () => {
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyArn }));
    const before = await storedObjects(vigil);
    const underKey = [...before].filter(([, object]) => object.header.keyId === keyArn);
    assert.equal(underKey.length, bodies.size);
    assert.ok(underKey.every(([, object]) => wrapVersion(object.header) === 1));

    const { code, answer, stderr } = await rewrapCli(vigil, 'alias/line-3');
    assert.equal(code, 0, stderr);
    assert.deepEqual(answer, { KeyArn: keyArn, ObjectsExamined: before.size, DataKeysRewrapped: bodies.size, ObjectsInFormat1: 0, Failed: 0, FailedObjects: [] });

    const afterRewrap = await storedObjects(vigil);
    assert.deepEqual([...afterRewrap.keys()].sort(), [...before.keys()].sort());
    for (const [path, old] of before) {
      const now = afterRewrap.get(path)!;
      if (old.header.keyId !== keyArn) {
        assert.ok(now.bytes.equals(old.bytes), `${path} is under another key and must not change`);
        continue;
      }
      assert.equal(wrapVersion(now.header), 2, path);
      assert.ok(now.frames.equals(old.frames), `${path}: the frames are copied as they were`);
      assert.deepEqual(now.header.context, old.header.context);
      assert.deepEqual(now.header.messageId, old.header.messageId);
    }
    const read = await readAll();
    for (const [key, body] of bodies) assert.ok(read.get(key)!.equals(body), key);
    assert.equal(read.get('service-key.txt')!.toString(), 'under the service key');
  });

  test('in batches: each request takes the next objects in key order, until no NextStartAfter is given', async () => {
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyArn }));
    const stored = [...(await storedObjects(vigil)).keys()];
    let examined = 0;
    let rewrapped = 0;
    let startAfter: string | undefined;
    for (let request = 0; request <= stored.length; request++) {
      const response = await sendSigned(vigil.endpoint, vigil.tls.cert, {
        method: 'POST',
        path: KEY_REWRAP_PATH,
        service: 'kms',
        body: JSON.stringify({ KeyId: 'alias/line-3', MaxObjects: 2, ...(startAfter === undefined ? {} : { StartAfter: startAfter }) }),
        credentials: vigil.rootAccessKey,
      });
      assert.equal(response.status, 200, response.body);
      const answer = response.json() as { ObjectsExamined: number; DataKeysRewrapped: number; NextStartAfter?: string };
      assert.ok(answer.ObjectsExamined <= 2);
      rewrapped += answer.DataKeysRewrapped;
      examined += answer.ObjectsExamined;
      if (answer.NextStartAfter === undefined) break;
      assert.ok(startAfter === undefined || answer.NextStartAfter > startAfter, 'batches move forward');
      startAfter = answer.NextStartAfter;
    }
    assert.equal(examined, stored.length, 'every object examined exactly once');
    assert.equal(rewrapped, bodies.size);
    const versions = [...(await storedObjects(vigil)).values()].filter((object) => object.header.keyId === keyArn).map((object) => wrapVersion(object.header));
    assert.deepEqual(versions, Array(bodies.size).fill(3));

    // The CLI does the same in batches of 1, reports progress on stderr, and can resume.
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyArn }));
    const batched = await rewrapCli(vigil, 'alias/line-3', ['--batch-size', '1']);
    assert.equal(batched.code, 0, batched.stderr);
    assert.deepEqual(batched.answer, { KeyArn: keyArn, ObjectsExamined: stored.length, DataKeysRewrapped: bodies.size, ObjectsInFormat1: 0, Failed: 0, FailedObjects: [] });
    assert.equal(batched.stderr.match(/objects examined/g)?.length, stored.length - 1);
    const sorted = [...stored].sort(); // blob keys are the paths under blobs/objects
    const resumed = await rewrapCli(vigil, 'alias/line-3', ['--start-after', sorted[sorted.length - 2]]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(resumed.answer?.ObjectsExamined, 1);

    for (const body of [{ MaxObjects: 0 }, { MaxObjects: 10_001 }, { MaxObjects: 1.5 }, { MaxObjects: '5' }, { StartAfter: 7 }]) {
      const bad = await sendSigned(vigil.endpoint, vigil.tls.cert, {
        method: 'POST',
        path: KEY_REWRAP_PATH,
        service: 'kms',
        body: JSON.stringify({ KeyId: keyArn, ...body }),
        credentials: vigil.rootAccessKey,
      });
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(bad.json().__type, 'ValidationException', JSON.stringify(body));
    }
    const invalid = await rewrapCli(vigil, 'alias/line-3', ['--batch-size', '0']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /a batch size is a number from 1 to 10000/);
  });

  test('a key that names no key, or a disabled key, is refused with the KMS error and nothing changes', async () => {
    const before = await storedObjects(vigil);
    const unknown = await rewrapCli(vigil, 'alias/no-such-key');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /NotFoundException: .*alias\/no-such-key/);

    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));
    try {
      const disabled = await rewrapCli(vigil, keyArn);
      assert.equal(disabled.code, 1);
      assert.match(disabled.stderr, /DisabledException: .*is Disabled/);
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyArn }));
    }
    const afterRefusals = await storedObjects(vigil);
    for (const [path, object] of before) assert.ok(afterRefusals.get(path)!.bytes.equals(object.bytes), path);
  });

  test('the endpoint needs a valid SigV4 signature for the kms service and a KeyId', async () => {
    const ca = vigil.tls.cert;
    const unsigned = await sendRaw(vigil.endpoint, ca, {
      method: 'POST',
      path: KEY_REWRAP_PATH,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ KeyId: keyArn })),
    });
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.json().__type, 'MissingAuthenticationTokenException');
    const wrongSecret = await sendSigned(vigil.endpoint, ca, {
      method: 'POST',
      path: KEY_REWRAP_PATH,
      service: 'kms',
      body: JSON.stringify({ KeyId: keyArn }),
      credentials: { accessKeyId: vigil.rootAccessKey.accessKeyId, secretAccessKey: 'wrong' },
    });
    assert.equal(wrongSecret.status, 403);
    assert.equal(wrongSecret.json().__type, 'InvalidSignatureException');
    // As the KMS API answers: a body that is not a JSON object is a SerializationException, a bad member a ValidationException.
    for (const [body, type] of [
      ['not json', 'SerializationException'],
      ['[1]', 'SerializationException'],
      ['', 'ValidationException'],
      ['{}', 'ValidationException'],
      [JSON.stringify({ KeyId: 7 }), 'ValidationException'],
      [JSON.stringify({ KeyId: '' }), 'ValidationException'],
    ]) {
      const bad = await sendSigned(vigil.endpoint, ca, { method: 'POST', path: KEY_REWRAP_PATH, service: 'kms', body: body!, credentials: vigil.rootAccessKey });
      assert.equal(bad.status, 400, body);
      assert.equal(bad.json().__type, type, body);
    }
  });

  test('an object deleted while its data key is being rewrapped stays deleted', async () => {
    const context = { purpose: 'race' };
    for (let round = 0; round < 20; round++) {
      const key = `race/object-${round}`;
      await vigil.blobs.put(key, randomBytes(200 * 1024), { keyId: keyArn, context });
      const [outcome] = await Promise.all([vigil.blobs.rewrap(key, keyArn), vigil.blobs.delete(key)]);
      assert.equal(outcome, 'rewrapped');
      assert.equal(await vigil.blobs.exists(key), false, `round ${round}`);
    }
  });
});
