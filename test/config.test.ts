import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('defaults: ./.vigil, 127.0.0.1:8443, us-east-1', () => {
    const config = loadConfig({}, {});
    assert.deepEqual(config, {
      dataDir: resolve('.vigil'),
      host: '127.0.0.1',
      port: 8443,
      region: 'us-east-1',
      logLevel: 'info',
      tlsCert: undefined,
      tlsKey: undefined,
      role: 'all',
      jobLeaseSeconds: 30,
    });
  });

  test('role and job lease: api or worker only with a shared PostgreSQL database, the lease in whole seconds from 1 to 3600', () => {
    const url = 'postgres://vigil:s3cret-pw@127.0.0.1:5432/vigil';
    assert.equal(loadConfig({ role: 'api' }, { VIGIL_DATABASE_URL: url }).role, 'api');
    assert.equal(loadConfig({}, { VIGIL_DATABASE_URL: url, VIGIL_ROLE: 'worker', VIGIL_JOB_LEASE_SECONDS: '5' }).jobLeaseSeconds, 5);
    assert.throws(
      () => loadConfig({ role: 'worker' }, {}),
      (e: unknown) => e instanceof ConfigError && /role worker needs a database shared by nodes/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ role: 'leader' }, { VIGIL_DATABASE_URL: url }),
      (e: unknown) => e instanceof ConfigError && /role must be one of api, worker, all/.test(e.message),
    );
    for (const lease of ['0', '-3', 'soon', '3601'])
      assert.throws(
        () => loadConfig({}, { VIGIL_JOB_LEASE_SECONDS: lease }),
        (e: unknown) => e instanceof ConfigError && /jobLeaseSeconds must be a number of seconds from 1 to 3600/.test(e.message),
      );
  });

  test('flags beat environment, environment beats the config file', async () => {
    const file = join(dir, 'vigil.json');
    await writeFile(file, JSON.stringify({ port: 9000, region: 'eu-west-1', host: '0.0.0.0', logLevel: 'warn' }));
    const env = { VIGIL_CONFIG: file, VIGIL_PORT: '9100', VIGIL_REGION: 'eu-central-1' };
    const config = loadConfig({ port: 0 }, env);
    assert.equal(config.port, 0);
    assert.equal(config.region, 'eu-central-1');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.logLevel, 'warn');
  });

  test('invalid settings are refused with a message that names them', async () => {
    const cases: [Parameters<typeof loadConfig>[0], NodeJS.ProcessEnv, RegExp][] = [
      [{ port: 70000 }, {}, /port must be an integer/],
      [{}, { VIGIL_PORT: '80a' }, /port must be an integer/],
      [{ region: 'mars' }, {}, /region mars/],
      [{ logLevel: 'loud' }, {}, /logLevel must be one of/],
      [{ tlsCert: 'cert.pem' }, {}, /both tlsCert and tlsKey/],
      [{ config: join(dir, 'missing.json') }, {}, /cannot read config file/],
    ];
    for (const [flags, env, message] of cases)
      assert.throws(
        () => loadConfig(flags, env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    const unknown = join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ prot: 1 }));
    assert.throws(() => loadConfig({ config: unknown }, {}), /unknown settings: prot/);
    const notObject = join(dir, 'array.json');
    await writeFile(notObject, '[1]');
    assert.throws(() => loadConfig({ config: notObject }, {}), /must hold a JSON object/);
  });

  test('VIGIL_DATABASE_URL selects PostgreSQL; anything but a postgres URL is refused without echoing it', () => {
    const url = 'postgres://vigil:s3cret-pw@127.0.0.1:5432/vigil';
    assert.equal(loadConfig({}, { VIGIL_DATABASE_URL: url }).databaseUrl, url);
    assert.equal(loadConfig({}, { VIGIL_DATABASE_URL: 'postgresql://db.example/vigil?sslmode=verify-full' }).databaseUrl, 'postgresql://db.example/vigil?sslmode=verify-full');
    assert.equal('databaseUrl' in loadConfig({}, {}), false);
    for (const bad of ['mysql://vigil:s3cret-pw@127.0.0.1/vigil', 'postgres://vigil:s3cret-pw@127.0.0.1:5432', 'not a url s3cret-pw', 'postgres:///vigil']) {
      assert.throws(
        () => loadConfig({}, { VIGIL_DATABASE_URL: bad }),
        (e: unknown) => e instanceof ConfigError && /databaseUrl \(VIGIL_DATABASE_URL\) must be a PostgreSQL URL/.test(e.message) && !e.message.includes('s3cret-pw'),
      );
    }
  });
});
