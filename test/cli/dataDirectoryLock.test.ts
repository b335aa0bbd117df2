import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DataDirectoryInUseError, lockDataDirectory } from '../../src/store/dataDirectoryLock.js';
import { VIGIL_CLI } from '../helpers/vigil.js';

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  /** Resolves with the endpoint once the banner is printed, rejects if the process ends first. */
  ready: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `vigil serve` as a user runs it, on a free port. */
function serve(dataDir: string): Started {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(AWS_|VIGIL_|NODE_OPTIONS$)/.test(name)) env[name] = value;
  const child = spawn(process.execPath, [VIGIL_CLI, 'serve', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stderr });
    }),
  );
  const ready = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^Vigil is listening on (https:\/\/\S+) /.exec(line);
      if (m) resolve(m[1]);
    });
    void exited.then(({ code, stderr: text }) => reject(new Error(`vigil serve ended (code ${code}) before listening: ${text}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited };
}

async function s3For(dataDir: string, endpoint: string): Promise<S3Client> {
  const credentials = await readFile(join(dataDir, 'credentials'), 'utf8');
  const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)$`, 'm').exec(credentials)![1];
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: value('aws_access_key_id'), secretAccessKey: value('aws_secret_access_key') },
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: await readFile(join(dataDir, 'tls', 'cert.pem')) }) }),
    maxAttempts: 1,
  });
}

test('a second vigil serve on a data directory in use is refused, naming the PID, and harms nothing; after kill -9 a new start succeeds', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-lock-'));
  dirs.push(dataDir);
  const first = serve(dataDir);
  const endpoint = await first.ready;
  const s3 = await s3For(dataDir, endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'lock' }));

  // PUTs in flight while the second start is tried: before the lock, it emptied blobs/tmp under them.
  const bodies = new Map<string, Buffer>();
  const puts: Promise<unknown>[] = [];
  const putMany = (round: number) => {
    for (let i = 0; i < 8; i++) {
      const key = `r${round}/o${i}`;
      const body = randomBytes(256 * 1024 + i);
      bodies.set(key, body);
      puts.push(s3.send(new PutObjectCommand({ Bucket: 'lock', Key: key, Body: body })));
    }
  };
  putMany(0);
  const second = serve(dataDir);
  putMany(1);
  const outcome = await Promise.race([
    second.exited,
    second.ready.then(
      () => 'listening' as const,
      () => second.exited,
    ),
  ]);
  if (outcome === 'listening') {
    second.child.kill('SIGKILL');
    assert.fail('a second vigil serve started on the data directory in use');
  }
  const refused = outcome;
  putMany(2);
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, new RegExp(`data directory ${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another Vigil process \\(PID ${first.child.pid}\\)`));
  const results = await Promise.allSettled(puts);
  assert.deepEqual(
    results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    [],
    'every PUT succeeds',
  );
  assert.ok((await stat(join(dataDir, 'blobs', 'tmp'))).isDirectory(), 'the running server keeps its temp folder');

  // kill -9 leaves no lock behind: the operating system dropped it with the process.
  first.child.kill('SIGKILL');
  await first.exited;
  s3.destroy();
  const third = serve(dataDir);
  const again = await s3For(dataDir, await third.ready);
  try {
    for (const [key, body] of bodies) {
      const got = await again.send(new GetObjectCommand({ Bucket: 'lock', Key: key }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body), `${key} reads back byte-identical`);
    }
    assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), []);
  } finally {
    again.destroy();
    third.child.kill('SIGTERM');
    await third.exited;
  }
});

test('the lock excludes a second holder in the same process too, and is free again once released', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-lock-'));
  dirs.push(dataDir);
  const lock = lockDataDirectory(dataDir);
  assert.throws(
    () => lockDataDirectory(dataDir),
    (error: Error) => error instanceof DataDirectoryInUseError && error.message.includes(`(PID ${process.pid})`),
  );
  // The refused attempt opened and closed the lock file: the holder's lock must survive that.
  assert.throws(() => lockDataDirectory(dataDir), DataDirectoryInUseError);
  lock.release();
  lock.release();
  lockDataDirectory(dataDir).release();
});
