import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { DescribeDatasetCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import Database from 'better-sqlite3';
import { cookieManifest, putCookieImages } from '../helpers/datasets.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';

test('a restart finishes what a crash interrupted: imports roll back, deletions complete, nothing is left behind', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-recovery-'));
  try {
    let vigil = await startTestVigil({ dataDir });
    let entriesBefore: string[];
    try {
      entriesBefore = await prepare(vigil);
    } finally {
      await vigil.stop();
    }
    const db = new Database(join(dataDir, 'metadata.db'));
    const setStatus = db.prepare("UPDATE datasets SET status = ? WHERE project_name = ? AND dataset_type = 'train'");
    setStatus.run('CREATE_IN_PROGRESS', 'creating');
    db.prepare("UPDATE datasets SET entries_blob = NULL, stats_total = 0, stats_labeled = 0, stats_normal = 0, stats_anomaly = 0 WHERE project_name = 'creating'").run();
    setStatus.run('UPDATE_IN_PROGRESS', 'updating');
    setStatus.run('DELETE_IN_PROGRESS', 'deleting');
    db.close();

    vigil = await startTestVigil({ dataDir });
    const client = vigil.lookoutVision();
    const describe = async (name: string) => (await client.send(new DescribeDatasetCommand({ ProjectName: name, DatasetType: 'train' }))).DatasetDescription!;
    const blobs = async (name: string) => {
      const keys: string[] = [];
      for await (const key of vigil.blobs.list(`projects/${name}/`)) keys.push(key);
      return keys;
    };
    try {
      const creating = await describe('creating');
      assert.equal(creating.Status, 'CREATE_FAILED');
      assert.match(creating.StatusMessage ?? '', /Vigil stopped before this finished/);
      assert.deepEqual(await blobs('creating'), []);

      const updating = await describe('updating');
      assert.equal(updating.Status, 'UPDATE_FAILED_ROLLBACK_COMPLETE');
      assert.deepEqual(updating.ImageStats, { Total: 5, Labeled: 5, Normal: 0, Anomaly: 5 });
      const entries = (await client.send(new ListDatasetEntriesCommand({ ProjectName: 'updating', DatasetType: 'train' }))).DatasetEntries;
      assert.deepEqual(entries, entriesBefore);
      assert.equal((await blobs('updating')).length, 5 + 5 + 1, 'five images, five masks and the entry list; the partial copy is gone');

      await assert.rejects(describe('deleting'), { name: 'ResourceNotFoundException' });
      assert.deepEqual(await blobs('deleting'), []);
    } finally {
      client.destroy();
      await vigil.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** A finished import in three projects, then what a kill -9 in the middle of a job leaves behind. */
async function prepare(vigil: TestVigil): Promise<string[]> {
  const { buckets, projects, datasets } = vigil.services;
  await buckets.createBucket('bkt');
  await putCookieImages(buckets, 'bkt');
  const manifest = (await cookieManifest('bkt')).split('\n').slice(0, 5).join('\n');
  await buckets.putObject({ bucket: 'bkt', key: 'm', body: Readable.from([Buffer.from(manifest)]) });
  for (const name of ['creating', 'updating', 'deleting']) {
    await projects.create({ projectName: name });
    await datasets.create({ projectName: name, datasetType: 'train', manifest: { Bucket: 'bkt', Key: 'm' } });
  }
  await vigil.jobs.idle();
  const entriesBefore = (await datasets.listEntries({ projectName: 'updating', datasetType: 'train', filter: {} })).entries;
  assert.equal(entriesBefore.length, 5);

  // What a kill -9 in the middle of each job leaves: a status in progress and copies not yet committed.
  for (const name of ['creating', 'updating']) {
    await vigil.blobs.put(`projects/${name}/datasets/train/images/half-written`, Buffer.from('partial copy'), {
      context: { 'vigil:project': name, 'vigil:dataset': 'train' },
    });
  }
  return entriesBefore;
}
