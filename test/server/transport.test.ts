import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { DetectAnomaliesCommand, ListProjectsCommand } from '@aws-sdk/client-lookoutvision';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AUTH_ERROR_TYPES = ['MissingAuthenticationTokenException', 'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException'];

let vigil: TestVigil;
before(async () => {
  vigil = await startTestVigil();
});
after(() => vigil.stop());

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** SigV4 headers for a lookoutvision request to this Vigil, signed as the SDK signs. */
async function signedHeaders(input: { method: string; path: string; body: string; secretAccessKey?: string }): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 'lookoutvision',
    region: 'us-east-1',
    credentials: { accessKeyId: vigil.rootAccessKey.accessKeyId, secretAccessKey: input.secretAccessKey ?? vigil.rootAccessKey.secretAccessKey },
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: input.method,
      protocol: 'https:',
      hostname: '127.0.0.1',
      port: vigil.port,
      path: input.path,
      headers: { host: `127.0.0.1:${vigil.port}`, 'content-type': 'application/json' },
      body: input.body,
    }),
  );
  return signed.headers;
}

/** Sends a request over node:https trusting the generated certificate; `chunks` are written one by one. */
function send(input: { method: string; path: string; headers: Record<string, string | number>; chunks: (string | Buffer)[] }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: vigil.port, method: input.method, path: input.path, headers: input.headers, ca: vigil.tls.cert, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer (and stop reading) before the whole body went out: the answer is what counts.
    req.on('error', reject);
    for (const chunk of input.chunks) req.write(chunk);
    req.end();
  });
}

/** Opens a TLS connection and resolves with the connected socket, or rejects with the handshake error. */
function handshake(options: ConnectionOptions): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: vigil.port, ca: vigil.tls.cert, ...options });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}

