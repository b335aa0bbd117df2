import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { readClasses } from '../../src/cli/evalDataset.js';

/** A binary mask as scanned datasets ship them: black, a white defect, and a few grey anti-aliased edge pixels. */
async function binaryMaskWithGreyEdges(path: string): Promise<void> {
  const width = 40;
  const height = 30;
  const rgb = Buffer.alloc(width * height * 3);
  const paint = (x: number, y: number, v: number): void => {
    rgb.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
  };
  for (let y = 10; y < 20; y++) for (let x = 10; x < 20; x++) paint(x, y, 255);
  [24, 1, 253, 18, 46, 228].forEach((v, k) => paint(9, 10 + k, v));
  await writeFile(
    path,
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

test('eval reads a binary mask with grey edge pixels as one anomaly class, not a class per grey', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-mask-'));
  try {
    const mask = join(dir, 'a.png');
    await binaryMaskWithGreyEdges(mask);
    const { classes, binary } = await readClasses([dir], [{ path: join(dir, 'image.png'), anomalous: true, mask }]);
    assert.equal(binary, true);
    assert.equal(classes.length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('eval still reads coloured masks as one class per colour', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-mask-'));
  try {
    const width = 20;
    const rgb = Buffer.alloc(width * width * 3);
    for (let i = 0; i < 100; i++) rgb.set([255, 0, 0], i * 3);
    for (let i = 100; i < 200; i++) rgb.set([0, 0, 255], i * 3);
    const mask = join(dir, 'a.png');
    await writeFile(
      mask,
      await sharp(rgb, { raw: { width, height: width, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const { classes, binary } = await readClasses([dir], [{ path: join(dir, 'image.png'), anomalous: true, mask }]);
    assert.equal(binary, false);
    assert.deepEqual(classes.map((c) => c.color).sort(), ['#0000FF', '#FF0000']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
