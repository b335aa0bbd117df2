import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONSOLE_BUILD_DIR } from '../../src/server/console/plugin.js';
import { sendRaw, sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

const built = existsSync(join(CONSOLE_BUILD_DIR, 'index.html'));

describe('the console under /_vigil/', { skip: built ? false : `the console is not built (${CONSOLE_BUILD_DIR}): run npm run build` }, () => {
  let vigil: TestVigil;
  before(async () => {
    vigil = await startTestVigil();
  });
  after(() => vigil.stop());

  const get = (path: string, headers: Record<string, string> = {}) => sendRaw(vigil.endpoint, vigil.tls.cert, { method: 'GET', path, headers: { host: new URL(vigil.endpoint).host, ...headers } });

  test('serves index.html without credentials, with a strict CSP and no caching', async () => {
    const page = await get('/_vigil/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /connect-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['cache-control'], 'no-cache');
    // No inline script: every script is a file from this origin.
    assert.doesNotMatch(page.body, /<script(?![^>]*\bsrc="\/_vigil\/assets\/)[^>]*>/);
    assert.doesNotMatch(page.body, /https?:\/\//);
    const redirect = await get('/_vigil');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, '/_vigil/');
  });

  test('hashed assets have their content types, are cached for good and sent compressed', async () => {
    const page = await get('/_vigil/');
    const script = /src="(\/_vigil\/assets\/[^"]+\.js)"/.exec(page.body)![1];
    const style = /href="(\/_vigil\/assets\/[^"]+\.css)"/.exec(page.body)![1];
    const js = await get(script);
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(js.headers['content-security-policy']);
    const css = await get(style);
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const gzip = await get(script, { 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.ok(Number(gzip.headers['content-length']) < Buffer.byteLength(js.body) / 2);
    const etag = String(js.headers.etag);
    assert.equal((await get(script, { 'if-none-match': etag })).status, 304);
    assert.equal((await get('/_vigil/assets/missing.js')).status, 404);
    assert.equal((await get('/_vigil/../metadata.db')).status, 404);
  });

  test('/_vigil/ can never be reached as a bucket', async () => {
    const s3 = (method: string, path: string) => sendSigned(vigil.endpoint, vigil.tls.cert, { method, path, service: 's3', credentials: vigil.rootAccessKey });
    const create = await s3('PUT', '/_vigil');
    assert.equal(create.status, 405);
    const put = await s3('PUT', '/_vigil/assets/evil.js');
    assert.equal(put.status, 405);
    const list = await s3('GET', '/_vigil/');
    assert.match(String(list.headers['content-type']), /^text\/html/);
    const buckets = await s3('GET', '/');
    assert.equal(buckets.status, 200);
    assert.doesNotMatch(buckets.body, /_vigil/);
    // The other /_vigil/ endpoints keep their own routes.
    assert.equal((await get('/_vigil/metrics')).status, 403);
  });
});
