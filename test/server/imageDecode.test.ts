import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DetectAnomaliesCommand, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import sharp from 'sharp';
import { ALIENS, hostedAliensModel } from '../helpers/datasets.js';
import { modelCounter, startTestVigil, type TestVigil } from '../helpers/vigil.js';

/** Images whose header is valid but whose pixels are not all there: each must be the client's error. */
async function damagedImages(): Promise<{ name: string; contentType: string; body: Buffer }[]> {
  const png = await readFile(join(ALIENS, 'normal', '1.png'));
  const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
  const cut = (bytes: Buffer, fraction: number) => bytes.subarray(0, Math.floor(bytes.length * fraction));
  const flipped = (bytes: Buffer, fraction: number) => {
    const copy = Buffer.from(bytes);
    copy[Math.floor(copy.length * fraction)] ^= 0xff;
    return copy;
  };
  // Signature and IHDR: a header that names a size, and no pixel data at all.
  const headerOnly = png.subarray(0, 8 + 8 + 13 + 4);
  return [
    { name: 'PNG cut at 50 %', contentType: 'image/png', body: cut(png, 0.5) },
    { name: 'PNG cut at 90 %', contentType: 'image/png', body: cut(png, 0.9) },
    { name: 'PNG header only', contentType: 'image/png', body: headerOnly },
    { name: 'PNG with a flipped byte', contentType: 'image/png', body: flipped(png, 0.6) },
    { name: 'PNG without its IEND chunk', contentType: 'image/png', body: png.subarray(0, png.length - 12) },
    { name: 'JPEG cut at 50 %', contentType: 'image/jpeg', body: cut(jpeg, 0.5) },
    { name: 'JPEG cut at 90 %', contentType: 'image/jpeg', body: cut(jpeg, 0.9) },
    { name: 'JPEG without its end marker', contentType: 'image/jpeg', body: jpeg.subarray(0, jpeg.length - 2) },
  ];
}

describe('DetectAnomalies with an image that cannot be decoded', () => {
  let vigil: TestVigil;
  let client: LookoutVisionClient;
  const detect = (contentType: string, body: Buffer) => client.send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: contentType, Body: body }));
  const invalidCount = () => modelCounter(vigil, 'vigil_invalid_images_total', 'aliens', '1');

  before(async () => {
    vigil = await startTestVigil();
    client = vigil.lookoutVision();
    await hostedAliensModel(vigil, client);
  });
  after(async () => {
    client?.destroy();
    await vigil?.stop();
  });

  test('is a 400 ValidationException ("cannot be decoded"), never a 500, and counts as InvalidImageCount', async () => {
    const images = await damagedImages();
    const before = await invalidCount();
    for (const image of images) {
      await assert.rejects(detect(image.contentType, image.body), (error: Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }) => {
        assert.equal(error.name, 'ValidationException', `${image.name}: ${error.name} ${error.message}`);
        assert.equal(error.$metadata?.httpStatusCode, 400, image.name);
        assert.equal(error.$metadata?.attempts, 1, `${image.name}: not retried`);
        assert.match(error.message, /cannot be decoded/, image.name);
        return true;
      });
    }
    assert.equal((await invalidCount()) - before, images.length);
    // The inference unit is unharmed: a whole image is still answered.
    const whole = await detect('image/png', await readFile(join(ALIENS, 'normal', '1.png')));
    assert.equal(typeof whole.DetectAnomalyResult?.IsAnomalous, 'boolean');
  });
});
