import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTraining } from '../../src/jobs/modelTraining.js';
import { ALIENS } from '../helpers/datasets.js';

test('training moves the image bytes to the worker instead of copying them, and leaves shared buffers alone', async () => {
  const names = (await readdir(join(ALIENS, 'normal'))).slice(0, 8);
  // readFile gives each image its own ArrayBuffer: those can be moved.
  const train = await Promise.all(names.map(async (name) => ({ bytes: await readFile(join(ALIENS, 'normal', name)), anomalous: false })));
  const testImage = await readFile(join(ALIENS, 'anomaly', '1.png'));
  // A view into a larger buffer shares its ArrayBuffer with other data: moving it would take that data too.
  const larger = Buffer.alloc(10_000, 7);
  const view = larger.subarray(100, 200);
  // (A classification model ignores test masks, so the view only travels along.)
  const testEntry = { bytes: testImage, width: 550, height: 380, mask: view };
  const sizes = train.map((image) => image.bytes.byteLength);

  const output = await runTraining({ train, test: [testEntry], classes: [], augment: 'none', seed: 1 }, new AbortController().signal);
  assert.ok(output.artifact.byteLength > 0);
  assert.equal(output.detections.length, 1);
  assert.ok(sizes.every((size) => size > 0));
  assert.ok(train.every((image) => image.bytes.byteLength === 0), 'every training image was moved, not copied');
  assert.equal(testImage.byteLength, 0, 'the test image was moved');
  assert.equal(larger.byteLength, 10_000, 'the shared buffer stays');
  assert.ok(larger.every((byte) => byte === 7));
});
