import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { AuthError, type ReceivedRequest } from '../../src/server/auth/signedRequest.js';
import { verifySigV4 } from '../../src/server/auth/sigv4.js';

const KEY = { accessKeyId: 'AKIAPROPERTYTEST0001', secretAccessKey: 'property/test/secret/key/0000000000000000' };
const secretFor = async (accessKeyId: string) => (accessKeyId === KEY.accessKeyId ? KEY.secretAccessKey : undefined);
const NOW = new Date('2026-05-01T12:00:00Z');

/** RFC 3986 percent-encoding, as the SDKs put keys and values on the wire. */
const wire = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const segment = fc.stringMatching(/^[A-Za-z0-9._~ -]{1,12}$/);
const queryText = fc.string({ unit: 'binary', maxLength: 12 });
const headerName = fc.stringMatching(/^x-[a-z0-9-]{1,10}$/);
// Visible ASCII with inner spaces: what HTTP carries in a header value once the parser has trimmed it.
const headerValue = fc.stringMatching(/^[!-~]([ !-~]{0,20}[!-~])?$/);

interface Signable {
  method: string;
  segments: string[];
  query: [string, string][];
  headers: [string, string][];
  body: string;
}

const signable: fc.Arbitrary<Signable> = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
  segments: fc.array(segment, { maxLength: 4 }),
  // "__proto__" is refused whatever its signature (see the test below).
  query: fc.uniqueArray(
    fc.tuple(
      queryText.filter((key) => key !== '__proto__'),
      queryText,
    ),
    { maxLength: 5, selector: ([key]) => key },
  ),
  headers: fc.uniqueArray(fc.tuple(headerName, headerValue), { maxLength: 4, selector: ([name]) => name }),
  body: fc.string({ maxLength: 64 }),
});

function pathOf(input: Signable): string {
  return `/${input.segments.map(wire).join('/')}`;
}

function rawUrlOf(path: string, query: Record<string, string | string[] | null>): string {
  const parts = Object.entries(query).flatMap(([key, value]) => (Array.isArray(value) ? value : [value ?? '']).map((v) => `${wire(key)}=${wire(v)}`));
  return parts.length === 0 ? path : `${path}?${parts.join('&')}`;
}

function received(method: string, rawUrl: string, headers: Record<string, string>, body: Buffer | undefined): ReceivedRequest {
  return { method, rawUrl, headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), [value]])), body };
}

async function signHeaders(input: Signable, service: string): Promise<ReceivedRequest> {
  const signer = new SignatureV4({ service, region: 'eu-west-1', credentials: KEY, sha256: Hash.bind(null, 'sha256'), uriEscapePath: service !== 's3' });
  const request = new HttpRequest({
    method: input.method,
    protocol: 'https:',
    hostname: 'vigil.test',
    path: pathOf(input),
    query: Object.fromEntries(input.query),
    headers: { host: 'vigil.test', ...Object.fromEntries(input.headers) },
    body: input.body,
  });
  const signed = await signer.sign(request, { signingDate: NOW });
  return received(input.method, rawUrlOf(signed.path, signed.query as Record<string, string>), signed.headers, Buffer.from(input.body));
}

/** The promise's rejection, which must be an AuthError (anything else, or no rejection, fails the property). */
async function authFailure(promise: Promise<unknown>): Promise<AuthError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AuthError, `only AuthError is thrown, got ${(error as Error)?.name}: ${(error as Error)?.message}`);
    return error;
  }
  assert.fail('the request was accepted');
}

test('a request the SDK signed in the Authorization header is accepted, whatever its path, query, headers and body', async () => {
  await fc.assert(
    fc.asyncProperty(signable, fc.constantFrom('lookoutvision', 'kms'), async (input, service) => {
      const request = await signHeaders(input, service);
      const authenticated = await verifySigV4(request, { service, payload: 'body', secretFor, now: NOW });
      assert.equal(authenticated.accessKeyId, KEY.accessKeyId);
      assert.equal(authenticated.region, 'eu-west-1');
    }),
    { numRuns: 150 },
  );
});