describe('HTTPS transport', () => {
  test('ListProjects answers with a request id that matches x-amzn-RequestId, a Date and HSTS', async () => {
    const client = vigil.lookoutVision();
    let rawHeaders: Record<string, string> | undefined;
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        rawHeaders = (result.response as { headers: Record<string, string> }).headers;
        return result;
      },
      { step: 'deserialize', name: 'captureRawHeaders' },
    );
    try {
      const before = Date.now();
      const output = await client.send(new ListProjectsCommand({}));
      assert.deepEqual(output.Projects, []);
      assert.ok(rawHeaders, 'the raw response was captured');
      const requestId = rawHeaders['x-amzn-requestid'];
      assert.match(requestId, UUID);
      assert.equal(output.$metadata.requestId, requestId);
      assert.equal(output.$metadata.httpStatusCode, 200);
      assert.equal(rawHeaders['strict-transport-security'], 'max-age=31536000; includeSubDomains');
      const date = Date.parse(rawHeaders.date);
      assert.ok(Number.isFinite(date), `Date header ${rawHeaders.date} parses`);
      // HTTP dates have whole seconds.
      assert.ok(date >= before - 2_000 && date <= Date.now() + 1_000, `Date header ${rawHeaders.date} is now`);
    } finally {
      client.destroy();
    }
  });

  test('two requests get different request ids', async () => {
    const client = vigil.lookoutVision();
    try {
      const [a, b] = await Promise.all([client.send(new ListProjectsCommand({})), client.send(new ListProjectsCommand({}))]);
      assert.match(a.$metadata.requestId ?? '', UUID);
      assert.notEqual(a.$metadata.requestId, b.$metadata.requestId);
    } finally {
      client.destroy();
    }
  });

  test('plain HTTP to the HTTPS port gets no HTTP response and the connection closes', async () => {
    const received = await new Promise<Buffer>((resolve, reject) => {
      const socket = netConnect({ host: '127.0.0.1', port: vigil.port });
      const parts: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error('the server kept a plain-HTTP connection open for 10 s'));
      }, 10_000);
      socket.on('connect', () => socket.write(`GET /2020-11-20/projects HTTP/1.1\r\nHost: 127.0.0.1:${vigil.port}\r\n\r\n`));
      socket.on('data', (part: Buffer) => parts.push(part));
      // A reset is as good as a close here: either way the connection is over.
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(parts));
      });
    });
    assert.ok(!received.toString('latin1').startsWith('HTTP/'), `no HTTP response, got ${JSON.stringify(received.toString('latin1').slice(0, 40))}`);
  });

  for (const version of ['TLSv1', 'TLSv1.1'] as const) {
    test(`${version} is refused by the server`, async () => {
      await assert.rejects(handshake({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT:@SECLEVEL=0' }), (error: NodeJS.ErrnoException) => {
        // The client was willing; the server answered with a protocol_version alert.
        assert.equal(error.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', `${error.code}: ${error.message}`);
        return true;
      });
    });
  }

  test('TLS 1.2 negotiates an ECDHE AEAD suite', async () => {
    const socket = await handshake({ maxVersion: 'TLSv1.2' });
    try {
      assert.equal(socket.getProtocol(), 'TLSv1.2');
      const cipher = socket.getCipher();
      assert.match(cipher.name, /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/);
      assert.equal(socket.getPeerX509Certificate()?.fingerprint256, vigil.tls.fingerprint);
    } finally {
      socket.destroy();
    }
  });

  test('TLS 1.2 with only non-forward-secret or CBC suites offered is refused', async () => {
    await assert.rejects(handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256:AES256-SHA:ECDHE-ECDSA-AES128-SHA' }), (error: NodeJS.ErrnoException) => {
      assert.match(String(error.code), /HANDSHAKE_FAILURE|NO_SHARED_CIPHER/, `${error.code}: ${error.message}`);
      return true;
    });
  });

  test('TLS 1.3 succeeds', async () => {
    const socket = await handshake({ minVersion: 'TLSv1.3' });
    try {
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      assert.equal(socket.getPeerX509Certificate()?.fingerprint256, vigil.tls.fingerprint);
    } finally {
      socket.destroy();
    }
  });

  test('the generated certificate is EC P-256, names the loopback addresses and lasts at most 397 days', () => {
    const cert = new X509Certificate(vigil.tls.cert);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(cert.checkIP('::1'), `SAN covers ::1: ${cert.subjectAltName}`);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days > 0 && days <= 397, `validity ${days} days`);
    assert.ok(Date.parse(cert.validFrom) <= Date.now() && Date.now() < Date.parse(cert.validTo), 'valid now');
    assert.equal(cert.ca, false);
    assert.equal(cert.fingerprint256, vigil.tls.fingerprint);
    assert.equal(vigil.tls.certPath, join(vigil.dataDir, 'tls', 'cert.pem'));
  });

  test('secrets are mode 0600 in directories of mode 0700', async () => {
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    for (const file of [join(vigil.dataDir, 'tls', 'key.pem'), vigil.credentialsPath, join(vigil.dataDir, 'keys', 'root.key')]) {
      assert.equal((await mode(file)).toString(8), '600', file);
    }
    for (const dir of [vigil.dataDir, join(vigil.dataDir, 'tls'), join(vigil.dataDir, 'keys')]) {
      assert.equal((await mode(dir)).toString(8), '700', dir);
    }
    assert.equal(vigil.credentialsPath, join(vigil.dataDir, 'credentials'));
  });

  test('a chunked, signed request body is accepted and authenticated', async () => {
    const body = JSON.stringify({ ProjectName: 'chunked-body', ClientToken: 'c'.repeat(40) });
    const headers = await signedHeaders({ method: 'POST', path: '/2020-11-20/projects', body });
    assert.equal(headers['content-length'], undefined);
    const middle = Math.floor(body.length / 2);
    const chunks = [body.slice(0, middle), body.slice(middle)];

    const response = await send({ method: 'POST', path: '/2020-11-20/projects', headers: { ...headers, 'transfer-encoding': 'chunked' }, chunks });
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const parsed = JSON.parse(response.body) as { __type?: string };
    assert.notEqual(response.status, 403, response.body);
    assert.ok(response.status < 500, response.body);
    assert.ok(!AUTH_ERROR_TYPES.includes(String(parsed.__type ?? response.headers['x-amzn-errortype'])), response.body);

    // The same request with a wrong secret is refused: the check above is not vacuous.
    const wrong = await signedHeaders({ method: 'POST', path: '/2020-11-20/projects', body, secretAccessKey: 'x'.repeat(40) });
    const refused = await send({ method: 'POST', path: '/2020-11-20/projects', headers: { ...wrong, 'transfer-encoding': 'chunked' }, chunks });
    assert.equal(refused.status, 403);
    assert.equal((JSON.parse(refused.body) as { __type: string }).__type, 'InvalidSignatureException');
  });

  test('a body over 64 KiB gets 413 with a JSON error, and the server stays up', async () => {
    // One byte over CreateProject's body limit (64 KiB).
    const empty = JSON.stringify({ ProjectName: 'p', Padding: '' });
    const body = JSON.stringify({ ProjectName: 'p', Padding: 'x'.repeat(64 * 1024 + 1 - empty.length) });
    assert.equal(Buffer.byteLength(body), 64 * 1024 + 1);
    const headers = await signedHeaders({ method: 'POST', path: '/2020-11-20/projects', body });
    const response = await send({
      method: 'POST',
      path: '/2020-11-20/projects',
      headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      chunks: [body],
    });
    assert.equal(response.status, 413, response.body);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const parsed = JSON.parse(response.body) as { __type: string; Message: string };
    assert.equal(typeof parsed.__type, 'string');
    assert.equal(typeof parsed.Message, 'string');
    assert.equal(response.headers['x-amzn-errortype'], parsed.__type);

    const client = vigil.lookoutVision();
    try {
      const names = (await client.send(new ListProjectsCommand({}))).Projects?.map((p) => p.ProjectName);
      assert.ok(names && !names.includes('p'), 'the oversized request must change nothing');
    } finally {
      client.destroy();
    }
  });

  test('DetectAnomalies with an image over 8 MB answers 400 ValidationException on the same connection, not 413', async () => {
    const client = vigil.lookoutVision();
    try {
      const body = Buffer.alloc(9 * 1024 * 1024, 0x5a);
      const refused = await client.send(new DetectAnomaliesCommand({ ProjectName: 'p', ModelVersion: '1', ContentType: 'image/png', Body: body })).then(
        () => assert.fail('a 9 MB image was accepted'),
        (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => error,
      );
      assert.equal(refused.name, 'ValidationException', refused.message);
      assert.equal(refused.$metadata.httpStatusCode, 400);
      assert.match(refused.message, /8 MB/);
      assert.ok((await client.send(new ListProjectsCommand({}))).Projects, 'the client goes on working');
    } finally {
      client.destroy();
    }
  });
});
