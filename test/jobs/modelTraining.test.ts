import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTraining, type TrainingJobProgress } from '../../src/jobs/modelTraining.js';
import { BORDER_RINGS } from '../../src/ml/borderScale.js';
import { decodeModel } from '../../src/ml/model.js';
import { ALIENS } from '../helpers/datasets.js';

test('the training worker reads each image when it needs it, one at a time, and reports progress per stage', async () => {
  const names = (await readdir(join(ALIENS, 'normal'))).slice(0, 8);
  const files = { train: names.map((name) => join(ALIENS, 'normal', name)), test: [join(ALIENS, 'anomaly', '1.png')] };
  const reads: string[] = [];
  const moved: Uint8Array[] = [];
  let open = 0;
  let mostOpen = 0;
  // A view into a larger buffer shares its ArrayBuffer with other data: it is copied, not moved.
  const larger = Buffer.alloc(10_000, 7);
  const progress: TrainingJobProgress[] = [];

  const output = await runTraining(
    { train: names.map(() => ({ anomalous: false, mask: false })), test: [{ mask: true, width: 275, height: 190 }], classes: [], augment: 'none', surface: 'part', anomalyHead: 'scores', seed: 1 },
    async (set, index, part) => {
      reads.push(`${set} ${index} ${part}`);
      open++;
      mostOpen = Math.max(mostOpen, open);
      try {
        // (A classification model ignores test masks, so the mask is never asked for.)
        if (part === 'mask') return larger.subarray(100, 200);
        const bytes = new Uint8Array(await readFile(files[set][index]!));
        moved.push(bytes);
        return bytes;
      } finally {
        open--;
      }
    },
    new AbortController().signal,
    (p) => progress.push(p),
  );
  assert.ok(output.artifact.byteLength > 0);
  assert.equal(output.detections.length, 1);
  assert.equal(mostOpen, 1, 'images are asked for one at a time');
  // Each training image is read for its features (and the typical size); the test image once; no mask.
  for (const [k] of names.entries()) assert.ok(reads.includes(`train ${k} image`));
  assert.equal(reads.filter((r) => r === 'test 0 image').length, 1);
  assert.ok(!reads.some((r) => r.endsWith('mask')));
  assert.ok(
    moved.every((bytes) => bytes.byteLength === 0),
    'every image was moved to the worker, not copied',
  );
  assert.ok(larger.every((byte) => byte === 7));
  assert.deepEqual([...new Set(progress.map((p) => p.stage))], ['features', 'coreset', 'scoring', 'calibration', 'evaluation']);
  assert.ok(progress.length < 60, `progress is reported per stage and tenth, not per image (${progress.length} reports)`);
  assert.deepEqual(progress.at(-1), { stage: 'evaluation', done: 1, total: 1 });
});

test("a failed read fails the training job with the reader's message", async () => {
  await assert.rejects(
    runTraining(
      {
        train: [
          { anomalous: false, mask: false },
          { anomalous: false, mask: false },
        ],
        test: [],
        classes: [],
        augment: 'none',
        surface: 'part',
        anomalyHead: 'scores',
        seed: 1,
      },
      async () => {
        throw new Error('the blob is gone');
      },
      new AbortController().signal,
    ),
    /the blob is gone/,
  );
});

test("a texture project (vigil:surface texture) trains with border rings on their own scale and scores measured from each image's level", async () => {
  const names = (await readdir(join(ALIENS, 'normal'))).slice(0, 8);
  const train = async (surface: 'part' | 'texture') =>
    decodeModel(
      (
        await runTraining(
          { train: names.map(() => ({ anomalous: false, mask: false })), test: [], classes: [], augment: 'none', surface, anomalyHead: 'scores', seed: 1 },
          async (_set, index) => new Uint8Array(await readFile(join(ALIENS, 'normal', names[index]!))),
          new AbortController().signal,
        )
      ).artifact,
    );
  const texture = await train('texture');
  assert.equal(texture.levelScores, true);
  assert.equal(texture.patchNeighbours, 3);
  assert.equal(texture.borderScale?.length, BORDER_RINGS);
  const part = await train('part');
  assert.equal(part.levelScores, undefined);
  assert.equal(part.patchNeighbours, undefined);
  assert.equal(part.borderScale, undefined);
});
