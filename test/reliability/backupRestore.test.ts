import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { backupDataDirectory } from '../../src/cli/backup.js';
import { filesHolding } from './plaintextScan.js';
import { killLeftovers, ServeProcess, sleep, VIGIL_MAIN } from './serveProcess.js';

const run = promisify(execFile);
const dirs: string[] = [];
after(async () => {
  killLeftovers();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function bodyOf(s3: S3Client, key: string): Promise<Buffer | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: 'live', Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function modes(dir: string): Promise<string[]> {
  const wrong: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const mode = (await stat(path)).mode & 0o777;
    if (mode !== (entry.isDirectory() ? 0o700 : 0o600)) wrong.push(`${path}: ${mode.toString(8)}`);
  }
  return wrong;
}

test('vigil backup of a live server under writes restores into a fresh directory that serves every acknowledged object', async () => {
  const root = await mkdtemp(join(tmpdir(), 'vigil-backup-'));
  dirs.push(root);
  const dataDir = join(root, 'data');
  const backupDir = join(root, 'backup');
  const marker = Buffer.from(`vigil-backup-marker-${randomBytes(12).toString('hex')}`);
  const body = () => Buffer.concat([randomBytes(1000 + Math.floor(Math.random() * 50_000)), marker]);

  const serve = await ServeProcess.start(dataDir);
  const s3 = serve.s3();
  await s3.send(new CreateBucketCommand({ Bucket: 'live' }));
  const before = new Map<string, Buffer>();
  for (let i = 0; i < 20; i++) {
    const data = body();
    await s3.send(new PutObjectCommand({ Bucket: 'live', Key: `before/${i}`, Body: data }));
    before.set(`before/${i}`, data);
  }

  // Writes go on during the backup: new objects and one key overwritten again and again.
  let writing = true;
  const during = new Map<string, Buffer>();
  const overwrites: Buffer[] = [];
  const writers = [
    (async () => {
      for (let i = 0; writing; i++) {
        const data = body();
        during.set(`during/${i}`, data);
        await s3.send(new PutObjectCommand({ Bucket: 'live', Key: `during/${i}`, Body: data }));
      }
    })(),
    (async () => {
      while (writing) {
        const data = body();
        overwrites.push(data);
        await s3.send(new PutObjectCommand({ Bucket: 'live', Key: 'before/0', Body: data }));
      }
    })(),
  ];
  await sleep(300);
  const backup = await run(process.execPath, [VIGIL_MAIN, 'backup', backupDir, '--data-dir', dataDir], { env: { PATH: process.env.PATH } });
  assert.match(backup.stdout, /^backed up to .+: database and \d+ sealed objects \(\d+ bytes\)\nthe root key is not in the backup/);
  writing = false;
  await Promise.all(writers);
  s3.destroy();
  await serve.stop();

  // Refusals (in this process: each start of the CLI costs seconds): a directory that is not empty, one inside the data directory, no data directory.
  await assert.rejects(backupDataDirectory({ dataDir }, backupDir), /is not empty/);
  await assert.rejects(backupDataDirectory({ dataDir }, join(dataDir, 'inside')), /must be outside the data directory/);
  await assert.rejects(backupDataDirectory({ dataDir: join(root, 'nothing') }, join(root, 'other')), /holds no Vigil data directory/);

  assert.deepEqual(await modes(backupDir), [], 'the backup is for its owner alone');
  const withKey = await backupDataDirectory({ dataDir }, join(root, 'with-key'), { withRootKey: true });
  assert.equal(withKey.rootKeyIncluded, true);
  assert.deepEqual(await readFile(join(root, 'with-key', 'keys', 'root.key')), await readFile(join(dataDir, 'keys', 'root.key')));
  assert.deepEqual(await filesHolding(backupDir, [marker]), [], 'the backup holds only sealed objects');

  // Restore: the backup directory is a data directory, once the root key kept apart is put back.
  await assert.rejects(stat(join(backupDir, 'keys', 'root.key')), 'the root key is left out by default');
  await assert.rejects(ServeProcess.start(backupDir), /root key does not match this data directory: .* is missing/);
  await mkdir(join(backupDir, 'keys'), { mode: 0o700 });
  await copyFile(join(dataDir, 'keys', 'root.key'), join(backupDir, 'keys', 'root.key'));
  const restored = await ServeProcess.start(backupDir);
  const check = restored.s3();
  try {
    for (const [key, data] of before) {
      if (key === 'before/0') continue;
      assert.ok((await bodyOf(check, key))?.equals(data), `${key}, acknowledged before the backup, is restored byte-identical`);
    }
    const overwritten = await bodyOf(check, 'before/0');
    assert.ok(overwritten?.equals(before.get('before/0')!) || overwrites.some((data) => overwritten?.equals(data)), 'the overwritten key holds one of its whole bodies');
    let restoredDuring = 0;
    for (const [key, data] of during) {
      const stored = await bodyOf(check, key);
      assert.ok(stored === undefined || stored.equals(data), `${key}, written during the backup, is absent or whole`);
      if (stored) restoredDuring++;
    }
    assert.ok(restoredDuring > 0, 'the backup was taken while writes went on');
    // The restored server takes writes as well.
    await check.send(new PutObjectCommand({ Bucket: 'live', Key: 'after-restore', Body: 'x' }));
  } finally {
    check.destroy();
    await restored.stop();
  }
});
