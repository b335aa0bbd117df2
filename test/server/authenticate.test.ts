import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { authenticationHook } from '../../src/server/auth/authenticate.js';

test('the authentication hook refuses a route that declares no authentication, and one that does without a signature', async () => {
  const app = Fastify();
  app.decorateRequest('authenticated', null);
  app.addHook(
    'preHandler',
    authenticationHook(async () => undefined),
  );
  let handled = 0;
  app.get('/undeclared', async () => ++handled);
  app.get('/declared', { config: { auth: { service: 'lookoutvision', payload: 'body' } } }, async () => ++handled);
  try {
    const undeclared = await app.inject({ method: 'GET', url: '/undeclared' });
    assert.equal(undeclared.statusCode, 500);
    const unsigned = await app.inject({ method: 'GET', url: '/declared' });
    assert.notEqual(unsigned.statusCode, 200);
    assert.equal(handled, 0, 'no handler ran');
  } finally {
    await app.close();
  }
});
