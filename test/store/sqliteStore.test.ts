import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteMigrations } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';

/** What only the SQLite engine has: its file, journal mode and schema version; the repositories are tested on both engines in metadataStore.test.ts. */
describe('SQLite metadata store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-store-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('a new database is migrated to the latest schema in WAL mode; reopening applies nothing twice', async () => {
    const path = join(dir, 'fresh.db');
    await openSqliteStore(path).close();
    await openSqliteStore(path).close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), sqliteMigrations.length);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    for (const table of ['access_keys', 'datasets', 'idempotency_tokens', 'kms_key_versions', 'kms_keys', 'projects', 'settings']) {
      assert.ok(tables.includes(table), `table ${table} is missing`);
    }
    db.close();
  });

  test('an older database is migrated with its rows: a multipart upload and its parts survive the rebuild of their table', async () => {
    const path = join(dir, 'version-6.db');
    const old = new Database(path);
    for (const migration of sqliteMigrations.slice(0, 6)) old.exec(migration);
    old.pragma('user_version = 6');
    old.exec(`INSERT INTO buckets (name, created_at) VALUES ('b', 1);
      INSERT INTO multipart_uploads VALUES ('u1', 'b', 'big', 1, '{}', '{}', 'aws:kms', 'arn:k', 'CRC32');
      INSERT INTO multipart_parts VALUES ('u1', 1, 'part-1', 10, 'e', '{}', 1);`);
    old.close();
    const store = openSqliteStore(path);
    try {
      assert.equal((await store.multipartUploads.get('u1'))?.checksumAlgorithm, 'CRC32');
      assert.deepEqual(
        (await store.multipartUploads.listParts('u1', 0, 10)).map((p) => p.blobKey),
        ['part-1'],
      );
      await store.multipartUploads.create({
        uploadId: 'u2',
        bucket: 'b',
        key: 'k',
        createdAt: new Date(),
        headers: {},
        metadata: {},
        sseAlgorithm: 'aws:kms',
        kmsKeyId: 'arn:k',
        checksumAlgorithm: 'SHA1',
      });
      assert.deepEqual(await store.multipartUploads.delete('u1'), ['part-1']);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), sqliteMigrations.length);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    db.close();
  });

  test('objects of a version-7 database become the null version, latest, of their key', async () => {
    const path = join(dir, 'version-7.db');
    const old = new Database(path);
    for (const migration of sqliteMigrations.slice(0, 7)) old.exec(migration);
    old.pragma('user_version = 7');
    old.exec(`INSERT INTO buckets (name, created_at) VALUES ('b', 1);
      INSERT INTO bucket_objects VALUES ('b', 'k', 'blob-k', 3, 'e', '{}', '{"a":"1"}', 1, 'aws:kms', 'arn:k', '{}', NULL);
      INSERT INTO multipart_uploads VALUES ('u1', 'b', 'big', 1, '{}', '{}', 'aws:kms', 'arn:k', NULL);`);
    old.close();
    const store = openSqliteStore(path);
    try {
      const object = await store.objects.get('b', 'k');
      assert.deepEqual([object?.versionId, object?.blobKey, object?.metadata, object?.tags], ['null', 'blob-k', { a: '1' }, {}]);
      assert.equal((await store.objects.latest('b', 'k'))?.isLatest, true);
      assert.equal((await store.buckets.get('b'))?.versioning, undefined);
      assert.deepEqual((await store.multipartUploads.get('u1'))?.tags, {});
    } finally {
      await store.close();
    }
  });

  test('a database from a newer Vigil is refused, unchanged', async () => {
    const path = join(dir, 'newer.db');
    await openSqliteStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${sqliteMigrations.length + 1}`);
    db.close();
    assert.throws(() => openSqliteStore(path), /newer than this Vigil/);
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), sqliteMigrations.length + 1);
    check.close();
  });
});
