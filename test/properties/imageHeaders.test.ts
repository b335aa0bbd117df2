import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeRgb, ImageFormatError, imageSize } from '../../src/ml/components/image.js';
import { checkDecodes, checkImage, ImageCheckError } from '../../src/service/imageChecks.js';
import { ALIENS, COOKIES } from '../helpers/datasets.js';

const PNG = readFileSync(join(ALIENS, 'normal', '1.png'));
const JPEG = readFileSync(join(COOKIES, 'training-images', 'anomaly-1.jpg'));

/** A real image cut short, with some bytes flipped, or its signature followed by random bytes. */
const damagedImage = fc.oneof(
  fc.record({ image: fc.constantFrom(PNG, JPEG), cut: fc.nat(), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }) }).map(({ image, cut, flips }) => {
    const bytes = Buffer.from(image.subarray(0, 8 + (cut % (image.length - 7))));
    for (const [at, mask] of flips) bytes[at % bytes.length] ^= mask;
    return bytes;
  }),
  fc.tuple(fc.constantFrom(PNG.subarray(0, 8), JPEG.subarray(0, 3)), fc.uint8Array({ maxLength: 2048 })).map(([signature, rest]) => Buffer.concat([signature, rest])),
);

/** Settles a promise to its outcome: nothing, or the error it was rejected with. */
const outcome = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => undefined,
    (error: unknown) => error,
  );

test('damaged PNG and JPEG bytes are refused only with the documented image errors, never anything else', async () => {
  await fc.assert(
    fc.asyncProperty(damagedImage, async (bytes) => {
      for (const error of [await outcome(checkImage(bytes)), await outcome(checkDecodes(bytes))]) {
        if (error !== undefined) assert.ok(error instanceof ImageCheckError, `dataset checks: ${String(error)}`);
      }
      for (const error of [await outcome(imageSize(bytes)), await outcome(decodeRgb(bytes, { width: 32, height: 32 }))]) {
        if (error !== undefined) assert.ok(error instanceof ImageFormatError, `detection decoder: ${String(error)}`);
      }
    }),
    { numRuns: 150 },
  );
});
