import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sendRaw, sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

describe('the Prometheus endpoint', () => {
  let vigil: TestVigil;
  before(async () => {
    vigil = await startTestVigil();
  });
  after(() => vigil.stop());

  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const get = (authorization?: string) =>
    sendRaw(vigil.endpoint, vigil.tls.cert, {
      method: 'GET',
      path: '/_vigil/metrics',
      headers: { host: new URL(vigil.endpoint).host, ...(authorization ? { authorization } : {}) },
    });

  test('answers Prometheus text to HTTP Basic with an access key, and to SigV4', async () => {
    const { accessKeyId, secretAccessKey } = vigil.rootAccessKey;
    const response = await get(basic(accessKeyId, secretAccessKey));
    assert.equal(response.status, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    for (const name of ['vigil_processed_images_total', 'vigil_detected_anomalies_total', 'vigil_invalid_images_total', 'vigil_detect_seconds', 'vigil_inference_units']) {
      assert.match(response.body, new RegExp(`# TYPE ${name} `));
    }
    const signed = await sendSigned(vigil.endpoint, vigil.tls.cert, { method: 'GET', path: '/_vigil/metrics', credentials: vigil.rootAccessKey });
    assert.equal(signed.status, 200);
  });

  test('refuses anonymous requests and wrong secrets', async () => {
    assert.equal((await get()).status, 403);
    assert.equal((await get(basic(vigil.rootAccessKey.accessKeyId, 'wrong'))).status, 403);
    assert.equal((await get(basic('VKIAUNKNOWN', 'x'))).status, 403);
    assert.equal((await get('Basic !!!')).status, 400);
  });
});
