import assert from 'node:assert/strict';
import { Agent } from 'node:https';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { ListProjectsCommand, LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { rejects } from '../helpers/rejects.js';
import { sendRaw, sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

describe('STS GetSessionToken and session credentials', () => {
  let vigil: TestVigil;
  let handler: NodeHttpHandler;
  before(async () => {
    vigil = await startTestVigil();
    handler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: vigil.tls.cert }) });
  });
  after(() => vigil.stop());

  const sts = (credentials: Credentials) => new STSClient({ region: 'us-east-1', endpoint: vigil.endpoint, credentials, requestHandler: handler, maxAttempts: 1 });
  const lfv = (credentials: Credentials) => new LookoutVisionClient({ region: 'us-east-1', endpoint: vigil.endpoint, credentials, requestHandler: handler, maxAttempts: 1 });
  const sessionOf = async (durationSeconds?: number) => {
    const answer = await sts(vigil.rootAccessKey).send(new GetSessionTokenCommand({ DurationSeconds: durationSeconds }));
    const c = answer.Credentials!;
    return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken!, expiration: c.Expiration! };
  };

  test('the SDK exchanges an access key for session credentials that sign Lookout for Vision and S3 requests', async () => {
    const before = Date.now();
    const session = await sessionOf();
    assert.match(session.accessKeyId, /^VSIA[A-Z2-7]{16}$/);
    assert.notEqual(session.secretAccessKey, vigil.rootAccessKey.secretAccessKey);
    // 12 hours by default, as STS gives an IAM user's keys.
    const lifetime = session.expiration.getTime() - before;
    assert.ok(lifetime > 43_190_000 && lifetime <= 43_201_000, String(lifetime));
    assert.deepEqual((await lfv(session).send(new ListProjectsCommand({}))).Projects, []);
    const s3 = new S3Client({ region: 'us-east-1', endpoint: vigil.endpoint, credentials: session, requestHandler: handler, forcePathStyle: true, maxAttempts: 1 });
    assert.ok(Array.isArray((await s3.send(new ListBucketsCommand({}))).Buckets ?? []));
  });

  test('DurationSeconds is bounded as STS bounds it: 900 to 129600', async () => {
    const short = await sessionOf(900);
    const lifetime = short.expiration.getTime() - Date.now();
    assert.ok(lifetime > 890_000 && lifetime <= 900_000, String(lifetime));
    await rejects(sessionOf(899), 'ValidationError', /greater than or equal to 900/);
    await rejects(sessionOf(129_601), 'ValidationError', /less than or equal to 129600/);
    assert.ok(await sessionOf(129_600));
  });

  test('session credentials cannot ask for more, and the token must go with its own key', async () => {
    const session = await sessionOf(900);
    await rejects(sts(session).send(new GetSessionTokenCommand({})), 'AccessDenied', /session credentials/);
    // The session's key without its token, or with another session's token, is unknown.
    const other = await sessionOf(900);
    await rejects(lfv({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }).send(new ListProjectsCommand({})), 'UnrecognizedClientException');
    await rejects(lfv({ ...session, sessionToken: other.sessionToken }).send(new ListProjectsCommand({})), 'UnrecognizedClientException');
    // A long-term key with a token, or an altered token.
    await rejects(lfv({ ...vigil.rootAccessKey, sessionToken: session.sessionToken }).send(new ListProjectsCommand({})), 'UnrecognizedClientException');
    const altered = Buffer.from(session.sessionToken, 'base64');
    altered[altered.length - 1] ^= 1;
    await rejects(lfv({ ...session, sessionToken: altered.toString('base64') }).send(new ListProjectsCommand({})), 'UnrecognizedClientException');
    // The secret is the session's own, not the parent's.
    await rejects(lfv({ ...session, secretAccessKey: vigil.rootAccessKey.secretAccessKey }).send(new ListProjectsCommand({})), 'InvalidSignatureException');
  });

  test('a wrong secret or an unknown key gets no session', async () => {
    await rejects(sts({ accessKeyId: vigil.rootAccessKey.accessKeyId, secretAccessKey: 'wrong' }).send(new GetSessionTokenCommand({})), 'SignatureDoesNotMatch');
    await rejects(sts({ accessKeyId: 'VKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'wrong' }).send(new GetSessionTokenCommand({})), 'InvalidClientTokenId');
  });

  test('session credentials work until they expire and are refused after', async () => {
    const issuedAt = new Date(Date.now() - 900_000 + 2_000); // 15 minutes ago, less 2 seconds
    const s = vigil.services.sessionCredentials.issue(vigil.rootAccessKey.accessKeyId, 900, issuedAt);
    const session = { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken };
    assert.ok(await lfv(session).send(new ListProjectsCommand({})));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, s.expiration.getTime() - Date.now()) + 50));
    // An expired token is told apart from an unknown key, as AWS answers each protocol.
    await rejects(lfv(session).send(new ListProjectsCommand({})), 'ExpiredTokenException', 403);
    const kms = new KMSClient({ region: 'us-east-1', endpoint: vigil.endpoint, credentials: session, requestHandler: handler, maxAttempts: 1 });
    await rejects(kms.send(new ListKeysCommand({})), 'ExpiredTokenException', /expired/);
    const s3 = new S3Client({ region: 'us-east-1', endpoint: vigil.endpoint, credentials: session, requestHandler: handler, forcePathStyle: true, maxAttempts: 1 });
    await rejects(s3.send(new ListBucketsCommand({})), 'ExpiredToken', 400);
    const raw = await sendSigned(vigil.endpoint, vigil.tls.cert, {
      method: 'POST',
      path: '/',
      service: 'sts',
      credentials: session,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=GetSessionToken&Version=2011-06-15',
    });
    assert.equal(raw.status, 400);
    assert.match(raw.body, /<Code>ExpiredToken<\/Code>/);
  });

  test('URLs presigned with session credentials work until the session expires', async () => {
    await vigil.services.buckets.createBucket('session-objects');
    await vigil.services.buckets.putObject({ bucket: 'session-objects', key: 'part.txt', body: Readable.from([Buffer.from('a part')]) });
    const fetchPresigned = async (credentials: Credentials) => {
      const s3 = new S3Client({ region: 'us-east-1', endpoint: vigil.endpoint, credentials, requestHandler: handler, forcePathStyle: true });
      const url = new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'session-objects', Key: 'part.txt' }), { expiresIn: 300 }));
      assert.ok(url.searchParams.has('X-Amz-Security-Token'));
      return sendRaw(vigil.endpoint, vigil.tls.cert, { method: 'GET', path: url.pathname, query: url.search.slice(1), headers: { host: url.host } });
    };
    const live = await sessionOf(900);
    const ok = await fetchPresigned(live);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.body, 'a part');
    const s = vigil.services.sessionCredentials.issue(vigil.rootAccessKey.accessKeyId, 900, new Date(Date.now() - 901_000));
    const expired = await fetchPresigned({ accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken });
    assert.equal(expired.status, 400);
    assert.match(expired.body, /<Code>ExpiredToken<\/Code>/);
    const forged = await fetchPresigned({ ...live, sessionToken: s.sessionToken });
    assert.equal(forged.status, 400);
    assert.match(forged.body, /<Code>InvalidToken<\/Code>/);
  });

  test('the XML answer has the shape STS gives; unknown actions are InvalidAction', async () => {
    const post = (body: string) =>
      sendSigned(vigil.endpoint, vigil.tls.cert, {
        method: 'POST',
        path: '/',
        service: 'sts',
        credentials: vigil.rootAccessKey,
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body,
      });
    const ok = await post('Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900');
    assert.equal(ok.status, 200, ok.body);
    assert.match(String(ok.headers['content-type']), /^text\/xml/);
    assert.match(
      ok.body,
      /^<GetSessionTokenResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<GetSessionTokenResult>\s*<Credentials>\s*<AccessKeyId>VSIA\w+<\/AccessKeyId>\s*<SecretAccessKey>[^<]+<\/SecretAccessKey>\s*<SessionToken>[^<]+<\/SessionToken>\s*<Expiration>\d{4}-\d\d-\d\dT[\d:.]+Z<\/Expiration>/,
    );
    assert.match(ok.body, /<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    const unknown = await post('Action=AssumeRole&Version=2011-06-15');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body, /<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>InvalidAction<\/Code>/);
    // Signed for another service: refused.
    const wrongService = await sendSigned(vigil.endpoint, vigil.tls.cert, {
      method: 'POST',
      path: '/',
      service: 'lookoutvision',
      credentials: vigil.rootAccessKey,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetSessionToken',
    });
    assert.equal(wrongService.status, 403);
    assert.match(wrongService.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});