test('changing any signed part of such a request (method, path, a query value, a signed header, the body) is refused with an AuthError', async () => {
  await fc.assert(
    fc.asyncProperty(signable, fc.nat(), fc.constantFrom('method', 'path', 'query', 'header', 'body'), async (input, pick, part) => {
      const request = await signHeaders(input, 'lookoutvision');
      const questionMark = request.rawUrl.indexOf('?');
      const path = questionMark < 0 ? request.rawUrl : request.rawUrl.slice(0, questionMark);
      const search = questionMark < 0 ? '' : request.rawUrl.slice(questionMark);
      if (part === 'method') request.method = request.method === 'GET' ? 'POST' : 'GET';
      else if (part === 'path') request.rawUrl = `${path}x${search}`;
      else if (part === 'query') request.rawUrl = `${path}${search === '' ? '?' : `${search}&`}added=1`;
      else if (part === 'body') request.body = Buffer.concat([request.body!, Buffer.from('!')]);
      else {
        const names = input.headers.map(([name]) => name);
        const name = names.length === 0 ? 'host' : names[pick % names.length]!;
        request.headers[name] = [`${request.headers[name]![0]}z`];
      }
      const error = await authFailure(verifySigV4(request, { service: 'lookoutvision', payload: 'body', secretFor, now: NOW }));
      // The signed x-amz-content-sha256 no longer matches a changed body.
      assert.equal(error.failure, part === 'body' ? 'PayloadHashMismatch' : 'SignatureMismatch', error.message);
    }),
    { numRuns: 150 },
  );
});

test('a presigned S3 URL is accepted as signed, and refused with an AuthError once any query parameter is changed', async () => {
  await fc.assert(
    fc.asyncProperty(signable, fc.integer({ min: 1, max: 604_800 }), fc.nat(), async (input, expiresIn, pick) => {
      // The S3 presigner of the SDK, as getSignedUrl and `aws s3 presign` use it (UNSIGNED-PAYLOAD).
      const signer = new S3RequestPresigner({ region: 'us-east-1', credentials: KEY, sha256: Hash.bind(null, 'sha256') });
      const presigned = await signer.presign(
        new HttpRequest({ method: input.method, protocol: 'https:', hostname: 'vigil.test', path: pathOf(input), query: Object.fromEntries(input.query), headers: { host: 'vigil.test' } }),
        { signingDate: NOW, expiresIn },
      );
      const query = presigned.query as Record<string, string>;
      const request = received(input.method, rawUrlOf(presigned.path, query), { host: 'vigil.test' }, undefined);
      const options = { service: 's3', payload: 'stream' as const, presigned: true, secretFor, now: NOW };
      assert.equal((await verifySigV4(request, options)).payloadHash, 'UNSIGNED-PAYLOAD');

      const names = Object.keys(query);
      const name = names[pick % names.length]!;
      const tampered = { ...query, [name]: `${query[name]}0` };
      await authFailure(verifySigV4(received(input.method, rawUrlOf(presigned.path, tampered), { host: 'vigil.test' }, undefined), options));
    }),
    { numRuns: 100 },
  );
});

test("a query parameter named __proto__, whose value the SDKs' signer leaves unsigned, is refused in signed and presigned requests", async () => {
  const input: Signable = { method: 'GET', segments: ['bucket'], query: [['__proto__', 'a']], headers: [], body: '' };
  const request = await signHeaders(input, 'lookoutvision');
  const error = await authFailure(verifySigV4(request, { service: 'lookoutvision', payload: 'body', secretFor, now: NOW }));
  assert.equal(error.failure, 'SignatureMismatch');
  const signer = new S3RequestPresigner({ region: 'us-east-1', credentials: KEY, sha256: Hash.bind(null, 'sha256') });
  const presigned = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'https:', hostname: 'vigil.test', path: '/bucket', query: Object.fromEntries(input.query), headers: { host: 'vigil.test' } }),
    {
      signingDate: NOW,
      expiresIn: 60,
    },
  );
  const presignedError = await authFailure(
    verifySigV4(received('GET', rawUrlOf(presigned.path, presigned.query as Record<string, string>), { host: 'vigil.test' }, undefined), {
      service: 's3',
      payload: 'stream',
      presigned: true,
      secretFor,
      now: NOW,
    }),
  );
  assert.equal(presignedError.failure, 'SignatureMismatch');
});

