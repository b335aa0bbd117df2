import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sqliteMigrations } from '../../src/store/migrations/index.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';

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

  test('settings: putIfAbsent keeps the first value', async () => {
    const store = openSqliteStore(':memory:');
    assert.equal(await store.settings.get('a'), undefined);
    assert.equal(await store.settings.putIfAbsent('a', '1'), '1');
    assert.equal(await store.settings.putIfAbsent('a', '2'), '1');
    assert.equal(await store.settings.get('a'), '1');
    await store.close();
  });

  test('KMS key versions are numbered in order and destroyed with their key; a failed write changes nothing', async () => {
    const store = openSqliteStore(':memory:');
    const now = new Date();
    const key = { keyId: 'k1', arn: 'arn:k1', description: '', keyManager: 'CUSTOMER' as const, state: 'Enabled' as const, createdAt: now };
    await store.kmsKeys.create(key, { sealedMaterial: Buffer.from('v1'), createdAt: now });
    // A second key with the same id fails whole: no second version 1 row, no changed record.
    await assert.rejects(store.kmsKeys.create({ ...key, description: 'again' }, { sealedMaterial: Buffer.from('x'), createdAt: now }));
    assert.equal((await store.kmsKeys.get('k1'))?.description, '');
    assert.deepEqual((await store.kmsKeys.getVersion('k1', 1))?.sealedMaterial, Buffer.from('v1'));
    assert.equal(await store.kmsKeys.addVersion('k1', { sealedMaterial: Buffer.from('v2'), createdAt: now }), 2);
    assert.equal((await store.kmsKeys.get('k1'))?.currentVersion, 2);
    await assert.rejects(store.kmsKeys.addVersion('missing', { sealedMaterial: Buffer.from('v'), createdAt: now }), /no KMS key/);
    await store.kmsKeys.setState('k1', 'PendingDeletion', new Date(now.getTime() + 1000));
    assert.deepEqual(await store.kmsKeys.dueForDeletion(now), []);
    assert.deepEqual(await store.kmsKeys.dueForDeletion(new Date(now.getTime() + 1000)), ['k1']);
    await store.kmsKeys.destroy('k1');
    assert.equal(await store.kmsKeys.get('k1'), undefined);
    assert.equal(await store.kmsKeys.getVersion('k1', 1), undefined);
    await store.close();
  });

  test('projects list in name order, page by page', async () => {
    const path = join(dir, 'projects.db');
    await openSqliteStore(path).close();
    const db = new Database(path);
    const insert = db.prepare('INSERT INTO projects (name, arn, created_at) VALUES (?, ?, ?)');
    for (const name of ['c', 'a', 'b']) insert.run(name, `arn:${name}`, 1_700_000_000_000);
    db.close();
    const store = openSqliteStore(path);
    const first = await store.projects.list(2);
    assert.deepEqual(
      first.items.map((p) => p.name),
      ['a', 'b'],
    );
    assert.equal(first.next, 'b');
    const second = await store.projects.list(2, first.next);
    assert.deepEqual(
      second.items.map((p) => p.name),
      ['c'],
    );
    assert.equal(second.next, undefined);
    assert.equal(second.items[0].createdAt.getTime(), 1_700_000_000_000);
    await store.close();
  });
});
