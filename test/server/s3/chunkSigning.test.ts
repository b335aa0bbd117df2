import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { signingKey } from '../../../src/server/auth/canonicalRequest.js';
import type { ReceivedRequest } from '../../../src/server/auth/signedRequest.js';
import { verifySigV4 } from '../../../src/server/auth/sigv4.js';

const credentials = { accessKeyId: 'VKIATESTTESTTESTTEST', secretAccessKey: 'test-secret-key-0123456789' };
const now = new Date('2026-05-04T03:02:01Z');

async function signed(payloadHash: string): Promise<ReceivedRequest> {
  const signer = new SignatureV4({ service: 's3', region: 'eu-west-1', credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
  const request = await signer.sign(
    new HttpRequest({
      method: 'PUT',
      protocol: 'https:',
      hostname: 'localhost',
      path: '/bucket/key',
      headers: { host: 'localhost', 'x-amz-content-sha256': payloadHash, 'content-encoding': 'aws-chunked' },
    }),
    { signingDate: now },
  );
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = [value];
  return { method: 'PUT', rawUrl: '/bucket/key', headers, body: undefined };
}

describe('verifySigV4 for signed aws-chunked bodies', () => {
  const options = { service: 's3' as const, payload: 'stream' as const, secretFor: async () => credentials.secretAccessKey, now };

  test('exposes what chunk signatures chain from: the seed signature, date, scope and signing key', async () => {
    const request = await signed('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const result = await verifySigV4(request, options);
    const seed = /Signature=([0-9a-f]{64})$/.exec(request.headers.authorization![0])![1];
    assert.deepEqual(result.chunkSigning, {
      seedSignature: seed,
      amzDate: '20260504T030201Z',
      scope: '20260504/eu-west-1/s3/aws4_request',
      signingKey: signingKey(credentials.secretAccessKey, '20260504', 'eu-west-1', 's3'),
    });
    assert.ok((await verifySigV4(await signed('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'), options)).chunkSigning);
  });

  test('nothing of the kind for other payloads', async () => {
    for (const payloadHash of ['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']) {
      const result = await verifySigV4(await signed(payloadHash), options);
      assert.equal(result.chunkSigning, undefined, payloadHash);
    }
  });
});
