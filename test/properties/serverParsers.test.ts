import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { errorCode, s3Client, sendS3 } from '../helpers/s3.js';
import { sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/**
 * The parsers through the real HTTPS server: whatever a signed client sends, the answer is the
 * documented 4xx or a success, never a 500, and nothing stored changes on a refusal.
 */
let vigil: TestVigil;
let s3: S3Client;
const KEPT = Buffer.from('kept object: never deleted or changed by a refused request');
before(async () => {
  vigil = await startTestVigil();
  s3 = s3Client(vigil);
  await s3.send(new CreateBucketCommand({ Bucket: 'fuzz' }));
  await s3.send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'kept', Body: KEPT }));
});
after(async () => {
  s3?.destroy();
  await vigil?.stop();
});

async function keptIsIntact(): Promise<void> {
  const object = await s3.send(new GetObjectCommand({ Bucket: 'fuzz', Key: 'kept' }));
  assert.ok(Buffer.from(await object.Body!.transformToByteArray()).equals(KEPT), 'the stored object is unchanged');
}

test('DeleteObjects whose XML the parser refuses (element "constructor", "__proto__", 100 000 nested elements) is 400 MalformedXML, not 500', async () => {
  for (const body of [
    '<Delete><Object><Key>kept</Key></Object><constructor/></Delete>',
    '<Delete><Object><Key>kept</Key><__proto__>x</__proto__></Object></Delete>',
    `<Delete><Object><Key>kept</Key></Object>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</Delete>`,
  ]) {
    const response = await sendS3(vigil, { method: 'POST', path: '/fuzz', query: { delete: '' }, body, headers: { 'content-type': 'application/xml' } });
    assert.equal(response.status, 400, response.body.slice(0, 300));
    assert.equal(errorCode(response), 'MalformedXML');
  }
  await keptIsIntact();
});

test('any DeleteObjects or CompleteMultipartUpload body is answered 200 or a documented 4xx, never 5xx', async () => {
  const fragment = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '<Delete>',
      '</Delete>',
      '<Object>',
      '</Object>',
      '<Key>',
      '</Key>',
      '<Key>kept</Key>',
      '<Quiet>true</Quiet>',
      '<CompleteMultipartUpload>',
      '<Part>',
      '<PartNumber>1</PartNumber>',
      '<ETag>"x"</ETag>',
      '</Part>',
      '<constructor/>',
      '<!DOCTYPE a [<!ENTITY e "x">]>',
      '&e;',
    ),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fragment, { maxLength: 16 }), fc.boolean(), async (parts, complete) => {
      const response = complete
        ? await sendS3(vigil, { method: 'POST', path: '/fuzz/upload', query: { uploadId: 'no-such-upload' }, body: parts.join('') })
        : await sendS3(vigil, { method: 'POST', path: '/fuzz', query: { delete: '' }, body: parts.join('').replaceAll('kept', 'other') });
      assert.ok(response.status < 500, `${response.status}: ${response.body.slice(0, 300)}`);
      if (response.status >= 400) assert.match(errorCode(response) ?? '', /^[A-Za-z]+$/, 'an S3 error document');
    }),
    { numRuns: 60 },
  );
  await keptIsIntact();
});

test('any Range header on GetObject is answered 200, 206 or 416 InvalidRange', async () => {
  const header = fc.oneof(
    fc.stringMatching(/^[ -~]{0,30}$/),
    fc.tuple(fc.option(fc.nat({ max: 200 })), fc.option(fc.nat({ max: 200 }))).map(([a, b]) => `bytes=${a ?? ''}-${b ?? ''}`),
  );
  await fc.assert(
    fc.asyncProperty(header, async (range) => {
      const response = await sendS3(vigil, { method: 'GET', path: '/fuzz/kept', headers: { range } });
      assert.ok([200, 206, 416].includes(response.status), `${JSON.stringify(range)}: ${response.status} ${response.body.slice(0, 200)}`);
      if (response.status === 416) assert.equal(errorCode(response), 'InvalidRange');
      if (response.status === 206) assert.ok(KEPT.toString('latin1').includes(response.body), 'a 206 is a slice of the object');
    }),
    { numRuns: 60 },
  );
});

test('any NextToken is answered 200 or 400 ValidationException on the Lookout for Vision and S3 listings', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 60 }), fc.constant(Buffer.from('{"l":"projects","p":1}').toString('base64'))), async (token) => {
      const response = await sendSigned(vigil.endpoint, vigil.tls.cert, { method: 'GET', path: '/2020-11-20/projects', query: { nextToken: token }, credentials: vigil.rootAccessKey });
      assert.ok(
        response.status === 200 || (response.status === 400 && response.headers['x-amzn-errortype'] === 'ValidationException'),
        `${JSON.stringify(token)}: ${response.status} ${response.body}`,
      );
      const listing = await sendS3(vigil, { method: 'GET', path: '/fuzz', query: { 'list-type': '2', 'continuation-token': token } });
      assert.ok(listing.status === 200 || listing.status === 400, `${JSON.stringify(token)}: ${listing.status} ${listing.body.slice(0, 200)}`);
    }),
    { numRuns: 60 },
  );
});
