import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateBucketCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketPolicyStatusCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { errorCode, s3Client } from '../../helpers/s3.js';
import { sendRaw } from '../../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../../helpers/vigil.js';

async function denied(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: { name: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(error.name, 'AccessDenied');
    assert.equal(error.$metadata?.httpStatusCode, 403);
    return true;
  });
}

describe('S3 public access can never be granted', () => {
  let vigil: TestVigil;
  let s3: S3Client;
  const BUCKET = 'private-only';
  const ALL_BLOCKED = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

  before(async () => {
    vigil = await startTestVigil();
    s3 = s3Client(vigil);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ACL: 'private' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'secret.txt', Body: 'top secret content 42', ACL: 'private' }));
  });
  after(() => vigil.stop());

  test('the public access block reports all four flags on and cannot be turned off or deleted', async () => {
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    assert.deepEqual(block.PublicAccessBlockConfiguration, ALL_BLOCKED);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: ALL_BLOCKED }));
    for (const flag of Object.keys(ALL_BLOCKED)) {
      await denied(s3.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { ...ALL_BLOCKED, [flag]: false } })));
    }
    await denied(s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET })));
    assert.equal((await s3.send(new GetBucketPolicyStatusCommand({ Bucket: BUCKET }))).PolicyStatus?.IsPublic, false);
  });

  test('public canned ACLs and grants to everyone are refused on buckets and objects, and change nothing', async () => {
    for (const acl of ['public-read', 'public-read-write', 'authenticated-read'] as const) {
      await denied(s3.send(new CreateBucketCommand({ Bucket: `public-${acl}`, ACL: acl })));
      await assert.rejects(s3.send(new HeadBucketCommand({ Bucket: `public-${acl}` })), { name: 'NotFound' });
      await denied(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `public-${acl}.txt`, Body: 'x', ACL: acl })));
      await assert.rejects(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `public-${acl}.txt` })), { name: 'NoSuchKey' });
      await denied(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, ACL: acl })));
      await denied(s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'secret.txt', ACL: acl })));
    }
    for (const uri of ['http://acs.amazonaws.com/groups/global/AllUsers', 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers']) {
      await denied(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'granted.txt', Body: 'x', GrantRead: `uri="${uri}"` })));
      await denied(s3.send(new PutBucketAclCommand({ Bucket: BUCKET, GrantRead: `uri="${uri}"` })));
      const owner = (await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }))).Owner!;
      await denied(
        s3.send(
          new PutBucketAclCommand({
            Bucket: BUCKET,
            AccessControlPolicy: { Owner: owner, Grants: [{ Grantee: { Type: 'Group', URI: uri }, Permission: 'READ' }] },
          }),
        ),
      );
    }
    await s3.send(new PutBucketAclCommand({ Bucket: BUCKET, ACL: 'private' }));
    await s3.send(new PutObjectAclCommand({ Bucket: BUCKET, Key: 'secret.txt', ACL: 'private' }));
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: BUCKET }));
    assert.deepEqual(
      acl.Grants?.map((g) => [g.Grantee?.Type, g.Permission]),
      [['CanonicalUser', 'FULL_CONTROL']],
    );
  });

  test('bucket policies with a "*" principal are refused', async () => {
    const policy = (principal: unknown) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] });
    for (const principal of ['*', { AWS: '*' }, { AWS: ['arn:aws:iam::123456789012:root', '*'] }]) {
      await denied(s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy(principal) })));
    }
  });

  test('anonymous (unsigned) requests are refused with 403 AccessDenied', async () => {
    for (const [method, path] of [
      ['GET', `/${BUCKET}/secret.txt`],
      ['GET', `/${BUCKET}`],
      ['GET', '/'],
      ['PUT', `/${BUCKET}/anonymous.txt`],
      ['PUT', '/anonymous-bucket'],
    ]) {
      const response = await sendRaw(vigil.endpoint, vigil.tls.cert, { method, path, headers: { host: new URL(vigil.endpoint).host }, body: method === 'PUT' ? Buffer.from('x') : undefined });
      assert.equal(response.status, 403, `${method} ${path}`);
      assert.equal(errorCode(response), 'AccessDenied');
      assert.doesNotMatch(response.body, /content 42/);
    }
  });
});
