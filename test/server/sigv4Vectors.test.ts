import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { AuthError, type ReceivedRequest } from '../../src/server/auth/signedRequest.js';
import { verifySigV4 } from '../../src/server/auth/sigv4.js';
import { SUITE_CREDENTIALS, SUITE_DATE, SUITE_SCOPE, SUITE_VECTORS, type SuiteVector } from './sigv4TestSuite.js';

const { date, region, service } = SUITE_SCOPE;
const options = {
  service,
  payload: 'body' as const,
  now: SUITE_DATE,
  secretFor: async (id: string) => (id === SUITE_CREDENTIALS.accessKeyId ? SUITE_CREDENTIALS.secretAccessKey : undefined),
};

/** The vector's request as Node hands it over: names lower-cased, values trimmed, repeats kept in order. */
function received(vector: SuiteVector, signature = vector.signature): ReceivedRequest {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of vector.headers) {
    const key = name.toLowerCase();
    headers[key] = [...(headers[key] ?? []), value.trim()];
  }
  headers.authorization = [`AWS4-HMAC-SHA256 Credential=${SUITE_CREDENTIALS.accessKeyId}/${date}/${region}/${service}/aws4_request, SignedHeaders=${vector.signedHeaders}, Signature=${signature}`];
  return { method: vector.method, rawUrl: vector.target, headers, body: vector.body ? Buffer.from(vector.body) : undefined };
}

describe("AWS's published SigV4 test suite", () => {
  test('the vectors are the suite’s: each signature follows from its canonical request by the documented steps (node:crypto only)', () => {
    let key: Buffer = Buffer.from(`AWS4${SUITE_CREDENTIALS.secretAccessKey}`);
    for (const part of [date, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    for (const vector of SUITE_VECTORS) {
      const hashed = createHash('sha256').update(vector.canonicalRequest.join('\n')).digest('hex');
      const stringToSign = ['AWS4-HMAC-SHA256', '20150830T123600Z', `${date}/${region}/${service}/aws4_request`, hashed].join('\n');
      assert.equal(createHmac('sha256', key).update(stringToSign).digest('hex'), vector.signature, vector.name);
    }
  });

  for (const vector of SUITE_VECTORS) {
    test(`${vector.name}: verified, and refused with any other signature or body`, async () => {
      const result = await verifySigV4(received(vector), options);
      assert.equal(result.accessKeyId, SUITE_CREDENTIALS.accessKeyId);
      assert.equal(result.region, region);

      const last = vector.signature.at(-1) === '0' ? '1' : '0';
      await assert.rejects(verifySigV4(received(vector, vector.signature.slice(0, -1) + last), options), (error: AuthError) => error.failure === 'SignatureMismatch');
      const otherBody = { ...received(vector), body: Buffer.from(`${vector.body}&tampered=1`) };
      await assert.rejects(verifySigV4(otherBody, options), (error: AuthError) => error.failure === 'SignatureMismatch');
      // The signature covers the body: declaring it unsigned does not make another body acceptable.
      const unsigned = received(vector);
      unsigned.headers['x-amz-content-sha256'] = ['UNSIGNED-PAYLOAD'];
      await assert.rejects(verifySigV4(unsigned, options), (error: AuthError) => error instanceof AuthError && error.failure === 'SignatureMismatch');
    });
  }
});
