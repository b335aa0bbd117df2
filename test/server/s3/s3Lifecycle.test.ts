import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketLifecycleCommand,
  DeleteObjectCommand,
  GetBucketLifecycleConfigurationCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type LifecycleRule,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { LifecycleSweeper } from '../../../src/service/lifecycleSweeper.js';
import { rejects } from '../../helpers/rejects.js';
import { awsCli, awsCliSkip, bucketBlobFiles, errorCode, s3Client, sendS3 } from '../../helpers/s3.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

/** Waits until check() holds, trying every 100 ms for at most 10 s. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await check()); ) {
    if (Date.now() - started > 10_000) assert.fail(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Bucket lifecycle rules through the real @aws-sdk/client-s3 and the AWS CLI: the configuration round trip, every
 * refused document (S3's code, nothing changed), and the rules applied by the server's own sweeper, with a lifecycle
 * "day" of one second (VIGIL_LIFECYCLE_DAY_SECONDS) and a sweep every 200 ms: objects, versions, delete markers and
 * uploads go, and their blob files with them.
 */
describe('S3 lifecycle rules', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const rulesOf = async (bucket: string) => (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules;
  const putRules = (bucket: string, rules: LifecycleRule[]) => s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: rules } }));
  const keys = async (bucket: string) => ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key);
  const versionsOf = async (bucket: string) => {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    return [...(listed.Versions ?? []).map((v) => `${v.Key}:${v.IsLatest ? 'current' : 'old'}`), ...(listed.DeleteMarkers ?? []).map((m) => `${m.Key}:marker`)].sort();
  };

  before(async () => {
    vigil = await startTestVigil({ env: { VIGIL_LIFECYCLE_DAY_SECONDS: '1', VIGIL_LIFECYCLE_SWEEP_SECONDS: '0.2' } });
    s3 = s3Client(vigil);
  });
  after(() => vigil.stop());

  test('Put, Get and Delete round trip: every filter form and action answered back as given', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'rules' }));
    await rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'rules' })), 'NoSuchLifecycleConfiguration', 404);
    const rules: LifecycleRule[] = [
      { ID: 'legacy-prefix', Prefix: 'logs/', Status: 'Enabled', Expiration: { Days: 30 } },
      { ID: 'by-date', Filter: { Prefix: 'old/' }, Status: 'Disabled', Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
      { ID: 'by-tag', Filter: { Tag: { Key: 'tier', Value: 'scratch' } }, Status: 'Enabled', Expiration: { Days: 7 } },
      {
        ID: 'by-and',
        Filter: {
          And: {
            Prefix: 'img/',
            Tags: [
              { Key: 'a', Value: '1' },
              { Key: 'b', Value: '' },
            ],
            ObjectSizeGreaterThan: 10,
            ObjectSizeLessThan: 1000,
          },
        },
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 3, NewerNoncurrentVersions: 2 },
      },
      { ID: 'markers-and-uploads', Filter: {}, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } },
      { ID: 'size', Filter: { ObjectSizeGreaterThan: 5 }, Status: 'Enabled', Expiration: { Days: 1 } },
    ];
    await putRules('rules', rules);
    assert.deepEqual(await rulesOf('rules'), rules);

    // A rule without an ID gets one; a second Put replaces the whole configuration.
    await putRules('rules', [{ Filter: { Prefix: '' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } }]);
    const [generated] = (await rulesOf('rules'))!;
    assert.match(generated.ID!, /^[A-Za-z0-9_-]{48}$/);
    assert.deepEqual({ ...generated, ID: undefined }, { ID: undefined, Filter: { Prefix: '' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } });

    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'rules' }))).$metadata.httpStatusCode, 204);
    await rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'rules' })), 'NoSuchLifecycleConfiguration', 404);
    // Deleting what is not there succeeds, as on S3.
    assert.equal((await s3.send(new DeleteBucketLifecycleCommand({ Bucket: 'rules' }))).$metadata.httpStatusCode, 204);
    await rejects(putRules('no-such-bucket', rules), 'NoSuchBucket', 404);
    await rejects(s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: 'no-such-bucket' })), 'NoSuchBucket', 404);
  });

  test('x-amz-expiration tells PUT, GET and HEAD when a rule expires the object, and by which rule', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'expiry' }));
    await putRules('expiry', [
      { ID: 'later', Filter: { Prefix: 'hdr/' }, Status: 'Enabled', Expiration: { Date: new Date('2031-01-01T00:00:00Z') } },
      { ID: 'sooner', Filter: { And: { Prefix: 'hdr/', Tags: [{ Key: 'tier', Value: 'scratch' }] } }, Status: 'Enabled', Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
      { ID: 'off', Filter: { Prefix: 'other/' }, Status: 'Disabled', Expiration: { Date: new Date('2030-01-01T00:00:00Z') } },
    ]);
    const put = await s3.send(new PutObjectCommand({ Bucket: 'expiry', Key: 'hdr/x', Body: 'x', Tagging: 'tier=scratch' }));
    assert.equal(put.Expiration, 'expiry-date="Tue, 01 Jan 2030 00:00:00 GMT", rule-id="sooner"');
    await s3.send(new PutObjectCommand({ Bucket: 'expiry', Key: 'hdr/y', Body: 'y' }));
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: 'expiry', Key: 'hdr/y' }))).Expiration, 'expiry-date="Wed, 01 Jan 2031 00:00:00 GMT", rule-id="later"');
    const read = await s3.send(new GetObjectCommand({ Bucket: 'expiry', Key: 'hdr/x' }));
    assert.equal(read.Expiration, 'expiry-date="Tue, 01 Jan 2030 00:00:00 GMT", rule-id="sooner"');
    await read.Body!.transformToString();
    assert.equal((await s3.send(new PutObjectCommand({ Bucket: 'expiry', Key: 'other/z', Body: 'z' }))).Expiration, undefined);
  });

  test('every refused document answers S3 code and leaves the rules as they were', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'refusals' }));
    const kept: LifecycleRule[] = [{ ID: 'kept', Filter: { Prefix: 'k/' }, Status: 'Enabled', Expiration: { Days: 9 } }];
    await putRules('refusals', kept);
    const rule = (inner: string) => `<Rule>${inner}</Rule>`;
    const ok = '<Status>Enabled</Status><Filter><Prefix>p/</Prefix></Filter>';
    const cases: [string, string, number, string][] = [
      ['not XML', 'not xml', 400, 'MalformedXML'],
      ['no rule', '', 400, 'MalformedXML'],
      ['status in lower case', rule('<Status>enabled</Status><Prefix>p/</Prefix><Expiration><Days>1</Days></Expiration>'), 400, 'MalformedXML'],
      ['no status', rule('<Prefix>p/</Prefix><Expiration><Days>1</Days></Expiration>'), 400, 'MalformedXML'],
      ['Prefix and Filter', rule(`${ok}<Prefix>q/</Prefix><Expiration><Days>1</Days></Expiration>`), 400, 'MalformedXML'],
      ['neither Prefix nor Filter', rule('<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>'), 400, 'MalformedXML'],
      [
        'two conditions without And',
        rule('<Status>Enabled</Status><Filter><Prefix>p/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></Filter><Expiration><Days>1</Days></Expiration>'),
        400,
        'MalformedXML',
      ],
      ['Days 0', rule(`${ok}<Expiration><Days>0</Days></Expiration>`), 400, 'InvalidArgument'],
      ['Days not a number', rule(`${ok}<Expiration><Days>soon</Days></Expiration>`), 400, 'MalformedXML'],
      ['Days and Date', rule(`${ok}<Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>`), 400, 'MalformedXML'],
      ['Days and ExpiredObjectDeleteMarker', rule(`${ok}<Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`), 400, 'MalformedXML'],
      ['empty Expiration', rule(`${ok}<Expiration></Expiration>`), 400, 'MalformedXML'],
      ['Date not at midnight', rule(`${ok}<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>`), 400, 'InvalidArgument'],
      ['Date not ISO 8601', rule(`${ok}<Expiration><Date>20300101</Date></Expiration>`), 400, 'MalformedXML'],
      ['ID of 256 characters', rule(`<ID>${'a'.repeat(256)}</ID>${ok}<Expiration><Days>1</Days></Expiration>`), 400, 'InvalidArgument'],
      ['two rules with one ID', rule(`<ID>same</ID>${ok}<Expiration><Days>1</Days></Expiration>`).repeat(2), 400, 'InvalidArgument'],
      ['no action', rule(ok), 400, 'InvalidRequest'],
      [
        'AbortIncompleteMultipartUpload with a tag filter',
        rule(
          '<Status>Enabled</Status><Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>',
        ),
        400,
        'InvalidRequest',
      ],
      [
        'ExpiredObjectDeleteMarker with a tag filter',
        rule('<Status>Enabled</Status><Filter><Tag><Key>a</Key><Value>b</Value></Tag></Filter><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>'),
        400,
        'InvalidRequest',
      ],
      ['NoncurrentDays -1', rule(`${ok}<NoncurrentVersionExpiration><NoncurrentDays>-1</NoncurrentDays></NoncurrentVersionExpiration>`), 400, 'InvalidArgument'],
      [
        'NewerNoncurrentVersions 0',
        rule(`${ok}<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>`),
        400,
        'InvalidArgument',
      ],
      ['DaysAfterInitiation 0', rule(`${ok}<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>`), 400, 'InvalidArgument'],
      [
        'size range that holds nothing',
        rule(
          '<Status>Enabled</Status><Filter><And><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter><Expiration><Days>1</Days></Expiration>',
        ),
        400,
        'InvalidArgument',
      ],
      ['1001 rules', Array.from({ length: 1001 }, (_, i) => rule(`<ID>r${i}</ID>${ok}<Expiration><Days>1</Days></Expiration>`)).join(''), 400, 'InvalidRequest'],
      ['a transition', rule(`${ok}<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>`), 501, 'NotImplemented'],
      ['a transition on a bad date', rule(`${ok}<Transition><Date>20300101</Date><StorageClass>GLACIER</StorageClass></Transition>`), 400, 'MalformedXML'],
      [
        'a noncurrent version transition',
        rule(`${ok}<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>`),
        501,
        'NotImplemented',
      ],
    ];
    for (const [what, rules, status, code] of cases) {
      const body = what === 'not XML' ? rules : `<LifecycleConfiguration>${rules}</LifecycleConfiguration>`;
      const response = await sendS3(vigil, { method: 'PUT', path: '/refusals', query: { lifecycle: '' }, body });
      assert.equal(response.status, status, `${what}: ${response.body}`);
      assert.equal(errorCode(response), code, what);
      assert.deepEqual(await rulesOf('refusals'), kept, what);
    }
  });

  test('the AWS CLI sets and reads a configuration (aws s3api)', { skip: awsCliSkip }, async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'cli-rules' }));
    const configuration = { Rules: [{ ID: 'uploads', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] };
    await awsCli(vigil, ['s3api', 'put-bucket-lifecycle-configuration', '--bucket', 'cli-rules', '--lifecycle-configuration', JSON.stringify(configuration)]);
    const read = JSON.parse((await awsCli(vigil, ['s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'cli-rules'])).stdout);
    assert.deepEqual(read, configuration);
  });

  test('unversioned bucket: objects past their days or date are deleted with their blobs; others stay', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'plain' }));
    for (const key of ['logs/a', 'logs/b', 'keep/c', 'old/d', 'big/small', 'big/large', 'tagged/x', 'tagged/y']) {
      await s3.send(new PutObjectCommand({ Bucket: 'plain', Key: key, Body: key === 'big/large' ? 'x'.repeat(100) : 'data', Tagging: key === 'tagged/x' ? 'tier=scratch' : undefined }));
    }
    const blobs = (await bucketBlobFiles(vigil)).length;
    await putRules('plain', [
      { ID: 'logs', Prefix: 'logs/', Status: 'Enabled', Expiration: { Days: 1 } },
      { ID: 'keep', Filter: { Prefix: 'keep/' }, Status: 'Enabled', Expiration: { Days: 1000 } },
      { ID: 'disabled', Filter: { Prefix: 'keep/' }, Status: 'Disabled', Expiration: { Days: 1 } },
      { ID: 'old', Filter: { Prefix: 'old/' }, Status: 'Enabled', Expiration: { Date: new Date('2000-01-01T00:00:00Z') } },
      { ID: 'big', Filter: { And: { Prefix: 'big/', ObjectSizeGreaterThan: 50 } }, Status: 'Enabled', Expiration: { Days: 1 } },
      { ID: 'tagged', Filter: { Tag: { Key: 'tier', Value: 'scratch' } }, Status: 'Enabled', Expiration: { Days: 1 } },
    ]);
    await eventually('expired objects deleted', async () => (await keys('plain')).length === 3);
    assert.deepEqual(await keys('plain'), ['big/small', 'keep/c', 'tagged/y']);
    assert.deepEqual(await versionsOf('plain'), ['big/small:current', 'keep/c:current', 'tagged/y:current']);
    assert.equal((await bucketBlobFiles(vigil)).length, blobs - 5);
  });

  test('versioned bucket: current versions get a delete marker, noncurrent ones go past their days (the newest kept), then the expired marker', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'versioned' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    for (let i = 0; i < 4; i++) await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'history/k', Body: `v${i}` }));
    await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'expire/k', Body: 'current' }));
    await s3.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'deleted/k', Body: 'gone' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'deleted/k' }));
    const blobs = (await bucketBlobFiles(vigil)).length;
    await putRules('versioned', [
      { ID: 'history', Filter: { Prefix: 'history/' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } },
      { ID: 'expire', Filter: { Prefix: 'expire/' }, Status: 'Enabled', Expiration: { Days: 1 }, NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
      { ID: 'markers', Filter: {}, Status: 'Enabled', Expiration: { ExpiredObjectDeleteMarker: true } },
      { ID: 'deleted', Filter: { Prefix: 'deleted/' }, Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } },
    ]);
    // history/k keeps its current and newest noncurrent version; expire/k is hidden, then its version and its marker go; deleted/k likewise.
    await eventually('versions expired', async () => (await versionsOf('versioned')).join() === 'history/k:current,history/k:old');
    assert.deepEqual(await keys('versioned'), ['history/k']);
    assert.equal((await bucketBlobFiles(vigil)).length, blobs - 4);
  });

  test('stale multipart uploads are aborted and their part blobs deleted; uploads outside the rule stay', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    const stale = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'tmp/big' }));
    await s3.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'tmp/big', UploadId: stale.UploadId, PartNumber: 1, Body: 'part one' }));
    await s3.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'keep/big' }));
    const blobs = (await bucketBlobFiles(vigil)).length;
    await putRules('uploads', [{ ID: 'tmp', Filter: { Prefix: 'tmp/' }, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }]);
    const uploadKeys = async () => ((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' }))).Uploads ?? []).map((upload) => upload.Key);
    await eventually('stale upload aborted', async () => (await uploadKeys()).length === 1);
    assert.deepEqual(await uploadKeys(), ['keep/big']);
    assert.equal((await bucketBlobFiles(vigil)).length, blobs - 1);
  });

  test('two sweeps at once (as two nodes sharing a database) expire each object once: one delete marker, not two', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'racing' }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'racing', VersioningConfiguration: { Status: 'Enabled' } }));
    for (let i = 0; i < 20; i++) await s3.send(new PutObjectCommand({ Bucket: 'racing', Key: `k${i}`, Body: 'x' }));
    await vigil.lifecycle.idle();
    // Rules dated in the past are due at once; the server's own sweeper runs too.
    await putRules('racing', [{ ID: 'all', Filter: {}, Status: 'Enabled', Expiration: { Date: new Date('2000-01-01T00:00:00Z') } }]);
    const other = new LifecycleSweeper(vigil.store, vigil.services.buckets, vigil.services.multipartUploads, 1);
    const [a, b] = await Promise.all([vigil.lifecycle.sweep(), other.sweep()]);
    await vigil.lifecycle.idle();
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: 'racing' }));
    assert.equal(listed.Versions?.length, 20);
    assert.equal(listed.DeleteMarkers?.length, 20);
    assert.ok(a.expiredObjects + b.expiredObjects <= 20);
  });
});
