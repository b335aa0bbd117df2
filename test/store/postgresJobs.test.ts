import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SharedJobQueue } from '../../src/jobs/sharedJobQueue.js';
import type { JobRepository } from '../../src/store/jobRecords.js';
import type { MetadataStore } from '../../src/store/metadataStore.js';
import { openPostgresStore } from '../../src/store/postgresStore.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The job queue that nodes share: claims, leases, heartbeats and fencing, with two stores standing for two nodes. */
describe('PostgreSQL job queue shared by nodes', { skip: postgresSkip }, () => {
  let postgres: TestPostgres;
  let nodeA: MetadataStore;
  let nodeB: MetadataStore;
  let jobsA: JobRepository;
  let jobsB: JobRepository;
  before(async () => {
    postgres = await startPostgres();
    const url = await postgres.createDatabase();
    nodeA = await openPostgresStore(url);
    nodeB = await openPostgresStore(url);
    jobsA = nodeA.jobs!;
    jobsB = nodeB.jobs!;
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await postgres?.stop();
  });

  test('one live job per resource; nodes claiming at once each get a different job, and none twice', async () => {
    assert.equal(await jobsA.enqueue('train', 'model/p/1', { projectName: 'p', version: 1 }), true);
    assert.equal(await jobsB.enqueue('train', 'model/p/1', { projectName: 'p', version: 1 }), false, 'a second job for the same model is refused');
    assert.equal(await jobsA.count(), 1);
    for (let version = 2; version <= 8; version++) await jobsA.enqueue('train', `model/p/${version}`, { projectName: 'p', version });
    const claims = await Promise.all(Array.from({ length: 12 }, (_, index) => (index % 2 ? jobsA : jobsB).claim(`node-${index % 2 ? 'a' : 'b'}`, 60_000)));
    const claimed = claims.filter((job) => job !== undefined);
    assert.equal(claimed.length, 8, 'every job is claimed once, and four claims find nothing');
    assert.equal(new Set(claimed.map((job) => job.id)).size, 8);
    assert.ok(claimed.every((job) => job.attempt === 1 && job.kind === 'train'));
    assert.deepEqual(claimed.find((job) => job.resource === 'model/p/1')?.payload, { projectName: 'p', version: 1 });
    assert.equal(await jobsA.claim('node-a', 60_000), undefined, 'a running job with a live lease is not claimed again');
    for (const job of claimed) assert.equal(await (job.owner === 'node-a' ? jobsA : jobsB).finish(job, async () => {}), true);
    assert.equal(await jobsA.count(), 0, 'finished jobs are gone');
  });

  test('a heartbeat keeps the lease; without one it runs out and another node takes the job over with the next attempt', async () => {
    await jobsA.enqueue('dataset', 'p/train', { operation: 'create' });
    const first = (await jobsA.claim('node-a', 300))!;
    for (let beat = 0; beat < 4; beat++) {
      await sleep(120);
      assert.equal(await jobsA.heartbeat(first, 300), true);
      assert.equal(await jobsB.claim('node-b', 300), undefined, 'a job whose lease is renewed stays with its node');
    }
    await sleep(400); // node A "dies": no heartbeat
    const second = (await jobsB.claim('node-b', 60_000))!;
    assert.equal(second.id, first.id);
    assert.equal(second.attempt, 2);
    assert.equal(second.owner, 'node-b');
    assert.equal(await jobsB.finish(second, async () => {}), true);
  });

  test('fencing: the node whose lease was taken over can neither renew, release nor finish, and its last write never runs', async () => {
    await jobsA.enqueue('package', 'p/job', { projectName: 'p', jobName: 'job' });
    const stale = (await jobsA.claim('node-a', 100))!;
    await sleep(200);
    const current = (await jobsB.claim('node-b', 60_000))!;
    assert.equal(current.attempt, stale.attempt + 1);
    const writes: string[] = [];
    assert.equal(await jobsA.heartbeat(stale, 60_000), false);
    assert.equal(await jobsA.release(stale), false);
    assert.equal(
      await jobsA.finish(stale, async () => {
        writes.push('stale');
      }),
      false,
    );
    assert.equal(writes.length, 0, "the stale attempt's status write is refused");
    assert.equal(await jobsA.has('package', 'p/job'), true, 'the job is still there, with its new owner');
    assert.equal(await jobsB.heartbeat(current, 60_000), true);
    assert.equal(
      await jobsB.finish(current, async () => {
        writes.push('current');
      }),
      true,
    );
    assert.deepEqual(writes, ['current']);
    assert.equal(await jobsA.has('package', 'p/job'), false);
  });

  test('while a node writes its last status, no node can take the job over, even with the lease run out', async () => {
    await jobsA.enqueue('train', 'model/q/1', { projectName: 'q', version: 1 });
    const job = (await jobsA.claim('node-a', 100))!;
    await sleep(200); // the lease has run out, but nobody took the job yet: this attempt still owns it
    let claimedMeanwhile: unknown = 'not tried';
    const finished = await jobsA.finish(job, async () => {
      claimedMeanwhile = await jobsB.claim('node-b', 60_000);
    });
    assert.equal(finished, true);
    assert.equal(claimedMeanwhile, undefined, 'the row is locked while the write runs: SKIP LOCKED passes it by');
    assert.equal(await jobsB.claim('node-b', 60_000), undefined, 'and afterwards it is gone');
  });

  test('a node that stops puts its job back at once; a failed last write keeps the job for another try', async () => {
    await jobsA.enqueue('train', 'model/r/1', { projectName: 'r', version: 1 });
    const job = (await jobsA.claim('node-a', 60_000))!;
    assert.equal(await jobsA.release(job), true);
    const again = (await jobsB.claim('node-b', 60_000))!;
    assert.equal(again.attempt, 2, 'a released job is claimed at once, as the next attempt');
    await assert.rejects(
      jobsB.finish(again, async () => {
        throw new Error('database write failed');
      }),
      /database write failed/,
    );
    assert.equal(await jobsB.has('train', 'model/r/1'), true, 'not lost');
    assert.equal(await jobsB.heartbeat(again, 60_000), true, "still this attempt's");
    assert.equal(await jobsB.finish(again, async () => {}), true);
  });

  test('work a node runs at once (StartModel, StopModel) is recorded as its claim; a live job of that kind is left alone, a queued or lapsed one is taken over', async () => {
    const mine = (await jobsA.claimNew('host', 'model/h/1', { version: 1 }, 'node-a', 300))!;
    assert.deepEqual([mine.kind, mine.resource, mine.attempt, mine.owner], ['host', 'model/h/1', 1, 'node-a']);
    assert.equal(await jobsB.claimNew('host', 'model/h/1', { version: 1 }, 'node-b', 300), undefined, 'a live job of another node is left to it');
    assert.equal(await jobsB.claim('node-b', 300), undefined, 'nor is it claimed while its lease lasts');
    assert.ok(await jobsA.claimNew('unhost', 'model/h/1', { version: 1 }, 'node-b', 300), 'another kind for the same resource is another job');
    await sleep(400); // node A "dies": its lease runs out
    const takenOver = (await jobsB.claimNew('host', 'model/h/1', { version: 1 }, 'node-b', 60_000))!;
    assert.deepEqual([takenOver.id, takenOver.attempt, takenOver.owner], [mine.id, 2, 'node-b']);
    assert.equal(await jobsA.finish(mine, async () => assert.fail('the stale attempt must not write')), false);
    assert.equal(await jobsB.finish(takenOver, async () => {}), true);
    await jobsA.enqueue('host', 'model/h/2', { version: 2 });
    const queued = (await jobsB.claimNew('host', 'model/h/2', { version: 2 }, 'node-b', 60_000))!;
    assert.deepEqual([queued.attempt, queued.owner], [1, 'node-b'], 'a queued job is taken by the node that runs it at once');
    assert.equal(await jobsB.finish(queued, async () => {}), true);
    const unhost = (await jobsB.claim('node-b', 60_000))!;
    assert.deepEqual([unhost.kind, unhost.attempt], ['unhost', 2], 'the lapsed unhost job is claimed by a live worker');
    assert.equal(await jobsB.finish(unhost, async () => {}), true);
    assert.equal(await jobsA.count(), 0);
  });

  test('a worker runs a queued job with its fenced last write; a worker that cannot reach the database for longer than the lease stops its job (the last test: it stops the server)', async () => {
    const failures: string[] = [];
    const worker = new SharedJobQueue(jobsA, { nodeId: 'node-a', claims: true, leaseMs: 600, concurrency: 1, pollMs: 50, onFailure: (job) => failures.push(job) });
    const finished: number[] = [];
    let stopped: () => void = () => {};
    const stoppedAt = new Promise<number>((resolve) => (stopped = () => resolve(Date.now())));
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    worker.handle('train', async (payload, context) => {
      const { version } = payload as { version: number };
      if (version === 1) {
        assert.equal(await context.finish(async () => void finished.push(version)), true);
        return;
      }
      started();
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
      stopped();
    });
    worker.start();
    await worker.submit('train', 'model/w/1', { version: 1 });
    for (let tries = 0; (await jobsA.count()) > 0; tries++) {
      assert.ok(tries < 100, 'the queued job runs');
      await sleep(20);
    }
    assert.deepEqual(finished, [1]);
    await worker.submit('train', 'model/w/2', { version: 2 });
    await running;
    const down = Date.now();
    await postgres.stop();
    const after = (await stoppedAt) - down;
    assert.ok(after >= 300 && after < 3_000, `the job stopped ${after} ms after the database went away, once its lease may have run out`);
    await worker.close();
    assert.ok(
      failures.every((job) => job === 'claiming jobs'),
      failures.join(),
    );
  });
});
