import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { AuthError } from '../../../src/server/auth/signedRequest.js';
import { verifySigV4 } from '../../../src/server/auth/sigv4.js';
import { awsCli, awsCliSkip, bucketBlobFiles, errorCode, s3Client } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'shared-images';

interface Fetched {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** Fetches a URL with Node's https, trusting the test CA; no signing of its own. */
function fetchUrl(url: string, ca: string, options: { method?: string; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        ca,
        agent: false,
        headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const all = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text: all.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The URL with one query parameter replaced (the raw query otherwise kept as it is). */
function withParameter(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  const parts = parsed.search
    .slice(1)
    .split('&')
    .map((part) => (part.startsWith(`${name}=`) ? `${name}=${encodeURIComponent(value)}` : part));
  return `${parsed.origin}${parsed.pathname}?${parts.join('&')}`;
}

function parameter(url: string, name: string): string {
  const value = new URL(url).searchParams.get(name);
  assert.ok(value !== null, `${name} is in the URL`);
  return value;
}

function assertS3Error(response: Fetched, status: number, code: string, message?: RegExp): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers['x-amz-error-code'], code);
  if (response.text) {
    assert.equal(errorCode({ status: response.status, headers: response.headers, body: response.text, json: () => ({}) }), code, response.text);
    if (message) assert.match(response.text, message);
  }
}

describe('presigned URLs (SigV4 query-string authentication) on the S3 API', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const content = 'the original image bytes';
  const get = (url: string, extra: Parameters<typeof fetchUrl>[2] = {}) => fetchUrl(url, vigil.tls.cert, extra);
  const presign = (command: GetObjectCommand | PutObjectCommand | HeadObjectCommand, options: Parameters<typeof getSignedUrl>[2] = {}) => getSignedUrl(s3, command, { expiresIn: 300, ...options });

  /** The object still holds `expected` and no blob was added by a refused PUT. */
  async function assertUnchanged(key: string, expected: string, blobCount: number): Promise<void> {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    assert.equal(await object.Body!.transformToString(), expected);
    assert.equal((await bucketBlobFiles(vigil)).length, blobCount, 'a refused PUT leaves no blob behind');
  }

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png', Body: content }));
  });
  after(async () => {
    s3.destroy();
    await vigil.stop();
  });

  test('getSignedUrl: GET, HEAD and PUT URLs work with a plain HTTPS client', async () => {
    const getUrl = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    const got = await get(getUrl);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.text, content);

    const headUrl = await presign(new HeadObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    const head = await get(headUrl, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(content.length));

    const upload = Buffer.from('an image uploaded through a presigned URL');
    const putUrl = await presign(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/new.png', ContentType: 'image/png' }));
    const put = await get(putUrl, { method: 'PUT', body: upload, headers: { 'content-type': 'image/png' } });
    assert.equal(put.status, 200, put.text);
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/new.png' }));
    assert.deepEqual(Buffer.from(await stored.Body!.transformToByteArray()), upload);
    assert.equal(stored.ContentType, 'image/png');

    // A URL for a missing key is a plain NoSuchKey: the signature was good.
    const missing = await get(await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing.png' })));
    assertS3Error(missing, 404, 'NoSuchKey');
  });

  test('expired and not-yet-valid URLs are AccessDenied', async () => {
    const expired = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    const response = await get(expired);
    assertS3Error(response, 403, 'AccessDenied', /<Message>Request has expired<\/Message>/);
    assert.match(response.text, /<X-Amz-Expires>60<\/X-Amz-Expires><Expires>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expires><ServerTime>/);
    const head = await get(await presign(new HeadObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { expiresIn: 1, signingDate: new Date(Date.now() - 5_000) }), {
      method: 'HEAD',
    });
    assertS3Error(head, 403, 'AccessDenied');

    const future = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { signingDate: new Date(Date.now() + 20 * 60_000) });
    assertS3Error(await get(future), 403, 'AccessDenied', /not valid yet/);
  });

  test('tampered signature, key, bucket and other parameters are SignatureDoesNotMatch', async () => {
    const url = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    const signature = parameter(url, 'X-Amz-Signature');
    const flipped = `${signature.slice(0, 10)}${signature[10] === '0' ? '1' : '0'}${signature.slice(11)}`;
    assertS3Error(await get(withParameter(url, 'X-Amz-Signature', flipped)), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(withParameter(url, 'X-Amz-Signature', 'abc')), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url.replace('part%2B1.png', 'part%2B2.png')), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url.replace(`/${BUCKET}/`, '/other-bucket/')), 403, 'SignatureDoesNotMatch');
    // A response header override (response-content-type) the signer did not sign.
    assertS3Error(await get(`${url}&response-content-type=text%2Fhtml`), 403, 'SignatureDoesNotMatch');
    // Another credential: an unknown access key, another secret.
    const [, rest] = parameter(url, 'X-Amz-Credential').split(/\/(.*)/s);
    assertS3Error(await get(withParameter(url, 'X-Amz-Credential', `VKIAUNKNOWNKEY000000/${rest}`)), 403, 'InvalidAccessKeyId');
    const otherSecret = s3Client(vigil, { credentials: { ...vigil.rootAccessKey, secretAccessKey: 'x'.repeat(40) } });
    const forged = await getSignedUrl(otherSecret, new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { expiresIn: 300 });
    otherSecret.destroy();
    assertS3Error(await get(forged), 403, 'SignatureDoesNotMatch');
  });

  test('a URL is bound to its method: a GET URL used for PUT, DELETE or HEAD is refused and changes nothing', async () => {
    const blobs = (await bucketBlobFiles(vigil)).length;
    const url = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    assertS3Error(await get(url, { method: 'PUT', body: 'overwritten' }), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url, { method: 'DELETE' }), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url, { method: 'HEAD' }), 403, 'SignatureDoesNotMatch');
    await assertUnchanged('line 3/part+1.png', content, blobs);

    // A PUT URL writes only its own key; a DELETE URL is needed to delete.
    const putUrl = await presign(new PutObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    assertS3Error(await get(putUrl.replace('part%2B1.png', 'part%2B9.png'), { method: 'PUT', body: 'elsewhere' }), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(putUrl, { method: 'POST', body: 'posted' }), 403, 'SignatureDoesNotMatch');
    await assert.rejects(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+9.png' })), { name: 'NotFound' });
    await assertUnchanged('line 3/part+1.png', content, blobs);
  });

  test('raising X-Amz-Expires breaks the signature; beyond 7 days or malformed it is AuthorizationQueryParametersError', async () => {
    const blobs = (await bucketBlobFiles(vigil)).length;
    const expired = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    assertS3Error(await get(withParameter(expired, 'X-Amz-Expires', '3600')), 403, 'SignatureDoesNotMatch');
    const putExpired = await presign(new PutObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { expiresIn: 60, signingDate: new Date(Date.now() - 120_000) });
    assertS3Error(await get(putExpired, { method: 'PUT', body: 'late' }), 403, 'AccessDenied', /Request has expired/);
    assertS3Error(await get(withParameter(putExpired, 'X-Amz-Expires', '86400'), { method: 'PUT', body: 'late' }), 403, 'SignatureDoesNotMatch');
    await assertUnchanged('line 3/part+1.png', content, blobs);

    const url = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }), { expiresIn: 604_800 });
    assert.equal((await get(url)).status, 200, 'seven days is the longest validity');
    for (const value of ['604801', '0', '-5', 'soon', '']) {
      assertS3Error(await get(withParameter(url, 'X-Amz-Expires', value)), 400, 'AuthorizationQueryParametersError', /X-Amz-Expires/);
    }
  });

  test('incomplete, duplicated or mixed authentication is refused with S3 error codes', async () => {
    const url = await presign(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    const without = (name: string) => url.replace(new RegExp(`[?&]${name}=[^&]*`), (match: string) => (match[0] === '?' ? '?' : ''));
    for (const name of ['X-Amz-Algorithm', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Credential']) {
      assertS3Error(await get(without(name)), 400, 'AuthorizationQueryParametersError');
    }
    assertS3Error(await get(withParameter(url, 'X-Amz-Algorithm', 'AWS4-HMAC-SHA1')), 400, 'AuthorizationQueryParametersError');
    assertS3Error(await get(`${url}&X-Amz-Signature=${'0'.repeat(64)}`), 400, 'AuthorizationQueryParametersError');
    const scope = parameter(url, 'X-Amz-Credential');
    assertS3Error(await get(withParameter(url, 'X-Amz-Credential', scope.replace('/s3/', '/lookoutvision/'))), 400, 'AuthorizationQueryParametersError');
    assertS3Error(await get(withParameter(url, 'X-Amz-Credential', scope.replace(/\/\d{8}\//, '/20200101/'))), 400, 'AuthorizationQueryParametersError');
    // A session token that is not the key's (session credentials presign with their own: test/server/sessionCredentials.test.ts).
    assertS3Error(await get(`${url}&X-Amz-Security-Token=token`), 400, 'InvalidToken', /token is malformed/);
    // Both a presigned query and an Authorization header.
    assertS3Error(await get(url, { headers: { authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=${'0'.repeat(64)}` } }), 400, 'InvalidArgument');
  });

  test('only S3 accepts query-string authentication: Lookout for Vision and KMS refuse presigned requests', async () => {
    const url = new URL(vigil.endpoint);
    const presigner = (service: string) =>
      new SignatureV4({ service, region: 'us-east-1', credentials: vigil.rootAccessKey, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true, applyChecksum: false });
    const toUrl = (request: { path: string; query?: Record<string, unknown> }) =>
      `${vigil.endpoint}${request.path}?${Object.entries(request.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&')}`;

    const listProjects = await presigner('lookoutvision').presign(
      new HttpRequest({ method: 'GET', protocol: 'https:', hostname: url.hostname, port: Number(url.port), path: '/2020-11-20/projects', headers: { host: url.host } }),
      { expiresIn: 300 },
    );
    const lfv = await get(toUrl(listProjects));
    assert.equal(lfv.status, 403, lfv.text);
    assert.equal(lfv.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException');
    assert.match(lfv.text, /only by the S3 API/);

    const body = JSON.stringify({});
    const listKeys = await presigner('kms').presign(
      new HttpRequest({
        method: 'POST',
        protocol: 'https:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
        body,
      }),
      { expiresIn: 300, unhoistableHeaders: new Set(['x-amz-target']) },
    );
    const kms = await get(toUrl(listKeys), { method: 'POST', body, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' } });
    assert.equal(kms.status, 403, kms.text);
    assert.equal(JSON.parse(kms.text).__type, 'MissingAuthenticationTokenException');
  });

  test('aws s3 presign: the URL works until it expires and is refused when tampered with', { skip: awsCliSkip }, async () => {
    const { stdout } = await awsCli(vigil, ['s3', 'presign', `s3://${BUCKET}/line 3/part+1.png`, '--expires-in', '120']);
    const url = stdout.trim();
    assert.equal(parameter(url, 'X-Amz-Algorithm'), 'AWS4-HMAC-SHA256', 'the CLI signs SigV4');
    assert.equal(parameter(url, 'X-Amz-Expires'), '120');
    const got = await get(url);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.text, content);
    assert.equal((await get(url, { method: 'HEAD' })).status, 403, 'the GET URL does not serve HEAD');

    const signature = parameter(url, 'X-Amz-Signature');
    assertS3Error(await get(withParameter(url, 'X-Amz-Signature', [...signature].reverse().join(''))), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url.replace('part%2B1.png', 'part%2B2.png')), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(withParameter(url, 'X-Amz-Expires', '600')), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url, { method: 'PUT', body: 'overwritten' }), 403, 'SignatureDoesNotMatch');
    assertS3Error(await get(url, { method: 'DELETE' }), 403, 'SignatureDoesNotMatch');

    const short = (await awsCli(vigil, ['s3', 'presign', `s3://${BUCKET}/line 3/part+1.png`, '--expires-in', '1'])).stdout.trim();
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    assertS3Error(await get(short), 403, 'AccessDenied', /Request has expired/);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'line 3/part+1.png' }));
    assert.equal(await object.Body!.transformToString(), content);
  });
});

describe('presigned URL verification (verifySigV4 with presigned: true)', () => {
  const credentials = { accessKeyId: 'VKIATESTKEY000000000', secretAccessKey: 'test-secret-test-secret-test-secret-0000' };
  const signingDate = new Date('2026-03-01T12:00:00Z');
  const secretFor = async (id: string) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined);

  async function presigned(expiresIn: number, query: Record<string, string | string[]> = {}): Promise<{ rawUrl: string; headers: Record<string, string[]> }> {
    const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false, applyChecksum: false });
    const request = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: 'https:', hostname: 'localhost', path: '/bucket/key.png', query, headers: { host: 'localhost:8443', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }),
      { signingDate, expiresIn, unsignableHeaders: new Set(['x-amz-content-sha256']), unhoistableHeaders: new Set(['x-amz-content-sha256']) },
    );
    const parts: string[] = [];
    for (const [key, value] of Object.entries(request.query ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(v))}`);
    }
    return { rawUrl: `/bucket/key.png?${parts.join('&')}`, headers: { host: ['localhost:8443'] } };
  }
  const verify = async (request: { rawUrl: string; headers: Record<string, string[]> }, now: Date, presignedAllowed = true) =>
    verifySigV4({ method: 'GET', body: undefined, ...request }, { service: 's3', payload: 'stream', secretFor, now, presigned: presignedAllowed });
  const at = (ms: number) => new Date(signingDate.getTime() + ms);
  const refusedWith = (failure: string, s3Code: string | undefined, message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof AuthError, String(error));
    assert.equal(error.failure, failure);
    assert.equal(error.s3?.code, s3Code);
    assert.match(error.message, message);
    return true;
  };

  test('valid from X-Amz-Date (15 minutes of skew) to X-Amz-Date + X-Amz-Expires, inclusive', async () => {
    const request = await presigned(3600);
    assert.deepEqual(await verify(request, at(0)), { accessKeyId: credentials.accessKeyId, region: 'us-east-1', payloadHash: 'UNSIGNED-PAYLOAD' });
    await verify(request, at(3600_000));
    await verify(request, at(-15 * 60_000));
    await assert.rejects(verify(request, at(3601_000)), refusedWith('SignatureExpired', 'AccessDenied', /^Request has expired$/));
    await assert.rejects(verify(request, at(-15 * 60_000 - 1000)), refusedWith('SignatureExpired', 'AccessDenied', /not valid yet/));
    // A route that does not take presigned URLs (Lookout for Vision, KMS) refuses even a good one.
    await assert.rejects(verify(request, at(0), false), refusedWith('MissingAuthentication', undefined, /only by the S3 API/));
  });

  test('the signature covers the other query parameters, repeated ones and odd names included; __proto__ is refused', async () => {
    // The SDKs' signer leaves a "__proto__" parameter's value out of the canonical query: never accepted.
    const proto = await presigned(60, { ['__proto__']: 'a' } as Record<string, string>);
    await assert.rejects(verify(proto, at(0)), refusedWith('SignatureMismatch', undefined, /__proto__/));
    const request = await presigned(60, { 'response-content-type': 'image/png', constructor: ['a', 'b'], 'x-id': 'GetObject' } as Record<string, string | string[]>);
    await verify(request, at(0));
    await assert.rejects(verify({ ...request, rawUrl: request.rawUrl.replace('image%2Fpng', 'text%2Fhtml') }, at(0)), refusedWith('SignatureMismatch', undefined, /does not match/));
    await assert.rejects(verify({ ...request, rawUrl: `${request.rawUrl}&extra=1` }, at(0)), refusedWith('SignatureMismatch', undefined, /does not match/));
    await assert.rejects(verify({ ...request, headers: { host: ['evil.example:8443'] } }, at(0)), refusedWith('SignatureMismatch', undefined, /does not match/));
  });
});
