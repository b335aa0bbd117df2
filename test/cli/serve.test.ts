import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AWS_CLI, awsCliSkip } from '../helpers/s3.js';
import { VIGIL_CLI } from '../helpers/vigil.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AUTH_ERROR_TYPES = ['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException'];

const tempDirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  // Anything a failed test left running is stopped by its own handle.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-cli-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * The environment of every child: this one's, less anything that would change which credentials,
 * certificates or settings the AWS CLI, the SDK or Vigil pick up; a home of its own.
 */
function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AWS_|VIGIL_|NODE_EXTRA_CA_CERTS$|NODE_OPTIONS$|SSL_CERT_)/.test(name)) env[name] = value;
  }
  return { ...env, HOME: home, AWS_CONFIG_FILE: join(home, 'no-such-aws-config'), AWS_PAGER: '', ...extra };
}

interface Exited {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after `timeoutMs`), never throwing on a non-zero exit. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Exited> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** `node dist/src/cli/main.js serve …` (this build's), as a user runs it. */
class Serve {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];

  constructor(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [VIGIL_CLI, 'serve', ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(line)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    });
    this.exited = new Promise((resolvePromise) => {
      this.child.on('close', (code, signal) => {
        children.delete(this.child);
        resolvePromise({ code, signal });
      });
    });
  }

  /** The first stdout line (already printed or to come) that matches; fails if the process ends first. */
  waitForLine(match: RegExp, timeoutMs = 20_000): Promise<string> {
    const seen = this.lines.find((line) => match.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${match} in ${timeoutMs} ms; stdout: ${this.lines.join('\n')}; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({
        match: (line) => match.test(line),
        resolve: (line) => {
          clearTimeout(timer);
          resolvePromise(line);
        },
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`vigil serve ended (code ${code}, signal ${signal}) before printing ${match}; stdout: ${this.lines.join('\n')}; stderr: ${this.stderr}`));
      });
    });
  }

  /** Resolves with how the process ended, or rejects if it is still running after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`vigil serve still running ${timeoutMs} ms later; stdout: ${this.lines.join('\n')}; stderr: ${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops it if still running (the test's own cleanup). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exit(10_000).catch(() => {
        this.child.kill('SIGKILL');
        return this.exited;
      });
    }
  }
}

/** What the start-up lines say. */
interface Banner {
  endpoint: string;
  port: number;
  fingerprint: string;
  certPath: string;
  credentialsPath: string;
  tryCommand: string;
}

async function startServe(): Promise<{ serve: Serve; cwd: string; dataDir: string; banner: Banner }> {
  const cwd = await tempDir();
  const dataDir = join(cwd, 'data');
  const serve = new Serve(['--port', '0', '--data-dir', dataDir], { cwd, env: childEnv(cwd) });
  const tryLine = await serve.waitForLine(/^Try: /);
  const [listening, certificate, credentials, consoleLine] = serve.lines;
  const endpoint = /^Vigil is listening on (https:\/\/127\.0\.0\.1:(\d+)) \(region us-east-1, account \d{12}\)$/.exec(listening);
  assert.ok(endpoint, listening);
  const cert = /^TLS certificate (\S+) \(new\) SHA-256 ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/.exec(certificate);
  assert.ok(cert, certificate);
  const creds = /^Credentials (\S+) \(profile vigil\)$/.exec(credentials);
  assert.ok(creds, credentials);
  assert.equal(consoleLine, `Console ${endpoint[1]}/_vigil/ (sign in with the access key in ${creds[1]})`);
  return {
    serve,
    cwd,
    dataDir,
    banner: {
      endpoint: endpoint[1],
      port: Number(endpoint[2]),
      fingerprint: cert[2],
      certPath: resolve(cwd, cert[1]),
      credentialsPath: resolve(cwd, creds[1]),
      tryCommand: tryLine.slice('Try: '.length),
    },
  };
}

