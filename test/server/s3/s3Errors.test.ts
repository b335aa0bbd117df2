import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Crc32 } from '@aws-crypto/crc32';
import { signingKey } from '../../../src/server/auth/canonicalRequest.js';
import { chunkSignature } from '../../../src/server/s3/awsChunked.js';
import { bucketBlobFiles, errorCode, sendS3 } from '../../helpers/s3.js';
import type { RawResponse, SignedRequestOptions } from '../../helpers/signedRequest.js';
import { sendSigned } from '../../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

const BUCKET = 'errors';

function crc32Base64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(new Crc32().update(data).digest() >>> 0);
  return bytes.toString('base64');
}

/** An aws-chunked body of unsigned chunks and a trailer, as the JS SDK sends it. */
function unsignedChunked(data: Buffer, trailer: string): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from(`\r\n0\r\n${trailer}\r\n\r\n`)]);
}

describe('S3 API errors: status, code and the XML error document', () => {
  let vigil: TestVigil;
  type Options = Omit<SignedRequestOptions, 'credentials' | 'service'> & { credentials?: SignedRequestOptions['credentials'] };
  const send = (options: Options) => sendS3(vigil, options);
  const put = (key: string, body: string | Buffer, extra: Partial<Options> = {}) => send({ method: 'PUT', path: `/${BUCKET}/${key}`, body, ...extra });
  const get = (key: string, extra: Partial<Options> = {}) => send({ method: 'GET', path: `/${BUCKET}/${key}`, ...extra });

  function assertError(response: RawResponse, status: number, code: string): void {
    assert.equal(response.status, status, response.body);
    assert.equal(errorCode(response), code, response.body);
    assert.match(response.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>/);
    assert.match(response.body, /<Message>[^<]+<\/Message>/);
    assert.match(response.body, /<Resource>\/[^<]*<\/Resource>/);
    assert.match(response.body, new RegExp(`<RequestId>${response.headers['x-amz-request-id']}</RequestId>`));
  }

  /** The object is still exactly `expected`, and no blob was added. */
  async function assertUnchanged(key: string, expected: string, blobCount: number): Promise<void> {
    const response = await get(key);
    assert.equal(response.status, 200);
    assert.equal(response.body, expected);
    assert.equal((await bucketBlobFiles(vigil)).length, blobCount, 'a refused body leaves no blob behind');
  }

  before(async () => {
    vigil = await startTestVigil();
    assert.equal((await send({ method: 'PUT', path: `/${BUCKET}` })).status, 200);
    assert.equal((await put('kept', 'original content')).status, 200);
  });
  after(() => vigil.stop());

  test('NoSuchBucket, NoSuchKey, NoSuchVersion, BucketNotEmpty, BucketAlreadyOwnedByYou, InvalidBucketName', async () => {
    assertError(await send({ method: 'GET', path: '/missing-bucket/key' }), 404, 'NoSuchBucket');
    assertError(await send({ method: 'GET', path: '/missing-bucket', query: { 'list-type': '2' } }), 404, 'NoSuchBucket');
    assertError(await get('missing-key'), 404, 'NoSuchKey');
    assertError(await get('kept', { query: { versionId: 'abc' } }), 404, 'NoSuchVersion');
    assert.equal((await get('kept', { query: { versionId: 'null' } })).status, 200);
    assertError(await send({ method: 'DELETE', path: `/${BUCKET}` }), 409, 'BucketNotEmpty');
    // us-east-1 answers 200 for a bucket you own already (S3's legacy behaviour there), every other region 409.
    assertError(await send({ method: 'PUT', path: `/${BUCKET}`, region: 'eu-west-1' }), 409, 'BucketAlreadyOwnedByYou');
    assert.equal((await send({ method: 'PUT', path: `/${BUCKET}` })).status, 200);
    assert.equal((await get('kept')).status, 200);
    for (const name of ['ab', 'Upper', 'under_score', '192.168.1.1', 'a..b', '-start', '2020-11-20']) {
      assertError(await send({ method: 'PUT', path: `/${name}` }), 400, 'InvalidBucketName');
    }
    const head = await send({ method: 'HEAD', path: `/${BUCKET}/missing-key` });
    assert.equal(head.status, 404);
    assert.equal(head.body, '');
  });

  test('authentication: AccessDenied (anonymous), SignatureDoesNotMatch, InvalidAccessKeyId, MissingSecurityHeader, AuthorizationHeaderMalformed, RequestTimeTooSkewed', async () => {
    assertError(await get('kept', { tamper: (r) => delete r.headers.authorization }), 403, 'AccessDenied');
    assertError(await get('kept', { credentials: { ...vigil.rootAccessKey, secretAccessKey: 'x'.repeat(40) } }), 403, 'SignatureDoesNotMatch');
    assertError(await get('kept', { credentials: { accessKeyId: 'VKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) } }), 403, 'InvalidAccessKeyId');
    assertError(await get('kept', { contentSha256Header: false }), 400, 'MissingSecurityHeader');
    assertError(await get('kept', { tamper: (r) => (r.headers.authorization = 'AWS4-HMAC-SHA256 Credential=abc') }), 400, 'AuthorizationHeaderMalformed');
    assertError(await get('kept', { signingDate: new Date(Date.now() - 20 * 60_000) }), 403, 'RequestTimeTooSkewed');
    assertError(await get('kept', { tamper: (r) => (r.path = `/${BUCKET}/other`) }), 403, 'SignatureDoesNotMatch');
    // A request signed for another service is not an S3 request.
    assertError(await sendSigned(vigil.endpoint, vigil.tls.cert, { method: 'GET', path: `/${BUCKET}/kept`, credentials: vigil.rootAccessKey, service: 'lookoutvision' }), 403, 'SignatureDoesNotMatch');
    // An incomplete presigned URL (test/server/s3/presignedUrls.test.ts has the rest).
    const presigned = await get('kept', {
      tamper: (r) => {
        delete r.headers.authorization;
        r.query = 'X-Amz-Signature=00&X-Amz-Credential=x';
      },
    });
    assertError(presigned, 400, 'AuthorizationQueryParametersError');
  });

  test('integrity: a wrong payload hash, Content-MD5 or checksum (header or trailer) stores nothing and keeps the previous object', async () => {
    const blobs = (await bucketBlobFiles(vigil)).length;
    const replacement = Buffer.from('replacement content');

    const tamperedBody = await put('kept', replacement, { tamper: (r) => (r.body = Buffer.from('REPLACEMENT CONTENT')) });
    assertError(tamperedBody, 400, 'XAmzContentSHA256Mismatch');
    await assertUnchanged('kept', 'original content', blobs);

    const wrongMd5 = createHash('md5').update('something else').digest('base64');
    assertError(await put('kept', replacement, { headers: { 'content-md5': wrongMd5 } }), 400, 'BadDigest');
    await assertUnchanged('kept', 'original content', blobs);
    assertError(await put('kept', replacement, { headers: { 'content-md5': 'not-an-md5' } }), 400, 'InvalidDigest');
    const rightMd5 = createHash('md5').update(replacement).digest('base64');

    assertError(await put('kept', replacement, { headers: { 'x-amz-checksum-crc32': crc32Base64(Buffer.from('other')) } }), 400, 'BadDigest');
    await assertUnchanged('kept', 'original content', blobs);
    assertError(await put('kept', replacement, { headers: { 'x-amz-checksum-sha256': createHash('sha256').update('other').digest('base64') } }), 400, 'BadDigest');
    await assertUnchanged('kept', 'original content', blobs);

    const chunkedHeaders = {
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(replacement.length),
      'x-amz-trailer': 'x-amz-checksum-crc32',
    };
    const badTrailer = unsignedChunked(replacement, `x-amz-checksum-crc32:${crc32Base64(Buffer.from('other'))}`);
    assertError(await put('kept', badTrailer, { headers: chunkedHeaders }), 400, 'BadDigest');
    await assertUnchanged('kept', 'original content', blobs);
    const wrongLength = { ...chunkedHeaders, 'x-amz-decoded-content-length': String(replacement.length + 1) };
    assertError(await put('kept', unsignedChunked(replacement, `x-amz-checksum-crc32:${crc32Base64(replacement)}`), { headers: wrongLength }), 400, 'IncompleteBody');
    await assertUnchanged('kept', 'original content', blobs);

    // All right: a correct trailer and a correct Content-MD5 are accepted and the object replaced (old blob gone).
    const ok = await put('kept', unsignedChunked(replacement, `x-amz-checksum-crc32:${crc32Base64(replacement)}`), { headers: { ...chunkedHeaders, 'content-md5': rightMd5 } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers['x-amz-checksum-crc32'], crc32Base64(replacement));
    await assertUnchanged('kept', replacement.toString(), blobs);
    assert.equal((await put('kept', 'original content')).status, 200);
  });

  test('signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD): verified chunk by chunk; a changed chunk stores nothing', async () => {
    const data = Buffer.alloc(100_000, 'v');
    const chunks = [data.subarray(0, 65536), data.subarray(65536)];
    const signedChunked = (change: boolean) => (r: { headers: Record<string, string>; body: Buffer }) => {
      const seed = /Signature=([0-9a-f]{64})$/.exec(r.headers.authorization)![1];
      const amzDate = r.headers['x-amz-date'];
      const signing = { amzDate, scope: `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`, signingKey: signingKey(vigil.rootAccessKey.secretAccessKey, amzDate.slice(0, 8), 'us-east-1', 's3') };
      const parts: Buffer[] = [];
      let previous = seed;
      for (const chunk of [...chunks, Buffer.alloc(0)]) {
        previous = chunkSignature(signing, previous, chunk);
        const sent = change && chunk.length === 34464 ? Buffer.alloc(chunk.length, 'w') : chunk;
        parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`), sent, Buffer.from('\r\n'));
      }
      r.body = Buffer.concat(parts);
    };
    const headers = { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(data.length) };
    // The signed Content-Length is the encoded size: the placeholder has it, the tamper hook puts the frames in.
    const placeholder = Buffer.alloc([...chunks, Buffer.alloc(0)].reduce((n, c) => n + c.length.toString(16).length + 17 + 64 + 2 + c.length + 2, 0));
    const blobs = (await bucketBlobFiles(vigil)).length;
    assertError(await put('signed-chunks', placeholder, { headers, tamper: signedChunked(true) }), 403, 'SignatureDoesNotMatch');
    assertError(await get('signed-chunks'), 404, 'NoSuchKey');
    assert.equal((await bucketBlobFiles(vigil)).length, blobs);
    const ok = await put('signed-chunks', placeholder, { headers, tamper: signedChunked(false) });
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await get('signed-chunks')).body, data.toString());
  });

  test('ranges, multipart and XML: InvalidRange, NoSuchUpload, InvalidPart, InvalidPartOrder, EntityTooSmall, MalformedXML', async () => {
    const range = await get('kept', { headers: { range: 'bytes=1000-' } });
    assertError(range, 416, 'InvalidRange');
    assert.equal(range.headers['content-range'], 'bytes */16');

    const created = await send({ method: 'POST', path: `/${BUCKET}/mp`, query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1];
    const eTags: string[] = [];
    for (const partNumber of ['1', '2']) {
      const part = await send({ method: 'PUT', path: `/${BUCKET}/mp`, query: { partNumber, uploadId }, body: `small part ${partNumber}` });
      assert.equal(part.status, 200, part.body);
      eTags.push(String(part.headers.etag));
    }
    const complete = (parts: [number, string][], body?: string) =>
      send({
        method: 'POST',
        path: `/${BUCKET}/mp`,
        query: { uploadId },
        body: body ?? `<CompleteMultipartUpload>${parts.map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`,
      });
    assertError(
      await complete([
        [1, eTags[0]],
        [2, '"00000000000000000000000000000000"'],
      ]),
      400,
      'InvalidPart',
    );
    assertError(
      await complete([
        [1, eTags[0]],
        [3, eTags[1]],
      ]),
      400,
      'InvalidPart',
    );
    assertError(
      await complete([
        [2, eTags[1]],
        [1, eTags[0]],
      ]),
      400,
      'InvalidPartOrder',
    );
    const crcPart = await send({
      method: 'PUT',
      path: `/${BUCKET}/mp`,
      query: { partNumber: '3', uploadId },
      body: 'crc part',
      headers: { 'x-amz-checksum-crc32': crc32Base64(Buffer.from('crc part')) },
    });
    assert.equal(crcPart.status, 200, crcPart.body);
    const wrongCrc = `<CompleteMultipartUpload><Part><PartNumber>3</PartNumber><ETag>${crcPart.headers.etag}</ETag><ChecksumCRC32>${crc32Base64(Buffer.from('x'))}</ChecksumCRC32></Part></CompleteMultipartUpload>`;
    assertError(await complete([], wrongCrc), 400, 'InvalidPart');
    assertError(
      await complete([
        [1, eTags[0]],
        [2, eTags[1]],
      ]),
      400,
      'EntityTooSmall',
    );
    assertError(await complete([], '<CompleteMultipartUpload><Part>'), 400, 'MalformedXML');
    assertError(await complete([], 'not xml at all'), 400, 'MalformedXML');
    assertError(await send({ method: 'POST', path: `/${BUCKET}`, query: { delete: '' }, body: '<Delete></Oops>' }), 400, 'MalformedXML');
    // A single small part is a valid (last) part.
    const completed = await complete([[2, eTags[1]]]);
    assert.equal(completed.status, 200);
    // The same Complete again is answered again (as S3 does); another list of parts finds no upload.
    const repeated = await complete([[2, eTags[1]]]);
    assert.equal(repeated.status, 200);
    assert.equal(/<ETag>([^<]+)<\/ETag>/.exec(repeated.body)?.[1], /<ETag>([^<]+)<\/ETag>/.exec(completed.body)?.[1]);
    assertError(await complete([[1, eTags[0]]]), 404, 'NoSuchUpload');
    assertError(await send({ method: 'PUT', path: `/${BUCKET}/mp`, query: { partNumber: '1', uploadId: 'no-such-upload' }, body: 'x' }), 404, 'NoSuchUpload');
    assertError(await send({ method: 'DELETE', path: `/${BUCKET}/mp`, query: { uploadId: 'no-such-upload' } }), 404, 'NoSuchUpload');
    assert.equal((await get('mp')).body, 'small part 2');
  });

  test('declared parameters: each operation refuses a bad query parameter or header with InvalidArgument and S3 wording, and changes nothing', async () => {
    const message = (response: RawResponse) => /<Message>([^<]*)<\/Message>/.exec(response.body)?.[1];
    const list = (query: Record<string, string>) => send({ method: 'GET', path: `/${BUCKET}`, query: { 'list-type': '2', ...query } });
    for (const maxKeys of ['-1', 'ten', '1.5', '99999999999']) {
      const response = await list({ 'max-keys': maxKeys });
      assertError(response, 400, 'InvalidArgument');
      assert.equal(message(response), 'Provided max-keys not an integer or within integer range');
    }
    assert.match((await list({ 'max-keys': '5000' })).body, /<MaxKeys>1000<\/MaxKeys>/, 'a larger max-keys is capped');
    assert.equal(message(await list({ 'encoding-type': 'base64' })), 'Invalid Encoding Method specified in Request');
    assertError(await send({ method: 'GET', path: `/${BUCKET}`, query: { 'max-keys': 'x' } }), 400, 'InvalidArgument');
    assertError(await send({ method: 'GET', path: '/', query: { 'max-buckets': '0' } }), 400, 'InvalidArgument');
    const created = await send({ method: 'POST', path: `/${BUCKET}/declared`, query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1];
    for (const partNumber of ['0', '10001', 'one']) {
      const response = await send({ method: 'PUT', path: `/${BUCKET}/declared`, query: { partNumber, uploadId }, body: 'part' });
      assertError(response, 400, 'InvalidArgument');
      assert.equal(message(response), 'Part number must be an integer between 1 and 10000, inclusive');
    }
    assertError(await send({ method: 'GET', path: `/${BUCKET}/declared`, query: { uploadId, 'max-parts': '-2' } }), 400, 'InvalidArgument');
    const parts = await send({ method: 'GET', path: `/${BUCKET}/declared`, query: { uploadId } });
    assert.doesNotMatch(parts.body, /<Part>/, 'no refused part was stored');
    const copy = await put('copy', '', { headers: { 'x-amz-copy-source': `/${BUCKET}/kept`, 'x-amz-metadata-directive': 'MERGE' } });
    assertError(copy, 400, 'InvalidArgument');
    assert.equal(message(copy), 'Unknown metadata directive.');
    assertError(await get('copy'), 404, 'NoSuchKey');
    assert.equal((await send({ method: 'DELETE', path: `/${BUCKET}/declared`, query: { uploadId } })).status, 204);
  });

  test('declared request documents: a document outside its schema is MalformedXML (NotImplemented for aws:kms:dsse) with S3 wording, and changes nothing', async () => {
    const message = (response: RawResponse) => /<Message>([^<]*)<\/Message>/.exec(response.body)?.[1];
    const encryption = (rules: string) =>
      send({ method: 'PUT', path: `/${BUCKET}`, query: { encryption: '' }, body: `<ServerSideEncryptionConfiguration>${rules}</ServerSideEncryptionConfiguration>` });
    const rule = (algorithm: string) => `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${algorithm}</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule>`;
    const before = (await send({ method: 'GET', path: `/${BUCKET}`, query: { encryption: '' } })).body;
    for (const [rules, text] of [
      ['', 'ServerSideEncryptionConfiguration must hold exactly one Rule.'],
      [rule('AES256') + rule('AES256'), 'ServerSideEncryptionConfiguration must hold exactly one Rule.'],
      ['<Rule/>', 'SSEAlgorithm must be AES256 or aws:kms.'],
      ['<Rule><ApplyServerSideEncryptionByDefault/></Rule>', 'SSEAlgorithm must be AES256 or aws:kms.'],
      [rule('DES'), 'SSEAlgorithm must be AES256 or aws:kms.'],
    ]) {
      const response = await encryption(rules);
      assertError(response, 400, 'MalformedXML');
      assert.equal(message(response), text, rules);
    }
    assertError(await encryption(rule('aws:kms:dsse')), 501, 'NotImplemented');
    assert.equal((await send({ method: 'GET', path: `/${BUCKET}`, query: { encryption: '' } })).body, before, 'a refused configuration changes nothing');
    assert.equal((await encryption(rule(' AES256 '))).status, 200, 'the algorithm is read trimmed, as before');

    // Documents read as before: flags in any case and spacing, an empty grant list, any bucket location.
    const flags = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].map((flag) => `<${flag}> TRUE </${flag}>`).join('');
    assert.equal((await send({ method: 'PUT', path: `/${BUCKET}`, query: { publicAccessBlock: '' }, body: `<PublicAccessBlockConfiguration>${flags}</PublicAccessBlockConfiguration>` })).status, 200);
    assert.equal((await send({ method: 'PUT', path: `/${BUCKET}`, query: { acl: '' }, body: '<AccessControlPolicy><AccessControlList/></AccessControlPolicy>' })).status, 200);
    const location = '<CreateBucketConfiguration><LocationConstraint>eu-west-3</LocationConstraint></CreateBucketConfiguration>';
    assert.equal((await send({ method: 'PUT', path: '/declared-location', body: location })).status, 200);
    assertError(await send({ method: 'PUT', path: '/declared-other', body: '<Other/>' }), 400, 'MalformedXML');
    assert.equal((await send({ method: 'HEAD', path: '/declared-other' })).status, 404, 'a refused configuration creates no bucket');
    assert.equal((await send({ method: 'DELETE', path: '/declared-location' })).status, 204);

    const deleteObjects = (objects: string) => send({ method: 'POST', path: `/${BUCKET}`, query: { delete: '' }, body: `<Delete>${objects}</Delete>` });
    for (const [objects, text] of [
      ['', 'The XML you provided was not well-formed or did not validate: Delete holds 1 to 1000 Object elements.'],
      ['<Object><Key>k</Key></Object>'.repeat(1001), 'The XML you provided was not well-formed or did not validate: Delete holds 1 to 1000 Object elements.'],
      ['<Object><Key>kept</Key></Object><Object><VersionId>v</VersionId></Object>', 'Every Object of Delete needs a Key.'],
    ]) {
      const response = await deleteObjects(objects);
      assertError(response, 400, 'MalformedXML');
      assert.equal(message(response), text);
    }
    assert.equal((await get('kept')).status, 200, 'a refused DeleteObjects deletes nothing');

    const created = await send({ method: 'POST', path: `/${BUCKET}/document`, query: { uploads: '' } });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1];
    for (const part of ['<PartNumber>1</PartNumber>', '<PartNumber>one</PartNumber><ETag>"e"</ETag>', '<PartNumber>123456</PartNumber><ETag>"e"</ETag>', '<PartNumber>1</PartNumber><ETag> </ETag>']) {
      const response = await send({ method: 'POST', path: `/${BUCKET}/document`, query: { uploadId }, body: `<CompleteMultipartUpload><Part>${part}</Part></CompleteMultipartUpload>` });
      assertError(response, 400, 'MalformedXML');
      assert.equal(message(response), 'Every Part needs a PartNumber and an ETag.');
    }
    assert.equal((await send({ method: 'GET', path: `/${BUCKET}/document`, query: { uploadId } })).status, 200, 'the upload is still open');
    assert.equal((await send({ method: 'DELETE', path: `/${BUCKET}/document`, query: { uploadId } })).status, 204);
  });

  test('conditional reads: 304 Not Modified and 412 PreconditionFailed; a conditional write that does not hold changes nothing', async () => {
    const head = await send({ method: 'HEAD', path: `/${BUCKET}/kept` });
    const eTag = String(head.headers.etag);
    const lastModified = String(head.headers['last-modified']);
    assert.equal((await get('kept', { headers: { 'if-none-match': eTag } })).status, 304);
    assert.equal((await get('kept', { headers: { 'if-modified-since': lastModified } })).status, 304);
    assert.equal((await get('kept', { headers: { 'if-match': eTag } })).status, 200);
    assert.equal((await get('kept', { headers: { 'if-none-match': '"other"' } })).status, 200);
    assertError(await get('kept', { headers: { 'if-match': '"other"' } }), 412, 'PreconditionFailed');
    assertError(await get('kept', { headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } }), 412, 'PreconditionFailed');
    assert.equal((await send({ method: 'HEAD', path: `/${BUCKET}/kept`, headers: { 'if-match': '"other"' } })).status, 412);
    assertError(await put('kept', 'x', { headers: { 'if-none-match': '*' } }), 412, 'PreconditionFailed');
    assertError(await put('kept', 'x', { headers: { 'if-match': '"other"' } }), 412, 'PreconditionFailed');
    assertError(await put('kept', 'x', { headers: { 'if-none-match': eTag } }), 400, 'InvalidArgument');
    assert.equal((await get('kept')).body, 'original content');
  });

  test('NotImplemented (501) for unsupported operations and features', async () => {
    assertError(await send({ method: 'GET', path: `/${BUCKET}`, query: { tagging: '' } }), 501, 'NotImplemented');
    assertError(
      await send({ method: 'PUT', path: `/${BUCKET}`, query: { versioning: '' }, body: '<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>' }),
      501,
      'NotImplemented',
    );
    assertError(await get('kept', { query: { torrent: '' } }), 501, 'NotImplemented');
    assertError(await put('x', 'x', { headers: { 'x-amz-object-lock-mode': 'GOVERNANCE' } }), 501, 'NotImplemented');
    assertError(await send({ method: 'PATCH', path: `/${BUCKET}/kept` }), 501, 'NotImplemented');
    assertError(await put('x', 'x', { headers: { 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=' } }), 400, 'BadDigest');
  });

  test('the Lookout for Vision paths and the KMS protocol are never S3 requests', async () => {
    const unknown = await sendSigned(vigil.endpoint, vigil.tls.cert, { method: 'DELETE', path: '/2020-11-20/no/such/operation', credentials: vigil.rootAccessKey });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers['x-amzn-errortype'], 'UnknownOperationException');
    const unsigned = await sendSigned(vigil.endpoint, vigil.tls.cert, { method: 'PUT', path: '/2020-11-20/anything', credentials: vigil.rootAccessKey, tamper: (r) => delete r.headers.authorization });
    assert.equal(unsigned.headers['x-amzn-errortype'], 'MissingAuthenticationTokenException', 'authenticated before being found unknown');
    const kms = await sendSigned(vigil.endpoint, vigil.tls.cert, {
      method: 'POST',
      path: '/',
      service: 'kms',
      credentials: vigil.rootAccessKey,
      headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    // The KMS API answers it, not S3.
    assert.equal(kms.status, 200, kms.body);
    assert.deepEqual(kms.json(), { Keys: [], Truncated: false });
  });
});
