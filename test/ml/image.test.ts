import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ALL_AUGMENTATIONS, augment, decodeClassMask, decodeRgb, ImageFormatError, imageSize, type RgbImage, TILT_AUGMENTATIONS, tilt } from '../../src/ml/components/image.js';
import { imageFormatOf } from '../../src/util/imageFormat.js';
import { COOKIE_SIZE, COOKIES } from '../helpers/datasets.js';

describe('image pipeline', () => {
  it('recognises PNG and JPEG by content and refuses anything else', async () => {
    const jpeg = new Uint8Array(readFileSync(join(COOKIES, 'training-images', 'normal-1.jpg')));
    const png = new Uint8Array(
      await sharp({ create: { width: 4, height: 3, channels: 3, background: '#102030' } })
        .png()
        .toBuffer(),
    );
    assert.equal(imageFormatOf(jpeg), 'jpeg');
    assert.equal(imageFormatOf(png), 'png');
    const gif = new Uint8Array(
      await sharp({ create: { width: 4, height: 3, channels: 3, background: '#000' } })
        .gif()
        .toBuffer(),
    );
    await assert.rejects(decodeRgb(gif), ImageFormatError);
    await assert.rejects(decodeRgb(new TextEncoder().encode('hello')), ImageFormatError);
    await assert.rejects(decodeRgb(jpeg.subarray(0, 200)), ImageFormatError);
    const rgb = await decodeRgb(png);
    assert.deepEqual([rgb.width, rgb.height, rgb.data[0], rgb.data[1], rgb.data[2]], [4, 3, 0x10, 0x20, 0x30]);
    assert.deepEqual(await imageSize(jpeg), COOKIE_SIZE);
    const small = await decodeRgb(jpeg, { width: 64, height: 96 });
    assert.equal(small.data.length, 64 * 96 * 3);
  });

  it('applies the EXIF orientation', async () => {
    const upright = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    const rotated = new Uint8Array(await sharp(upright).withMetadata({ orientation: 6 }).jpeg().toBuffer());
    assert.deepEqual(await imageSize(rotated), { width: 4, height: 8 });
    const decoded = await decodeRgb(rotated);
    assert.deepEqual([decoded.width, decoded.height], [4, 8]);
  });

  it('refuses images over the pixel limit before decoding them', async () => {
    const huge = new Uint8Array(
      await sharp({ create: { width: 5000, height: 4000, channels: 3, background: '#000' } })
        .png({ compressionLevel: 9 })
        .toBuffer(),
    );
    await assert.rejects(decodeRgb(huge), /pixel limit|cannot be decoded/);
  });

  it('flips and rotations are symmetries of the square', () => {
    const image: RgbImage = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    const rot = (i: RgbImage, n: number): RgbImage => (n ? rot(augment(i, 'rot90'), n - 1) : i);
    assert.deepEqual(rot(image, 4), image);
    assert.deepEqual(augment(augment(image, 'flipH'), 'flipH'), image);
    const r = augment(image, 'rot90');
    assert.deepEqual([r.width, r.height], [2, 3]);
    const all = ALL_AUGMENTATIONS.map((a) => Buffer.from(augment(image, a).data).toString('hex'));
    assert.equal(new Set(all).size, 8);
  });

  it('tilts by small angles about the centre, keeping the size and a plain background plain', () => {
    const square: RgbImage = { width: 5, height: 5, data: Uint8Array.from({ length: 75 }, (_, i) => (i * 37) % 256) };
    assert.deepEqual(tilt(square, 0), square);
    assert.deepEqual(tilt(square, 90), augment(square, 'rot90'), 'a 90° tilt of a square is the clockwise rotation');
    const plain: RgbImage = { width: 6, height: 4, data: new Uint8Array(72).fill(200) };
    assert.deepEqual(tilt(plain, 10), plain);
    const views = TILT_AUGMENTATIONS.map((a) => augment(square, a));
    assert.ok(views.every((v) => v.width === 5 && v.height === 5));
    assert.equal(new Set(views.map((v) => Buffer.from(v.data).toString('hex'))).size, 5);
    // The centre pixel stays where it is.
    for (const v of views) assert.deepEqual(v.data.subarray(36, 39), square.data.subarray(36, 39));
  });

  it('reads segmentation masks as class indices (transparent background, colour match)', async () => {
    const mask = new Uint8Array(readFileSync(join(COOKIES, 'mask-images', 'anomaly-1.png')));
    const classes = await decodeClassMask(mask, { width: 144, height: 192 }, ['#23A436']);
    const counts = [0, 0];
    for (const c of classes) counts[c]!++;
    assert.ok(counts[1]! > 0 && counts[0]! > counts[1]!, `class counts ${counts}`);
  });
});