test('any Authorization header, X-Amz-Date, security token and query string is answered with an AuthError, never another error', async () => {
  const credential = fc.oneof(fc.string(), fc.constant(`${KEY.accessKeyId}/20260501/us-east-1/lookoutvision/aws4_request`));
  const authorization = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc
      .tuple(credential, fc.oneof(fc.string(), fc.constant('host;x-amz-date')), fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()))
      .map(([c, h, s]) => `AWS4-HMAC-SHA256 Credential=${c}, SignedHeaders=${h}, Signature=${s}`),
  );
  const amzDate = fc.oneof(
    fc.string(),
    fc.constant('20260501T120000Z'),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace(/[-:]|\.\d{3}/g, '')),
  );
  const rawQuery = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .array(fc.tuple(fc.constantFrom('X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token', 'x'), fc.string()), {
        maxLength: 8,
      })
      .map((pairs) => pairs.map(([key, value]) => `${key}=${wire(value)}`).join('&')),
  );
  await fc.assert(
    fc.asyncProperty(fc.option(authorization), fc.option(amzDate), fc.option(fc.string()), rawQuery, fc.constantFrom('lookoutvision', 's3'), async (auth, date, token, query, service) => {
      const headers: Record<string, string[] | undefined> = { host: ['vigil.test'] };
      if (auth !== null) headers.authorization = [auth];
      if (date !== null) headers['x-amz-date'] = [date];
      if (token !== null) headers['x-amz-security-token'] = [token];
      if (service === 's3') headers['x-amz-content-sha256'] = ['UNSIGNED-PAYLOAD'];
      const request: ReceivedRequest = { method: 'GET', rawUrl: `/a/b?${query}`, headers, body: Buffer.alloc(0) };
      await authFailure(verifySigV4(request, { service, payload: service === 's3' ? 'stream' : 'body', presigned: service === 's3', secretFor, now: NOW }));
    }),
    { numRuns: 400 },
  );
});

test('a huge Authorization header or query string is refused in bounded time', async () => {
  for (const size of [64 * 1024, 1024 * 1024]) {
    const started = performance.now();
    await authFailure(
      verifySigV4(
        { method: 'GET', rawUrl: '/', headers: { host: ['h'], authorization: [`AWS4-HMAC-SHA256 Credential=${'a/'.repeat(size)}`] }, body: undefined },
        { service: 'lookoutvision', payload: 'body', secretFor, now: NOW },
      ),
    );
    await authFailure(
      verifySigV4(
        { method: 'GET', rawUrl: `/?X-Amz-Credential=${'%2F'.repeat(size / 3)}&${'a=b&'.repeat(size / 4)}`, headers: { host: ['h'] }, body: undefined },
        { service: 's3', payload: 'stream', presigned: true, secretFor, now: NOW },
      ),
    );
    assert.ok(performance.now() - started < 2000, `${size} bytes took ${Math.round(performance.now() - started)} ms`);
  }
});

test('a signed request whose query repeats one key thousands of times is checked in bounded time (it was quadratic)', async () => {
  const input: Signable = { method: 'GET', segments: ['a'], query: [], headers: [], body: '' };
  const request = await signHeaders(input, 'lookoutvision');
  // Past the 16 KB of headers Node accepts, so past anything the server can receive.
  request.rawUrl = `/a?${'k=v&'.repeat(16_384)}`;
  const started = performance.now();
  await authFailure(verifySigV4(request, { service: 'lookoutvision', payload: 'body', secretFor, now: NOW }));
  await authFailure(
    verifySigV4(
      { method: 'GET', rawUrl: `/a?X-Amz-Signature=0&${'k&'.repeat(32_768)}`, headers: { host: ['h'] }, body: undefined },
      { service: 's3', payload: 'stream', presigned: true, secretFor, now: NOW },
    ),
  );
  assert.ok(performance.now() - started < 1000, `took ${Math.round(performance.now() - started)} ms`);
});
