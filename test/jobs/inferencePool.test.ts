import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InferencePool, PoolBusyError } from '../../src/jobs/inferencePool.js';
import { operatingPoint, train } from '../../src/ml/index.js';
import { decodeModel } from '../../src/ml/model.js';
import { ALIENS } from '../helpers/datasets.js';

describe('inference pool', () => {
  let artifact: Uint8Array;
  let image: Buffer;
  let pool: InferencePool | undefined;

  before(async () => {
    const names = (await readdir(join(ALIENS, 'normal'))).slice(0, 6);
    const images = await Promise.all(names.map(async (name) => ({ bytes: await readFile(join(ALIENS, 'normal', name)), anomalous: false })));
    artifact = (await train(images)).artifact;
    image = await readFile(join(ALIENS, 'anomaly', '1.png'));
  });
  after(() => pool?.stop());

  test('a burst beyond the bounded queue is refused at once, the rest is answered, and a stopped pool refuses', async () => {
    pool = await InferencePool.start(artifact, { min: 1, max: 1 });
    assert.equal(pool.inService, 1);
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => pool!.detect(new Uint8Array(image))));
    const refused = outcomes.filter((o) => o.status === 'rejected');
    const answered = outcomes.filter((o) => o.status === 'fulfilled');
    assert.ok(refused.length > 0, 'the queue is bounded');
    assert.ok(refused.every((o) => (o as PromiseRejectedResult).reason instanceof PoolBusyError));
    assert.ok(answered.length >= 8, `${answered.length} answered`);
    const scores = new Set(answered.map((o) => (o as PromiseFulfilledResult<{ score: number }>).value.score));
    assert.equal(scores.size, 1, 'every unit answers the same image the same way');
    await pool.stop();
    await assert.rejects(pool.detect(new Uint8Array(image)), PoolBusyError);
  });

  test('it adds units up to its maximum while requests queue', async () => {
    pool = await InferencePool.start(artifact, { min: 1, max: 2 });
    await Promise.all(Array.from({ length: 6 }, () => pool!.detect(new Uint8Array(image))));
    // The second unit was started by the queue; it joins once it holds the model.
    for (let waited = 0; pool.inService < 2 && waited < 20_000; waited += 50) await new Promise((done) => setTimeout(done, 50));
    assert.equal(pool.inService, 2);
    await Promise.all(Array.from({ length: 6 }, () => pool!.detect(new Uint8Array(image))));
    assert.equal(pool.inService, 2, 'never more than the maximum');
    await pool.stop();
  });

  test('each request is judged at the false-alarm-rate target it was sent with, whichever unit takes it', async () => {
    pool = await InferencePool.start(artifact, { min: 2, max: 2 });
    const model = decodeModel(artifact);
    const targets = [undefined, 0.5, 0.001, undefined, 0.05, 0.5, 0.0001, 0.2];
    const answers = await Promise.all(targets.map((falseAlarmRate) => pool!.detect(new Uint8Array(image), { falseAlarmRate })));
    for (const [i, falseAlarmRate] of targets.entries()) {
      assert.equal(answers[i].threshold, operatingPoint(model, falseAlarmRate).threshold, `target ${falseAlarmRate}`);
    }
    assert.equal(new Set(answers.map((a) => a.threshold)).size, 6, 'six targets, six thresholds');
    await pool.stop();
  });

  test('an artifact that is not a model fails to start', async () => {
    await assert.rejects(InferencePool.start(new Uint8Array([1, 2, 3]), { min: 1, max: 1 }));
  });
});
