import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { copySourceOf } from '../../../src/server/s3/copyObject.js';
import { chooseRoute } from '../../../src/server/s3/dispatch.js';
import { parseRange } from '../../../src/server/s3/getObject.js';
import { parseQuery, s3Address } from '../../../src/server/s3/routing.js';

describe('S3 request addressing', () => {
  const domains = ['localhost'];

  test('path style: bucket and percent-decoded key; "+" stays a plus', () => {
    assert.deepEqual(s3Address('127.0.0.1:8443', '/', domains), { bucket: undefined, key: undefined });
    assert.deepEqual(s3Address('127.0.0.1:8443', '/bkt', domains), { bucket: 'bkt', key: undefined });
    assert.deepEqual(s3Address('127.0.0.1:8443', '/bkt/', domains), { bucket: 'bkt', key: undefined });
    assert.deepEqual(s3Address('localhost:8443', '/bkt/a%20b/c+d%2Be?x-id=GetObject', domains), { bucket: 'bkt', key: 'a b/c+d+e' });
    assert.deepEqual(s3Address('[::1]:8443', '/bkt//leading-slash', domains), { bucket: 'bkt', key: '/leading-slash' });
  });

  test('virtual-host style: <bucket>.localhost, dotted bucket names, the whole path is the key', () => {
    assert.deepEqual(s3Address('photos.localhost:8443', '/2024/a.jpg', domains), { bucket: 'photos', key: '2024/a.jpg' });
    assert.deepEqual(s3Address('my.photos.LOCALHOST', '/', domains), { bucket: 'my.photos', key: undefined });
    assert.deepEqual(s3Address('photos.example.com', '/bkt/k', domains), { bucket: 'bkt', key: 'k' });
  });

  test('query parameters: subresources without values, percent-decoding, first value wins', () => {
    const query = parseQuery('/b?uploads&prefix=a%2Fb+c&max-keys=5&max-keys=6');
    assert.equal(query.get('uploads'), '');
    assert.equal(query.get('prefix'), 'a/b c');
    assert.equal(query.get('max-keys'), '5');
  });

  test('operations are chosen by method, bucket/key and subresource', () => {
    const route = (method: string, bucket: string | undefined, key: string | undefined, query = '', copy = false) => chooseRoute(method, bucket, key, parseQuery(`/?${query}`), copy).name;
    assert.equal(route('GET', undefined, undefined), 'ListBuckets');
    assert.equal(route('GET', 'b', undefined, 'list-type=2&x-id=ListObjectsV2'), 'ListObjectsV2');
    assert.equal(route('GET', 'b', undefined), 'ListObjects');
    assert.equal(route('PUT', 'b', undefined), 'CreateBucket');
    assert.equal(route('POST', 'b', undefined, 'delete'), 'DeleteObjects');
    assert.equal(route('PUT', 'b', 'k', 'x-id=PutObject'), 'PutObject');
    assert.equal(route('PUT', 'b', 'k', '', true), 'CopyObject');
    assert.equal(route('PUT', 'b', 'k', 'partNumber=1&uploadId=u'), 'UploadPart');
    assert.equal(route('POST', 'b', 'k', 'uploads'), 'CreateMultipartUpload');
    assert.equal(route('POST', 'b', 'k', 'uploadId=u'), 'CompleteMultipartUpload');
    assert.equal(route('DELETE', 'b', 'k', 'uploadId=u'), 'AbortMultipartUpload');
    assert.equal(route('GET', 'b', 'k', 'uploadId=u'), 'ListParts');
    assert.equal(route('GET', 'b', undefined, 'tagging'), 'GET bucket?tagging');
    assert.equal(route('GET', 'b', 'k', 'tagging'), 'GetObjectTagging');
    assert.equal(route('PUT', 'b', 'k', 'tagging'), 'PutObjectTagging');
    assert.equal(route('DELETE', 'b', 'k', 'tagging'), 'DeleteObjectTagging');
    assert.equal(route('GET', 'b', 'k', 'attributes'), 'GetObjectAttributes');
    assert.equal(route('PUT', 'b', undefined, 'versioning'), 'PutBucketVersioning');
    assert.equal(route('POST', undefined, undefined), 'POST /');
  });

  test('Range: one range honoured, anything else ignored', () => {
    assert.deepEqual(parseRange('bytes=0-9'), { first: 0, last: 9 });
    assert.deepEqual(parseRange('bytes=5-'), { first: 5 });
    assert.deepEqual(parseRange('bytes=-3'), { suffixLength: 3 });
    for (const ignored of [undefined, 'bytes=9-0', 'bytes=0-1,3-4', 'items=0-1', 'bytes=-', 'bytes=a-b']) assert.equal(parseRange(ignored), undefined);
  });

  test('x-amz-copy-source: with or without a leading slash, percent-encoded, with a versionId', () => {
    assert.deepEqual(copySourceOf('bkt/a%20b/c.jpg'), { bucket: 'bkt', key: 'a b/c.jpg', versionId: undefined });
    assert.deepEqual(copySourceOf('/bkt/k?versionId=null'), { bucket: 'bkt', key: 'k', versionId: 'null' });
    for (const invalid of ['bkt', 'bkt/', '/k', '%zz/k']) assert.throws(() => copySourceOf(invalid), { code: 'InvalidArgument' });
  });
});
