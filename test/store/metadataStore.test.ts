import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MissingBucketError, MissingUploadError, type ObjectRecord } from '../../src/store/bucketRecords.js';
import { type DatasetRecord, PENDING_RESPONSE } from '../../src/store/datasetRecords.js';
import type { MetadataStore } from '../../src/store/metadataStore.js';
import type { ModelPackagingJobRecord } from '../../src/store/modelPackagingRecords.js';
import { sequenceOfVersionId } from '../../src/store/objectVersions.js';
import { openPostgresStore } from '../../src/store/postgresStore.js';
import { openSqliteStore } from '../../src/store/sqliteStore.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';

/**
 * The metadata repositories, run against both engines. The races are real on PostgreSQL (a pool of
 * connections, as two nodes would have); on SQLite they run one after the other, with the same outcome.
 */
const engines: { name: string; skip: string | false; setUp(): Promise<void>; open(): Promise<MetadataStore>; tearDown(): Promise<void> }[] = (() => {
  let postgres: TestPostgres | undefined;
  return [
    { name: 'SQLite', skip: false, setUp: async () => {}, open: async () => openSqliteStore(':memory:'), tearDown: async () => {} },
    {
      name: 'PostgreSQL',
      skip: postgresSkip,
      setUp: async () => {
        postgres = await startPostgres();
      },
      open: async () => openPostgresStore(await (postgres as TestPostgres).createDatabase()),
      tearDown: async () => postgres?.stop(),
    },
  ];
})();

const NOW = new Date('2026-03-01T12:00:00Z');

function dataset(projectName: string): DatasetRecord {
  return { projectName, datasetType: 'train', status: 'CREATE_COMPLETE', createdAt: NOW, updatedAt: NOW, stats: { total: 0, labeled: 0, normal: 0, anomaly: 0 } };
}

function object(key: string, blobKey: string, versionId = `v-${blobKey}`): ObjectRecord {
  return {
    bucket: 'b',
    key,
    versionId,
    blobKey,
    size: 5_000_000_000,
    eTag: 'e',
    headers: { contentType: 'image/png' },
    metadata: { a: '1' },
    lastModified: NOW,
    sseAlgorithm: 'aws:kms',
    kmsKeyId: 'arn:k',
    checksums: { CRC32: 'AAAAAA==' },
  };
}

