import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** A request without credentials, as a load balancer's health check makes it. */
function call(vigil: TestVigil, method: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    request(`${vigil.endpoint}${path}`, { ca: vigil.tls.cert, method }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, text }));
    })
      .on('error', reject)
      .end();
  });
}

/** /_vigil/health on the embedded default (PostgreSQL and an S3 store: test/reliability/sharedJobs.test.ts). */
describe('health checks', () => {
  let vigil: TestVigil;
  before(async () => {
    vigil = await startTestVigil();
  });
  after(() => vigil.stop());

  test('readiness and liveness answer without credentials, as JSON that names no secret', async () => {
    const ready = await call(vigil, 'GET', '/_vigil/health');
    assert.equal(ready.status, 200, ready.text);
    assert.match(String(ready.headers['content-type']), /^application\/json/);
    assert.equal(ready.headers['cache-control'], 'no-store');
    const report = JSON.parse(ready.text);
    assert.deepEqual(
      { ready: report.ready, role: report.role, database: report.checks.database.ok, objectStore: report.checks.objectStore.ok },
      { ready: true, role: 'all', database: true, objectStore: true },
    );
    assert.ok(!ready.text.includes(vigil.rootAccessKey.secretAccessKey) && !ready.text.includes(vigil.dataDir));
    assert.deepEqual(await call(vigil, 'GET', '/_vigil/health/live').then(({ status, text }) => ({ status, text })), { status: 200, text: '{"live":true}' });
  });

  test('other methods on the health paths are not health checks', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await call(vigil, method, '/_vigil/health');
      assert.notEqual(answer.status, 200, `${method} is refused`);
      assert.ok(!answer.text.includes('"ready"'));
    }
  });

  test('a database that does not answer makes the node not ready (503), while it still lives', async () => {
    await vigil.store.close();
    const unready = await call(vigil, 'GET', '/_vigil/health');
    assert.equal(unready.status, 503);
    const report = JSON.parse(unready.text);
    assert.deepEqual({ ready: report.ready, database: report.checks.database.ok, objectStore: report.checks.objectStore.ok }, { ready: false, database: false, objectStore: true });
    assert.equal((await call(vigil, 'GET', '/_vigil/health/live')).status, 200);
  });
});
