import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { anomalyLevels, anomalyLevelsPng, THRESHOLD_LEVEL } from '../../src/ml/anomalyLevels.js';

const map = (values: number[], width = values.length, height = 1) => ({ width, height, data: Float32Array.from(values) });

test('anomaly levels: the pixel threshold is level 128, twice it 255 and more is clipped, below zero is 0', () => {
  assert.deepEqual([...anomalyLevels(map([-1, 0, 1, 2, 4, 8]), 4)], [0, 0, 32, 64, THRESHOLD_LEVEL, 255]);
  assert.deepEqual([...anomalyLevels(map([3, 6]), 3)], [128, 255]);
});

test('anomaly levels: a threshold that is not positive gives way to the map’s largest value; an all-zero map stays 0', () => {
  assert.deepEqual([...anomalyLevels(map([1, 2, 4]), 0)], [32, 64, 128]);
  assert.deepEqual([...anomalyLevels(map([1, 2, 4]), -3)], [32, 64, 128]);
  assert.deepEqual([...anomalyLevels(map([0, 0]), Number.NaN)], [0, 0]);
});

test('the levels PNG is 8-bit grayscale at the size asked for, its levels resized from the map', async () => {
  const png = await anomalyLevelsPng(map([0, 0, 8, 8], 2, 2), 4, 20, 10);
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels, meta.depth], ['png', 20, 10, 1, 'uchar']);
  const { data } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  // Top row 0, bottom row 255 (the map's rows), blended only across the middle.
  assert.equal(data[0], 0);
  assert.equal(data[data.length - 1], 255);
  // Same size: the levels as they are.
  const same = await sharp(await anomalyLevelsPng(map([2, 4], 2, 1), 4, 2, 1))
    .extractChannel(0)
    .raw()
    .toBuffer();
  assert.deepEqual([...same], [64, 128]);
});