function packagingJob(jobName: string, componentVersion: string): ModelPackagingJobRecord {
  return {
    projectName: 'p',
    jobName,
    modelVersion: 1,
    modelArn: 'arn:m',
    configuration: { S3OutputLocation: { Bucket: 'b' }, ComponentName: 'c', ComponentVersion: componentVersion },
    componentName: 'c',
    componentVersion,
    status: 'CREATED',
    attempts: 1,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

for (const engine of engines) {
  describe(`metadata store on ${engine.name}`, { skip: engine.skip }, () => {
    before(() => engine.setUp());
    after(() => engine.tearDown());

    /** A fresh store (a new database) for one test, closed after it. */
    async function withStore(work: (store: MetadataStore) => Promise<void>): Promise<void> {
      const store = await engine.open();
      try {
        await work(store);
      } finally {
        await store.close();
      }
    }

    test('settings: putIfAbsent keeps the first value, also when several write at once', () =>
      withStore(async (store) => {
        assert.equal(await store.settings.get('a'), undefined);
        assert.equal(await store.settings.putIfAbsent('a', '1'), '1');
        assert.equal(await store.settings.putIfAbsent('a', '2'), '1');
        assert.equal(await store.settings.get('a'), '1');
        const raced = await Promise.all(Array.from({ length: 8 }, (_, i) => store.settings.putIfAbsent('b', String(i))));
        assert.equal(new Set(raced).size, 1);
        assert.equal(await store.settings.get('b'), raced[0]);
      }));

    test('KMS key versions are numbered in order, also when rotated at once, and destroyed with their key; a failed write changes nothing', () =>
      withStore(async (store) => {
        const key = { keyId: 'k1', arn: 'arn:k1', description: '', keyManager: 'CUSTOMER' as const, state: 'Enabled' as const, createdAt: NOW };
        await store.kmsKeys.create(key, { sealedMaterial: Buffer.from('v1'), createdAt: NOW });
        // A second key with the same id fails whole: no second version 1 row, no changed record.
        await assert.rejects(store.kmsKeys.create({ ...key, description: 'again' }, { sealedMaterial: Buffer.from('x'), createdAt: NOW }));
        assert.equal((await store.kmsKeys.get('k1'))?.description, '');
        assert.deepEqual((await store.kmsKeys.getVersion('k1', 1))?.sealedMaterial, Buffer.from('v1'));
        const versions = await Promise.all(Array.from({ length: 6 }, (_, i) => store.kmsKeys.addVersion('k1', { sealedMaterial: Buffer.from(`v${i}`), createdAt: NOW })));
        assert.deepEqual(
          versions.sort((a, b) => a - b),
          [2, 3, 4, 5, 6, 7],
        );
        assert.equal((await store.kmsKeys.get('k1'))?.currentVersion, 7);
        await assert.rejects(store.kmsKeys.addVersion('missing', { sealedMaterial: Buffer.from('v'), createdAt: NOW }), /no KMS key/);
        await store.kmsKeys.createAlias('alias/one', 'k1', NOW);
        assert.equal(await store.kmsKeys.setState('k1', 'PendingDeletion', new Date(NOW.getTime() + 1000), ['Enabled', 'Disabled']), true);
        assert.deepEqual(await store.kmsKeys.dueForDeletion(NOW), []);
        assert.deepEqual(await store.kmsKeys.dueForDeletion(new Date(NOW.getTime() + 1000)), ['k1']);
        await store.kmsKeys.destroy('k1');
        assert.equal(await store.kmsKeys.get('k1'), undefined);
        assert.equal(await store.kmsKeys.getVersion('k1', 1), undefined);
        assert.equal(await store.kmsKeys.aliasTarget('alias/one'), undefined);
      }));

    test('key deletion: a cancelled deletion is not carried out by a destroy that listed the key before; state changes are conditional', () =>
      withStore(async (store) => {
        const key = { keyId: 'k2', arn: 'arn:k2', description: '', keyManager: 'CUSTOMER' as const, state: 'Enabled' as const, createdAt: NOW };
        await store.kmsKeys.create(key, { sealedMaterial: Buffer.from('m'), createdAt: NOW });
        assert.equal(await store.kmsKeys.setState('k2', 'PendingDeletion', NOW, ['Enabled', 'Disabled']), true);
        assert.equal(await store.kmsKeys.setState('k2', 'PendingDeletion', NOW, ['Enabled', 'Disabled']), false, 'scheduled twice');
        assert.equal(await store.kmsKeys.setState('k2', 'Enabled', undefined, ['Enabled', 'Disabled']), false, 'enabled while pending deletion');
        assert.deepEqual(await store.kmsKeys.dueForDeletion(NOW), ['k2']);
        assert.equal(await store.kmsKeys.setState('k2', 'Disabled', undefined, ['PendingDeletion']), true, 'cancelled');
        assert.equal(await store.kmsKeys.destroy('k2', NOW), false);
        assert.equal((await store.kmsKeys.get('k2'))?.state, 'Disabled');
        assert.deepEqual((await store.kmsKeys.getVersion('k2', 1))?.sealedMaterial, Buffer.from('m'));
        // Two destroyers of a due key: one destroys it, the other finds nothing left.
        await store.kmsKeys.setState('k2', 'PendingDeletion', NOW, ['Disabled']);
        assert.deepEqual((await Promise.all([store.kmsKeys.destroy('k2', NOW), store.kmsKeys.destroy('k2', NOW)])).sort(), [false, true]);
        assert.equal(await store.kmsKeys.get('k2'), undefined);
      }));

    test('aliases: of several creating one name at once exactly one wins; update and delete of a missing alias say so', () =>
      withStore(async (store) => {
        for (const id of ['ka', 'kb']) {
          await store.kmsKeys.create({ keyId: id, arn: `arn:${id}`, description: '', keyManager: 'CUSTOMER', state: 'Enabled', createdAt: NOW }, { sealedMaterial: Buffer.from(id), createdAt: NOW });
        }
        const created = await Promise.all(['ka', 'kb', 'ka', 'kb'].map((id) => store.kmsKeys.createAlias('alias/x', id, NOW)));
        assert.equal(created.filter(Boolean).length, 1);
        const target = await store.kmsKeys.aliasTarget('alias/x');
        assert.equal(target, ['ka', 'kb', 'ka', 'kb'][created.indexOf(true)]);
        assert.equal(await store.kmsKeys.updateAlias('alias/x', 'kb'), true);
        assert.equal(await store.kmsKeys.aliasTarget('alias/x'), 'kb');
        assert.equal(await store.kmsKeys.updateAlias('alias/none', 'kb'), false);
        assert.equal(await store.kmsKeys.deleteAlias('alias/none'), false);
        assert.deepEqual((await Promise.all([store.kmsKeys.deleteAlias('alias/x'), store.kmsKeys.deleteAlias('alias/x')])).sort(), [false, true]);
        await assert.rejects(store.kmsKeys.createAlias('alias/y', 'no-such-key', NOW));
        assert.equal(await store.kmsKeys.aliasTarget('alias/y'), undefined);
      }));

    test('projects list in byte order, page by page', () =>
      withStore(async (store) => {
        for (const name of ['c', 'a', 'B', 'b']) assert.equal(await store.projects.create({ name, arn: `arn:${name}`, createdAt: NOW }), true);
        assert.equal(await store.projects.create({ name: 'a', arn: 'arn:other', createdAt: NOW }), false);
        const first = await store.projects.list(2);
        assert.deepEqual(
          first.items.map((p) => p.name),
          ['B', 'a'],
        );
        assert.equal(first.next, 'a');
        const second = await store.projects.list(2, first.next);
        assert.deepEqual(
          second.items.map((p) => p.name),
          ['b', 'c'],
        );
        assert.equal(second.next, undefined);
        assert.equal(second.items[0].createdAt.getTime(), NOW.getTime());
        assert.equal((await store.projects.get('a'))?.arn, 'arn:a');
      }));

    test('a project binds the first image size only, also when datasets import at once', () =>
      withStore(async (store) => {
        await store.projects.create({ name: 'p', arn: 'arn:p', createdAt: NOW });
        const sizes = await Promise.all([1, 2, 3, 4].map((n) => store.projects.bindImageSize('p', 100 * n, 10 * n)));
        assert.equal(new Set(sizes.map((s) => `${s.width}x${s.height}`)).size, 1);
        assert.deepEqual(await store.projects.bindImageSize('p', 7, 7), sizes[0]);
        await store.projects.releaseImageSizeIfUnused('p');
        assert.equal((await store.projects.get('p'))?.imageWidth, undefined);
      }));

    test('status transitions: of several requests moving a dataset out of one status, exactly one wins', () =>
      withStore(async (store) => {
        await store.projects.create({ name: 'p', arn: 'arn:p', createdAt: NOW });
        assert.equal(await store.datasets.create(dataset('p')), true);
        assert.equal(await store.datasets.create({ ...dataset('p'), status: 'CREATE_FAILED' }), false);
        const won = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            store.datasets.transition('p', 'train', ['CREATE_COMPLETE', 'UPDATE_COMPLETE'], { status: 'UPDATE_IN_PROGRESS', stats: { total: i, labeled: i, normal: i, anomaly: 0 } }),
          ),
        );
        assert.equal(won.filter(Boolean).length, 1);
        const record = await store.datasets.get('p', 'train');
        assert.equal(record?.status, 'UPDATE_IN_PROGRESS');
        assert.equal(record?.stats.total, won.indexOf(true));
        assert.deepEqual(
          (await store.datasets.listInProgress()).map((d) => d.projectName),
          ['p'],
        );
        assert.equal(await store.projects.deleteIfEmpty('p'), 'notEmpty');
        await store.datasets.delete('p', 'train');
        assert.equal(await store.projects.deleteIfEmpty('p'), 'deleted');
        assert.equal(await store.projects.deleteIfEmpty('p'), 'notFound');
      }));

    test('models: versions created at once are distinct and consecutive; a transition and a delete need the expected status', () =>
      withStore(async (store) => {
        await store.projects.create({ name: 'p', arn: 'arn:p', createdAt: NOW });
        const base = { projectName: 'p', status: 'TRAINING' as const, createdAt: NOW, updatedAt: NOW, kmsKeyId: 'arn:k', outputBucket: 'b', outputPrefix: 'o/', trainingAttempts: 1 };
        const created = await Promise.all(Array.from({ length: 6 }, (_, i) => store.models.create(base, (v) => `arn:p/${v}`, [{ key: 'n', value: String(i) }])));
        assert.deepEqual(
          created.map((m) => m.version).sort((a, b) => a - b),
          [1, 2, 3, 4, 5, 6],
        );
        assert.equal((await store.models.latest('p'))?.version, 6);
        const raced = await Promise.all(
          [1, 2, 3].map(() => store.models.transition('p', 1, ['TRAINING'], { status: 'TRAINED', performance: { f1Score: 1, recall: 1, precision: 1 }, evaluationEnd: NOW })),
        );
        assert.equal(raced.filter(Boolean).length, 1);
        const trained = await store.models.get('p', 1);
        assert.deepEqual(trained?.performance, { f1Score: 1, recall: 1, precision: 1 });
        assert.equal(trained?.evaluationEnd?.getTime(), NOW.getTime());
        assert.equal(await store.models.delete('p', 1, ['TRAINING']), false);
        assert.equal(await store.models.setTags('p', 2, [{ key: 'a', value: '1' }]), true);
        assert.deepEqual(await store.models.tagsOf('p', 2), [{ key: 'a', value: '1' }]);
        assert.equal(await store.models.setTags('p', 99, []), false);
        assert.equal(await store.models.tagsOf('p', 99), undefined);
        assert.deepEqual(await store.models.tagsOf('p', 3), [{ key: 'n', value: String(created.findIndex((m) => m.version === 3)) }]);
        assert.equal(await store.models.delete('p', 1, ['TRAINED']), true);
        assert.equal((await store.models.withStatus(['TRAINING'])).length, 5);
        const page = await store.models.list('p', 2);
        assert.deepEqual(
          page.items.map((m) => m.version),
          [6, 5],
        );
        await assert.rejects(
          store.models.create({ ...base, projectName: 'none' }, (v) => `arn:none/${v}`, []),
          /no project none/,
        );
      }));

    test('idempotency tokens: of several first requests with one token, exactly one reserves it; the others read its record', () =>
      withStore(async (store) => {
        const record = (hash: string, createdAt = NOW) => ({ scope: 'CreateDataset p', token: 't', requestHash: hash, createdAt });
        const notBefore = new Date(NOW.getTime() - 8 * 3600_000);
        const abandonedBefore = new Date(NOW.getTime() - 60_000);
        const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((hash) => store.idempotency.reserve(record(hash), notBefore, abandonedBefore)));
        assert.equal(outcomes.filter((o) => o === 'reserved').length, 1);
        const winner = ['a', 'b', 'c', 'd'][outcomes.indexOf('reserved')];
        for (const other of outcomes.filter((o) => o !== 'reserved')) assert.deepEqual(other, { ...record(winner), response: PENDING_RESPONSE });
        await store.idempotency.complete('CreateDataset p', 't', '{"done":true}');
        await store.idempotency.release('CreateDataset p', 't'); // a completed record is kept
        assert.deepEqual(await store.idempotency.reserve(record('z'), notBefore, abandonedBefore), { ...record(winner), response: '{"done":true}' });
        assert.equal((await store.idempotency.get('CreateDataset p', 't', notBefore))?.response, '{"done":true}');
        // Past its lifetime the token is free again; a reservation whose request failed is released.
        const later = new Date(NOW.getTime() + 9 * 3600_000);
        assert.equal(await store.idempotency.reserve(record('e', later), new Date(later.getTime() - 8 * 3600_000), new Date(later.getTime() - 60_000)), 'reserved');
        await store.idempotency.release('CreateDataset p', 't');
        assert.equal(await store.idempotency.get('CreateDataset p', 't', new Date(0)), undefined);
        // A reservation nobody completed within the abandonment time (its process died) is taken over.
        assert.equal(await store.idempotency.reserve(record('f', later), notBefore, abandonedBefore), 'reserved');
        const muchLater = new Date(later.getTime() + 61_000);
        assert.deepEqual(await store.idempotency.reserve(record('g', muchLater), notBefore, new Date(later.getTime() - 1)), { ...record('f', later), response: PENDING_RESPONSE });
        assert.equal(await store.idempotency.reserve(record('g', muchLater), notBefore, new Date(muchLater.getTime() - 60_000)), 'reserved');
        await store.idempotency.deleteOlderThan(new Date(muchLater.getTime() + 1));
        assert.equal(await store.idempotency.get('CreateDataset p', 't', new Date(0)), undefined);
      }));

    test('objects: concurrent writes of one key each hand back the blob they replaced, so no blob is lost or leaked; keys list in byte order', () =>
      withStore(async (store) => {
        await assert.rejects(store.objects.put(object('k', 'blob-0')), MissingBucketError);
        assert.equal(await store.buckets.create({ name: 'b', createdAt: NOW }), true);
        assert.equal(await store.buckets.create({ name: 'b', createdAt: NOW }), false);
        const blobKeys = Array.from({ length: 8 }, (_, i) => `blob-${i}`);
        const results = await Promise.all(blobKeys.map((blobKey) => store.objects.put(object('k', blobKey))));
        const replaced = results.flatMap((r) => r.obsoleteBlobKeys);
        assert.ok(results.every((r) => r.versionId === 'null'));
        const current = (await store.objects.get('b', 'k'))?.blobKey as string;
        assert.deepEqual([...replaced, current].sort(), blobKeys);
        assert.equal((await store.objects.get('b', 'k'))?.size, 5_000_000_000);
        for (const key of ['é', 'Z', 'a', '~', 'a/b']) await store.objects.put(object(key, `blob-${key}`));
        assert.deepEqual(
          (await store.objects.list('b', { limit: 10 })).map((o) => o.key),
          ['Z', 'a', 'a/b', 'k', '~', 'é'],
        );
        assert.deepEqual(
          (await store.objects.list('b', { after: 'a', from: 'a/', limit: 2 })).map((o) => o.key),
          ['a/b', 'k'],
        );
        assert.equal(await store.buckets.delete('b'), 'not-empty');
        assert.deepEqual(await store.objects.delete('b', 'k', 'marker'), { versionId: 'null', obsoleteBlobKeys: [current], deleteMarker: false });
        assert.equal(await store.objects.referencesBlob(current), false);
        assert.deepEqual(await store.objects.delete('b', 'k', 'marker'), { versionId: 'null', obsoleteBlobKeys: [], deleteMarker: false });
        assert.equal(await store.objects.latest('b', 'k'), undefined);
      }));

    test('object versions: enabled keeps every version, suspended replaces the null one, markers hide the key; removing the latest promotes the next', () =>
      withStore(async (store) => {
        await store.buckets.create({ name: 'b', createdAt: NOW });
        assert.equal(await store.buckets.setVersioning('none', 'Enabled'), false);
        assert.deepEqual(await store.objects.put(object('k', 'plain')), { versionId: 'null', obsoleteBlobKeys: [] });
        assert.equal(await store.buckets.setVersioning('b', 'Enabled'), true);
        assert.equal((await store.buckets.get('b'))?.versioning, 'Enabled');
        // Concurrent writes of one key each get their own version; none is lost.
        const written = await Promise.all(['v1', 'v2', 'v3'].map((id) => store.objects.put(object('k', `blob-${id}`, id))));
        // Each id is the version's sequence (8 characters) and the random part it was given.
        assert.deepEqual(written.map((w) => w.versionId.slice(8)).sort(), ['v1', 'v2', 'v3']);
        assert.deepEqual(written.map((w) => sequenceOfVersionId(w.versionId)).sort(), [2, 3, 4]);
        assert.ok(written.every((w) => w.obsoleteBlobKeys.length === 0));
        const versions = await store.objects.listVersions('b', { limit: 10 });
        assert.equal(versions.length, 4);
        assert.deepEqual(
          versions.map((v) => v.isLatest),
          [true, false, false, false],
        );
        assert.equal(versions[3].versionId, 'null');
        assert.ok(versions[0].sequence > versions[1].sequence && versions[1].sequence > versions[2].sequence);
        const newest = versions[0].versionId;
        assert.equal((await store.objects.get('b', 'k'))?.versionId, newest);
        // A delete marker hides the key from get and list, not from the versions.
        const marker = await store.objects.delete('b', 'k', 'dm1');
        assert.deepEqual(marker, { versionId: marker.versionId, obsoleteBlobKeys: [], deleteMarker: true });
        assert.ok(marker.versionId.endsWith('dm1'));
        assert.equal(await store.objects.get('b', 'k'), undefined);
        assert.equal((await store.objects.latest('b', 'k'))?.deleteMarker, true);
        assert.deepEqual(await store.objects.list('b', { limit: 10 }), []);
        assert.equal(await store.buckets.delete('b'), 'not-empty');
        // Removing the marker makes the newest object current again; removing an older version changes nothing else.
        assert.equal((await store.objects.deleteVersion('b', 'k', marker.versionId))?.deleteMarker, true);
        assert.equal((await store.objects.get('b', 'k'))?.versionId, newest);
        assert.equal((await store.objects.deleteVersion('b', 'k', 'null'))?.versionId, 'null');
        assert.equal(await store.objects.referencesBlob('plain'), false);
        assert.equal(await store.objects.deleteVersion('b', 'k', 'null'), undefined);
        // Paging: after (key, sequence) gives the older versions of that key, then later keys.
        const l1 = (await store.objects.put(object('l', 'blob-l', 'l1'))).versionId;
        const page = await store.objects.listVersions('b', { after: { key: 'k', sequence: versions[0].sequence }, limit: 10 });
        assert.deepEqual(
          page.map((v) => `${v.key}:${v.versionId}`),
          [`k:${versions[1].versionId}`, `k:${versions[2].versionId}`, `l:${l1}`],
        );
        assert.deepEqual(
          (await store.objects.listVersions('b', { after: { key: 'k' }, limit: 10 })).map((v) => v.versionId),
          [l1],
        );
        // Suspended: writes and markers are the "null" version, each replacing the one before.
        await store.buckets.setVersioning('b', 'Suspended');
        assert.deepEqual(await store.objects.put(object('k', 'null-1', 'ignored')), { versionId: 'null', obsoleteBlobKeys: [] });
        assert.deepEqual(await store.objects.put(object('k', 'null-2', 'ignored')), { versionId: 'null', obsoleteBlobKeys: ['null-1'] });
        assert.deepEqual(await store.objects.delete('b', 'k', 'ignored'), { versionId: 'null', obsoleteBlobKeys: ['null-2'], deleteMarker: true });
        assert.deepEqual(
          (await store.objects.listVersions('b', { from: 'k', limit: 10 })).filter((v) => v.key === 'k').map((v) => [v.versionId, v.deleteMarker, v.isLatest]),
          [
            ['null', true, true],
            [versions[0].versionId, false, false],
            [versions[1].versionId, false, false],
            [versions[2].versionId, false, false],
          ],
        );
      }));

    test('lifecycle: rules kept with the bucket; conditional expiry acts once, only on the version looked at', () =>
      withStore(async (store) => {
        await store.buckets.create({ name: 'b', createdAt: NOW });
        const rules = [{ id: 'r', enabled: true, filterForm: 'filter' as const, filter: { prefix: 'p/' }, expiration: { days: 1 } }];
        assert.equal(await store.buckets.setLifecycle('none', rules), false);
        assert.equal(await store.buckets.setLifecycle('b', rules), true);
        assert.deepEqual((await store.buckets.get('b'))?.lifecycle, rules);
        assert.deepEqual(await store.buckets.withLifecycle(), ['b']);
        // Unversioned: the current object goes, once, and only while it is the version of that sequence.
        await store.objects.put(object('k', 'first'));
        const first = (await store.objects.latest('b', 'k'))!;
        await store.objects.put(object('k', 'second'));
        assert.equal(await store.objects.expireLatest('b', 'k', first.sequence, 'm'), undefined);
        const second = (await store.objects.latest('b', 'k'))!;
        const expired = await Promise.all([store.objects.expireLatest('b', 'k', second.sequence, 'm1'), store.objects.expireLatest('b', 'k', second.sequence, 'm2')]);
        assert.deepEqual(
          expired.filter((outcome) => outcome !== undefined),
          [{ versionId: 'null', obsoleteBlobKeys: ['second'], deleteMarker: false }],
        );
        assert.equal(await store.objects.latest('b', 'k'), undefined);
        // Versioned: one delete marker for two expiries at once; a noncurrent version removed once, not once it is the latest.
        await store.buckets.setVersioning('b', 'Enabled');
        await store.objects.put(object('v', 'v1', 'a'));
        await store.objects.put(object('v', 'v2', 'b'));
        const [latest, older] = await store.objects.listVersions('b', { from: 'v', limit: 10 });
        const markers = await Promise.all([store.objects.expireLatest('b', 'v', latest.sequence, 'x'), store.objects.expireLatest('b', 'v', latest.sequence, 'y')]);
        assert.equal(markers.filter((outcome) => outcome?.deleteMarker).length, 1);
        assert.equal(await store.objects.deleteVersion('b', 'v', older.versionId, { sequence: older.sequence, isLatest: true }), undefined);
        const removed = await Promise.all([1, 2].map(() => store.objects.deleteVersion('b', 'v', older.versionId, { sequence: older.sequence, isLatest: false })));
        assert.equal(removed.filter((version) => version !== undefined).length, 1);
        assert.equal((await store.objects.listVersions('b', { from: 'v', limit: 10 })).length, 2);
        assert.equal(await store.buckets.setLifecycle('b', undefined), true);
        assert.deepEqual(await store.buckets.withLifecycle(), []);
      }));

    test('multipart: of two completions of one upload exactly one succeeds; parts written after it find the upload gone', () =>
      withStore(async (store) => {
        const upload = { uploadId: 'u1', bucket: 'b', key: 'big', createdAt: NOW, headers: {}, metadata: {}, sseAlgorithm: 'aws:kms' as const, kmsKeyId: 'arn:k' };
        await assert.rejects(store.multipartUploads.create(upload), MissingBucketError);
        await store.buckets.create({ name: 'b', createdAt: NOW });
        await store.multipartUploads.create(upload);
        const part = (n: number, blobKey: string) => ({ uploadId: 'u1', partNumber: n, blobKey, size: 10, eTag: 'e', checksums: {}, lastModified: NOW });
        await Promise.all([1, 2, 3].map((n) => store.multipartUploads.putPart(part(n, `part-${n}`))));
        const again = await Promise.all([store.multipartUploads.putPart(part(2, 'part-2b')), store.multipartUploads.putPart(part(2, 'part-2c'))]);
        const [partTwo] = await store.multipartUploads.listParts('u1', 1, 1);
        assert.deepEqual([...again.map((r) => r.replacedBlobKey), partTwo.blobKey].sort(), ['part-2', 'part-2b', 'part-2c']);
        assert.equal(await store.buckets.delete('b'), 'not-empty');
        const completions = await Promise.allSettled([store.multipartUploads.complete('u1', object('big', 'whole-1')), store.multipartUploads.complete('u1', object('big', 'whole-2'))]);
        const done = completions.filter((c) => c.status === 'fulfilled');
        assert.equal(done.length, 1);
        const failed = completions.find((c) => c.status === 'rejected') as PromiseRejectedResult;
        assert.ok(failed.reason instanceof MissingUploadError);
        assert.equal((done[0] as PromiseFulfilledResult<{ obsoleteBlobKeys: string[] }>).value.obsoleteBlobKeys.length, 3);
        assert.equal((done[0] as PromiseFulfilledResult<{ versionId: string }>).value.versionId, 'null');
        assert.equal(await store.multipartUploads.get('u1'), undefined);
        await assert.rejects(store.multipartUploads.putPart(part(4, 'part-4')), MissingUploadError);
        assert.equal(await store.multipartUploads.referencesBlob('part-4'), false);
        assert.equal(await store.multipartUploads.delete('u1'), undefined);
        assert.ok(['whole-1', 'whole-2'].includes((await store.objects.get('b', 'big'))?.blobKey as string));
        for (const checksumAlgorithm of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
          await store.multipartUploads.create({ ...upload, uploadId: `u-${checksumAlgorithm}`, checksumAlgorithm });
          assert.equal((await store.multipartUploads.get(`u-${checksumAlgorithm}`))?.checksumAlgorithm, checksumAlgorithm);
        }
      }));

    test('buckets: a delete racing writes either finds them or leaves them nothing to write into', () =>
      withStore(async (store) => {
        await store.buckets.create({ name: 'b', createdAt: NOW, encryption: { algorithm: 'AES256' } });
        assert.deepEqual((await store.buckets.get('b'))?.encryption, { algorithm: 'AES256', kmsKeyId: undefined });
        assert.equal(await store.buckets.setEncryption('b', undefined), true);
        assert.equal(await store.buckets.setEncryption('none', undefined), false);
        const [put, deleted] = await Promise.allSettled([store.objects.put(object('k', 'blob')), store.buckets.delete('b')]);
        if (deleted.status === 'fulfilled' && deleted.value === 'deleted') {
          assert.equal(put.status, 'rejected');
          assert.ok((put as PromiseRejectedResult).reason instanceof MissingBucketError);
          assert.equal(await store.buckets.get('b'), undefined);
        } else {
          assert.deepEqual(deleted, { status: 'fulfilled', value: 'not-empty' });
          assert.equal((await store.objects.get('b', 'k'))?.blobKey, 'blob');
        }
        assert.equal(await store.buckets.delete('none'), 'missing');
      }));

    test('packaging jobs: one component version belongs to one job that has not failed, also when created at once', () =>
      withStore(async (store) => {
        await store.projects.create({ name: 'p', arn: 'arn:p', createdAt: NOW });
        const outcomes = await Promise.all(['j1', 'j2', 'j3'].map((name) => store.modelPackagingJobs.create(packagingJob(name, '1.0.0'))));
        assert.deepEqual(outcomes.sort(), ['componentTaken', 'componentTaken', 'created']);
        const winner = (await store.modelPackagingJobs.list('p', 10)).items;
        assert.equal(winner.length, 1);
        assert.equal(await store.modelPackagingJobs.create(packagingJob(winner[0].jobName, '2.0.0')), 'nameTaken');
        assert.equal(await store.modelPackagingJobs.transition('p', winner[0].jobName, ['CREATED'], { status: 'FAILED', statusMessage: 'no' }), true);
        assert.equal(await store.modelPackagingJobs.create(packagingJob('j4', '1.0.0')), 'created');
        assert.deepEqual(
          (await store.modelPackagingJobs.withStatus(['FAILED'])).map((j) => j.statusMessage),
          ['no'],
        );
      }));
  });
}