/** The [vigil] profile of a shared-credentials file. */
async function readProfile(path: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const text = await readFile(path, 'utf8');
  const profile = /^\[vigil\]\n((?:[^[\n].*\n?)*)/m.exec(text);
  assert.ok(profile, text);
  const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)$`, 'm').exec(profile[1])?.[1] ?? '';
  return { accessKeyId: value('aws_access_key_id'), secretAccessKey: value('aws_secret_access_key') };
}

async function writeProfile(path: string, key: { accessKeyId: string; secretAccessKey: string }): Promise<void> {
  await writeFile(path, `[vigil]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`, { mode: 0o600 });
}

describe('vigil serve', () => {
  let started: Awaited<ReturnType<typeof startServe>>;
  before(async () => {
    started = await startServe();
  });
  after(async () => {
    if (started) await started.serve.stop();
  });

  test('prints the endpoint, the certificate fingerprint and the credentials file', async () => {
    const { banner, dataDir, cwd } = started;
    assert.ok(banner.port > 0 && banner.port < 65536, `a real port: ${banner.port}`);
    assert.equal(banner.certPath, join(dataDir, 'tls', 'cert.pem'));
    assert.equal(new X509Certificate(await readFile(banner.certPath, 'utf8')).fingerprint256, banner.fingerprint);
    assert.equal(banner.credentialsPath, join(dataDir, 'credentials'));
    const key = await readProfile(banner.credentialsPath);
    assert.match(key.accessKeyId, /^[A-Z0-9]{16,128}$/);
    assert.ok(key.secretAccessKey.length >= 40);
    // Under the working directory, paths are shown relative to it, ready to paste.
    assert.ok(banner.tryCommand.startsWith('AWS_SHARED_CREDENTIALS_FILE=data/credentials AWS_PROFILE=vigil aws lookoutvision list-projects '), banner.tryCommand);
    assert.ok(banner.tryCommand.includes(` --endpoint-url ${banner.endpoint} `), banner.tryCommand);
    assert.ok(banner.tryCommand.endsWith(' --ca-bundle data/tls/cert.pem'), banner.tryCommand);
    await assert.rejects(access(join(cwd, '.vigil')), 'the default data directory is not used');
  });

  test('the printed AWS CLI command works as printed', { skip: awsCliSkip }, async () => {
    const { banner, cwd } = started;
    assert.match(banner.tryCommand, /^AWS_SHARED_CREDENTIALS_FILE=\S+ AWS_PROFILE=vigil aws lookoutvision /);
    const command = banner.tryCommand.replace(/ aws lookoutvision /, ` ${AWS_CLI} lookoutvision `);
    const result = await run('bash', ['-c', command], { cwd, env: childEnv(cwd) });
    assert.equal(result.code, 0, `${command}\n${result.stderr}`);
    assert.deepEqual(JSON.parse(result.stdout), { Projects: [] });
  });

  test('an SDK client configured only from the credentials and certificate files works', async () => {
    const { banner, cwd } = started;
    const script = `
      const { LookoutVisionClient, ListProjectsCommand } = require('@aws-sdk/client-lookoutvision');
      const client = new LookoutVisionClient({ region: 'us-east-1', endpoint: process.env.VIGIL_TEST_ENDPOINT });
      client.send(new ListProjectsCommand({})).then(
        (output) => console.log(JSON.stringify({ Projects: output.Projects, requestId: output.$metadata.requestId })),
        (error) => { console.error(error.name + ': ' + error.message); process.exitCode = 2; },
      );`;
    // Run from the repository so that require() finds the SDK; everything else comes from the files.
    const result = await run(process.execPath, ['-e', script], {
      cwd: REPO_ROOT,
      env: childEnv(cwd, {
        AWS_SHARED_CREDENTIALS_FILE: banner.credentialsPath,
        AWS_PROFILE: 'vigil',
        NODE_EXTRA_CA_CERTS: banner.certPath,
        VIGIL_TEST_ENDPOINT: banner.endpoint,
      }),
    });
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { Projects: unknown[]; requestId: string };
    assert.deepEqual(output.Projects, []);
    assert.match(output.requestId, /^[0-9a-f-]{36}$/);
  });

  const cliArgs = () => ['lookoutvision', 'list-projects', '--region', 'us-east-1', '--endpoint-url', started.banner.endpoint, '--ca-bundle', started.banner.certPath];

  test('AWS CLI: --page-size 500 is a ValidationException (exit 254)', { skip: awsCliSkip }, async () => {
    const { banner, cwd } = started;
    const result = await run(AWS_CLI, [...cliArgs(), '--page-size', '500'], {
      cwd,
      env: childEnv(cwd, { AWS_SHARED_CREDENTIALS_FILE: banner.credentialsPath, AWS_PROFILE: 'vigil' }),
    });
    assert.equal(result.code, 254, result.stderr);
    assert.match(result.stderr, /ValidationException/);
  });

  test('AWS CLI: an unknown access key is an UnrecognizedClientException (exit 254)', { skip: awsCliSkip }, async () => {
    const { cwd } = started;
    const file = join(cwd, 'made-up-credentials');
    await writeProfile(file, { accessKeyId: 'AKIAMADEUPKEY0000000', secretAccessKey: 'madeupsecretmadeupsecretmadeupsecret0000' });
    const result = await run(AWS_CLI, cliArgs(), { cwd, env: childEnv(cwd, { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'vigil' }) });
    assert.equal(result.code, 254, result.stderr);
    assert.match(result.stderr, /UnrecognizedClientException/);
  });

  test('AWS CLI: a wrong secret for the right key id is an InvalidSignatureException (exit 254)', { skip: awsCliSkip }, async () => {
    const { banner, cwd } = started;
    const { accessKeyId } = await readProfile(banner.credentialsPath);
    const file = join(cwd, 'wrong-secret-credentials');
    await writeProfile(file, { accessKeyId, secretAccessKey: 'wrongsecretwrongsecretwrongsecretwrong00' });
    const result = await run(AWS_CLI, cliArgs(), { cwd, env: childEnv(cwd, { AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'vigil' }) });
    assert.equal(result.code, 254, result.stderr);
    assert.match(result.stderr, /InvalidSignatureException/);
  });

  test('the request log names paths only: no presigned signature or credential reaches it', async () => {
    const { banner, serve } = started;
    const ca = await readFile(banner.certPath, 'utf8');
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: banner.endpoint,
      forcePathStyle: true,
      credentials: await readProfile(banner.credentialsPath),
      requestHandler: new NodeHttpHandler({ httpsAgent: new HttpsAgent({ ca }) }),
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'logged' }));
    await s3.send(new PutObjectCommand({ Bucket: 'logged', Key: 'kept.png', Body: 'image' }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'logged', Key: 'kept.png' }), { expiresIn: 60 });
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'logged', Key: 'kept.png' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    s3.destroy();
    const query = new URL(url).search;
    const statuses: number[] = [];
    for (const [method, target] of [
      ['GET', url],
      ['GET', expired],
      ['PUT', url],
      ['GET', url.replace('kept.png', 'other.png')],
      ['GET', `${banner.endpoint}/2020-11-20/projects${query}`],
      ['POST', `${banner.endpoint}/${query}`],
      ['PROPFIND', url],
    ]) {
      statuses.push(
        await new Promise<number>((resolvePromise, reject) => {
          const req = httpsRequest(target, { method, ca, agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolvePromise(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        }),
      );
    }
    assert.deepEqual(statuses.slice(0, 4), [200, 403, 403, 403]);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 300));
    assert.match(serve.stderr, /\/logged\/kept\.png/, 'requests are logged at the default level');
    for (const secret of ['X-Amz-Signature', 'X-Amz-Credential', new URL(url).searchParams.get('X-Amz-Signature')!, new URL(expired).searchParams.get('X-Amz-Signature')!]) {
      assert.ok(!serve.stderr.includes(secret), `the log holds no ${secret.startsWith('X-Amz') ? secret : 'signature'}`);
    }
  });
});

/** Reads from a socket until `done(received)` says a whole answer is there. */
function readUntil(socket: TLSSocket, done: (received: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let received = '';
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolvePromise(received);
    };
    const onData = (part: Buffer) => {
      received += part.toString('latin1');
      if (done(received)) finish();
    };
    const onClose = () => finish(new Error(`connection closed after ${JSON.stringify(received)}`));
    const timer = setTimeout(() => finish(new Error(`no complete answer in ${timeoutMs} ms: ${JSON.stringify(received)}`)), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** A whole HTTP/1.1 response (status line, headers, Content-Length body) is in `text`. */
function completeResponse(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && Buffer.byteLength(text.slice(end + 4), 'latin1') >= Number(length[1]);
}

describe('vigil serve shutdown', () => {
  test('SIGTERM lets a request in flight finish, then exits 0', async () => {
    const { serve, banner } = await startServe();
    try {
      const body = '{"ProjectName":"ab"}';
      assert.equal(body.length, 20);
      const signer = new SignatureV4({
        service: 'lookoutvision',
        region: 'us-east-1',
        credentials: await readProfile(banner.credentialsPath),
        sha256: Hash.bind(null, 'sha256'),
      });
      const signed = await signer.sign(
        new HttpRequest({
          method: 'POST',
          protocol: 'https:',
          hostname: '127.0.0.1',
          port: banner.port,
          path: '/2020-11-20/projects',
          headers: { host: `127.0.0.1:${banner.port}`, 'content-type': 'application/json', 'content-length': '20' },
          body,
        }),
      );
      const head =
        `POST /2020-11-20/projects HTTP/1.1\r\n` +
        Object.entries(signed.headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        // The server's "100 Continue" shows that it has the headers: the request is in flight.
        `expect: 100-continue\r\n\r\n`;

      const ca = await readFile(banner.certPath, 'utf8');
      const socket = await new Promise<TLSSocket>((resolvePromise, reject) => {
        const connection = tlsConnect({ host: '127.0.0.1', port: banner.port, ca }, () => resolvePromise(connection));
        connection.once('error', reject);
      });
      try {
        socket.write(head);
        assert.match(await readUntil(socket, (text) => text.includes('\r\n\r\n')), /^HTTP\/1\.1 100 Continue\r\n\r\n$/);
        socket.write(body.slice(0, 10));
        serve.child.kill('SIGTERM');
        await serve.waitForLine(/^SIGTERM: finishing in-flight requests, then stopping$/);
        // Give the shutdown time to close what it would close.
        await new Promise((r) => setTimeout(r, 300));
        socket.write(body.slice(10));
        const response = await readUntil(socket, completeResponse);
        const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(response)?.[1]);
        const responseBody = response.slice(response.indexOf('\r\n\r\n') + 4);
        assert.ok(status >= 200 && status < 500, response);
        assert.match(response, /\r\nx-amzn-requestid: [0-9a-f-]{36}\r\n/i);
        const parsed = JSON.parse(responseBody) as { __type?: string };
        assert.ok(!AUTH_ERROR_TYPES.includes(parsed.__type ?? ''), responseBody);

        // The client keeps its connection open, as a keep-alive client does: the server closes it
        // and exits, rather than waiting for the client or a keep-alive timeout.
        const closedByServer = new Promise<void>((resolvePromise) => (socket.closed ? resolvePromise() : socket.once('close', () => resolvePromise())));
        const { code, signal } = await serve.exit(10_000);
        assert.equal(signal, null);
        assert.equal(code, 0, serve.stderr);
        await closedByServer;
      } finally {
        socket.destroy();
      }
    } finally {
      await serve.stop();
    }
  });

  test('SIGINT on an idle server exits 0 promptly', async () => {
    const { serve } = await startServe();
    try {
      const started = Date.now();
      serve.child.kill('SIGINT');
      const { code, signal } = await serve.exit(5_000);
      assert.equal(signal, null);
      assert.equal(code, 0, serve.stderr);
      assert.ok(serve.lines.includes('SIGINT: finishing in-flight requests, then stopping'), serve.lines.join('\n'));
      assert.ok(Date.now() - started < 5_000);
    } finally {
      await serve.stop();
    }
  });
});

describe('vigil serve: bad settings', () => {
  test('--port abc exits non-zero with a clear message', async () => {
    const cwd = await tempDir();
    const result = await run(process.execPath, [VIGIL_CLI, 'serve', '--port', 'abc', '--data-dir', join(cwd, 'data')], { cwd, env: childEnv(cwd) });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--port/);
    assert.match(result.stderr, /abc/);
    assert.match(result.stderr, /a port is a number from 0 to 65535/);
    assert.equal(result.stdout, '');
    await assert.rejects(access(join(cwd, 'data')), 'nothing was created');
  });

  test('--config with an unknown setting exits non-zero naming it', async () => {
    const cwd = await tempDir();
    const config = join(cwd, 'vigil.json');
    await writeFile(config, JSON.stringify({ port: 0, dataDir: join(cwd, 'data'), colour: 'blue' }));
    const result = await run(process.execPath, [VIGIL_CLI, 'serve', '--config', config], { cwd, env: childEnv(cwd) });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unknown settings: colour/);
    assert.ok(result.stderr.includes(config), result.stderr);
    assert.equal(result.stdout, '');
    await assert.rejects(access(join(cwd, 'data')), 'nothing was created');
  });
});
