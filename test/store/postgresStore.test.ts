import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { sqliteMigrations } from '../../src/store/migrations/index.js';
import { postgresMigrations } from '../../src/store/migrations/postgres/index.js';
import { openPostgresStore } from '../../src/store/postgresStore.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';

/** What only the PostgreSQL engine has: its schema versioning shared by nodes; the repositories are tested on both engines in metadataStore.test.ts. */
describe('PostgreSQL metadata store', { skip: postgresSkip }, () => {
  let postgres: TestPostgres;
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    await postgres.stop();
    assert.throws(() => process.kill(postgres.pid, 0), /ESRCH/, 'the server process is gone');
  });

  async function schemaVersion(url: string): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query('SELECT version FROM vigil_schema_version')).rows[0].version;
    } finally {
      await client.end();
    }
  }

  test('both engines have the same number of schema versions', () => {
    assert.equal(postgresMigrations.length, sqliteMigrations.length);
  });

  test('nodes opening a new database at the same moment migrate it once, to the latest schema; reopening applies nothing', async () => {
    const url = await postgres.createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(url)));
    assert.equal(await schemaVersion(url), postgresMigrations.length);
    assert.equal(await stores[0].settings.putIfAbsent('a', '1'), '1');
    assert.equal(await stores[2].settings.get('a'), '1');
    await Promise.all(stores.map((store) => store.close()));
    const again = await openPostgresStore(url);
    assert.equal(await again.settings.get('a'), '1');
    await again.close();
    assert.equal(await schemaVersion(url), postgresMigrations.length);
  });

  test('objects of a version-7 database become the null version, latest, of their key', async () => {
    const url = await postgres.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE vigil_schema_version (version INTEGER NOT NULL); INSERT INTO vigil_schema_version VALUES (7)');
    for (const migration of postgresMigrations.slice(0, 7)) await client.query(migration);
    await client.query(`INSERT INTO buckets (name, created_at) VALUES ('b', 1);
      INSERT INTO bucket_objects VALUES ('b', 'k', 'blob-k', 3, 'e', '{}', '{"a":"1"}', 1, 'aws:kms', 'arn:k', '{}', NULL);
      INSERT INTO multipart_uploads VALUES ('u1', 'b', 'big', 1, '{}', '{}', 'aws:kms', 'arn:k', NULL)`);
    await client.end();
    const store = await openPostgresStore(url);
    try {
      const object = await store.objects.get('b', 'k');
      assert.deepEqual([object?.versionId, object?.blobKey, object?.metadata, object?.tags], ['null', 'blob-k', { a: '1' }, {}]);
      assert.equal((await store.objects.latest('b', 'k'))?.isLatest, true);
      assert.deepEqual((await store.multipartUploads.get('u1'))?.tags, {});
      // Versioning on the migrated table: the next write is a new latest version, the null one stays.
      await store.buckets.setVersioning('b', 'Enabled');
      const written = await store.objects.put({ ...object!, blobKey: 'blob-k2', versionId: 'random' });
      assert.deepEqual(
        (await store.objects.listVersions('b', { limit: 10 })).map((v) => [v.versionId, v.isLatest]),
        [
          [written.versionId, true],
          ['null', false],
        ],
      );
    } finally {
      await store.close();
    }
    assert.equal(await schemaVersion(url), postgresMigrations.length);
  });

  test('a database from a newer Vigil is refused, unchanged', async () => {
    const url = await postgres.createDatabase();
    await (await openPostgresStore(url)).close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE vigil_schema_version SET version = $1', [postgresMigrations.length + 1]);
    await client.end();
    await assert.rejects(openPostgresStore(url), /newer than this Vigil/);
    assert.equal(await schemaVersion(url), postgresMigrations.length + 1);
  });

  test('a wrong password or an unreachable server fails the open, without the password in the message', async () => {
    const url = new URL(await postgres.createDatabase());
    url.password = 'wrong-secret-password';
    const refused = (pattern: RegExp) => (error: Error) =>
      error.message.startsWith(`cannot open the PostgreSQL metadata database vigil@${url.host}${url.pathname}: `) && pattern.test(error.message) && !error.message.includes('wrong-secret-password');
    await assert.rejects(openPostgresStore(url.href), refused(/password authentication failed/));
    url.port = '1';
    await assert.rejects(openPostgresStore(url.href), refused(/ECONNREFUSED/));
  });
});
