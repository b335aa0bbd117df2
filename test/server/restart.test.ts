import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { access, chmod, copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { ListProjectsCommand, LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startVigil } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { KmsError } from '../../src/crypto/kmsErrors.js';
import { open, seal } from '../../src/crypto/sealedObject.js';
import { startTestVigil } from '../helpers/vigil.js';

const context = { test: 'restart' };
const tempDirs: string[] = [];
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-restart-'));
  tempDirs.push(dir);
  return dir;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The certificate the server actually presents. */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** A client for `endpoint` signing with the given key and trusting `ca`. */
function client(endpoint: string, ca: string, credentials: { accessKeyId: string; secretAccessKey: string }): LookoutVisionClient {
  return new LookoutVisionClient({
    region: 'us-east-1',
    endpoint,
    credentials,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca }) }),
  });
}

const rootKeyText = () => randomBytes(32).toString('base64');

describe('restart', () => {
  test('a restart on the same data directory keeps the certificate, keys, account and sealed data', async () => {
    const dataDir = await tempDir();
    const first = await startTestVigil({ dataDir });
    let sealed: Buffer;
    let recorded: { fingerprint: string; accessKeyId: string; secretAccessKey: string; accountId: string; defaultKeyId: string; cert: string };
    try {
      assert.equal(first.tls.generated, true);
      recorded = {
        fingerprint: first.tls.fingerprint,
        accessKeyId: first.rootAccessKey.accessKeyId,
        secretAccessKey: first.rootAccessKey.secretAccessKey,
        accountId: first.accountId,
        defaultKeyId: first.kms.defaultKeyId,
        cert: first.tls.cert,
      };
      assert.match(recorded.accountId, /^\d{12}$/);
      assert.match(recorded.defaultKeyId, new RegExp(`^arn:aws:kms:us-east-1:${recorded.accountId}:key/`));
      sealed = await seal(first.kms, Buffer.from('kept across restarts'), { context });
    } finally {
      await first.stop();
    }
    assert.ok(await exists(dataDir), 'stop() leaves a given data directory in place');

    const second = await startTestVigil({ dataDir });
    try {
      assert.equal(second.tls.generated, false);
      assert.equal(second.tls.fingerprint, recorded.fingerprint);
      assert.equal(await servedFingerprint(second.port, recorded.cert), recorded.fingerprint);
      assert.equal(second.rootAccessKey.accessKeyId, recorded.accessKeyId);
      assert.equal(second.rootAccessKey.secretAccessKey, recorded.secretAccessKey);
      assert.equal(second.accountId, recorded.accountId);
      assert.equal(second.kms.defaultKeyId, recorded.defaultKeyId);
      assert.equal((await open(second.kms, sealed, context)).toString(), 'kept across restarts');

      // Credentials and certificate saved from the first run still work against the second.
      const old = client(second.endpoint, recorded.cert, { accessKeyId: recorded.accessKeyId, secretAccessKey: recorded.secretAccessKey });
      try {
        assert.deepEqual((await old.send(new ListProjectsCommand({}))).Projects, []);
      } finally {
        old.destroy();
      }
    } finally {
      await second.stop();
    }

    // A deleted data directory starts afresh: nothing of the old one is known or readable.
    await rm(dataDir, { recursive: true, force: true });
    const fresh = await startTestVigil({ dataDir });
    try {
      assert.equal(fresh.tls.generated, true);
      assert.notEqual(fresh.tls.fingerprint, recorded.fingerprint);
      assert.notEqual(fresh.rootAccessKey.accessKeyId, recorded.accessKeyId);
      assert.notEqual(fresh.kms.defaultKeyId, recorded.defaultKeyId);
      await assert.rejects(open(fresh.kms, sealed, context), KmsError);
      const old = client(fresh.endpoint, fresh.tls.cert, { accessKeyId: recorded.accessKeyId, secretAccessKey: recorded.secretAccessKey });
      try {
        await assert.rejects(old.send(new ListProjectsCommand({})), { name: 'UnrecognizedClientException' });
      } finally {
        old.destroy();
      }
    } finally {
      await fresh.stop();
    }
  });

  test('VIGIL_ROOT_KEY is used instead of a key file, and a different one is refused', async () => {
    const dataDir = await tempDir();
    const env = { VIGIL_ROOT_KEY: rootKeyText() };
    const first = await startTestVigil({ dataDir, env });
    let sealed: Buffer;
    try {
      assert.equal(await exists(join(dataDir, 'keys', 'root.key')), false, 'no key file is written');
      sealed = await seal(first.kms, Buffer.from('under the environment key'), { context });
    } finally {
      await first.stop();
    }

    const again = await startTestVigil({ dataDir, env });
    try {
      assert.equal((await open(again.kms, sealed, context)).toString(), 'under the environment key');
    } finally {
      await again.stop();
    }

    await assert.rejects(startTestVigil({ dataDir, env: { VIGIL_ROOT_KEY: rootKeyText() } }), /root key does not match/);
    // Without the variable there is no key: the start says so and writes no new key file.
    await assert.rejects(startTestVigil({ dataDir, env: {} }), /root key does not match this data directory: .*keys\/root\.key is missing and VIGIL_ROOT_KEY is not set/);
    assert.equal(await exists(join(dataDir, 'keys', 'root.key')), false, 'no key file is written for an installed data directory');
  });

  test('a malformed VIGIL_ROOT_KEY is refused', async () => {
    const good = rootKeyText();
    for (const bad of ['not base64 at all', randomBytes(16).toString('base64'), randomBytes(33).toString('base64'), `${good.slice(0, 20)}*${good.slice(21)}`]) {
      const dataDir = await tempDir();
      await assert.rejects(startTestVigil({ dataDir, env: { VIGIL_ROOT_KEY: bad } }), /VIGIL_ROOT_KEY must hold a 32-byte key in base64/);
    }
  });

  test('a root key file that others can read is refused with the chmod to run', async () => {
    const dataDir = await tempDir();
    const first = await startTestVigil({ dataDir });
    await first.stop();
    const keyFile = join(dataDir, 'keys', 'root.key');
    assert.equal((await stat(keyFile)).mode & 0o777, 0o600);

    await chmod(keyFile, 0o644);
    await assert.rejects(startTestVigil({ dataDir }), (error: Error) => {
      assert.match(error.message, /chmod 600/);
      assert.ok(error.message.includes(keyFile), error.message);
      return true;
    });

    await chmod(keyFile, 0o600);
    const fixed = await startTestVigil({ dataDir });
    await fixed.stop();
  });

  test("the operator's certificate is served as given and none is generated", async () => {
    // A certificate and key pair made by Vigil's own generator on another data directory.
    const donorDir = await tempDir();
    const donor = await startTestVigil({ dataDir: donorDir });
    const donorFingerprint = donor.tls.fingerprint;
    await donor.stop();
    const operatorDir = await tempDir();
    const tlsCert = join(operatorDir, 'server.crt');
    const tlsKey = join(operatorDir, 'server.key');
    await copyFile(join(donorDir, 'tls', 'cert.pem'), tlsCert);
    await copyFile(join(donorDir, 'tls', 'key.pem'), tlsKey);

    const dataDir = await tempDir();
    const vigil = await startVigil(loadConfig({ dataDir, port: 0, logLevel: 'silent', tlsCert, tlsKey }, {}), {});
    try {
      assert.equal(vigil.tls.generated, false);
      assert.equal(vigil.tls.certPath, tlsCert);
      assert.equal(vigil.tls.fingerprint, donorFingerprint);
      assert.equal(await servedFingerprint(vigil.port, vigil.tls.cert), donorFingerprint);
      assert.equal(await exists(join(dataDir, 'tls')), false, 'no <data>/tls directory');
      const sdk = client(vigil.endpoint, vigil.tls.cert, vigil.rootAccessKey);
      try {
        assert.deepEqual((await sdk.send(new ListProjectsCommand({}))).Projects, []);
      } finally {
        sdk.destroy();
      }
    } finally {
      await vigil.close();
    }
  });
});
