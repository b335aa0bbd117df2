import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { parseArtifact, serializeArtifact } from '../../src/ml/artifact.js';
import { type RgbImage, standardizeIntensity } from '../../src/ml/components/image.js';
import { loadDetector, type TrainResult, train } from '../../src/ml/index.js';
import { decodeModel } from '../../src/ml/model.js';
import { DEFAULT_FEATURE_DIM, TEXTURE_FEATURE_DIM, TEXTURE_INTENSITY } from '../../src/ml/training/options.js';
import { ALIENS } from '../helpers/datasets.js';

function statistics(image: RgbImage): { mean: number; sd: number } {
  const n = image.data.length;
  const mean = image.data.reduce((a, v) => a + v, 0) / n;
  return { mean, sd: Math.sqrt(image.data.reduce((a, v) => a + (v - mean) ** 2, 0) / n) };
}

const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(ALIENS, 'normal', name)));

/** The same photo with its exposure and contrast changed linearly (values × 0.6 + 30), as PNG. */
async function reExposed(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await sharp(bytes).linear(0.6, 30).png().toBuffer());
}

describe('intensity standardisation', () => {
  it('maps pixel values to the target mean and spread, clipped to 0..255', () => {
    const image: RgbImage = { width: 4, height: 1, data: Uint8Array.of(10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40) };
    const s = statistics(standardizeIntensity(image, { mean: 120, sd: 35 }));
    assert.ok(Math.abs(s.mean - 120) < 0.5 && Math.abs(s.sd - 35) < 0.5, JSON.stringify(s));
    const wide = standardizeIntensity({ width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 255, 255, 255) }, { mean: 128, sd: 200 });
    assert.deepEqual([...wide.data], [0, 0, 0, 255, 255, 255]);
  });

  it('shifts a flat image to the target mean without dividing by its zero spread', () => {
    const flat = standardizeIntensity({ width: 2, height: 1, data: new Uint8Array(6).fill(200) }, { mean: 120, sd: 35 });
    assert.deepEqual([...flat.data], new Array(6).fill(120));
  });

  describe('in texture models', () => {
    let texture: TrainResult;
    let part: TrainResult;
    const names = ['1.png', '10.png', '11.png', '12.png', '13.png', '14.png'];

    before(async () => {
      const images = names.map((n) => ({ bytes: read(n), anomalous: false }));
      texture = await train(images, { surface: 'texture', resolution: 160, threads: 2 });
      part = await train(images, { resolution: 160, threads: 2 });
    });

    it('is recorded in the artifact of texture models only, from format 5 on', async () => {
      assert.deepEqual(decodeModel(texture.artifact).preprocessing.intensity, TEXTURE_INTENSITY);
      assert.equal(decodeModel(part.artifact).preprocessing.intensity, undefined);
      const { meta, arrays } = parseArtifact(texture.artifact);
      await assert.rejects(loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), 4)), /intensity target is malformed/);
      const flat = { ...meta, preprocessing: { ...(meta.preprocessing as object), intensity: { mean: 120, sd: 0 } } };
      await assert.rejects(loadDetector(serializeArtifact(flat, Object.fromEntries(arrays))), /intensity target is malformed/);
    });

    it('scores a patch by its 3 nearest bank entries, recorded from format 6 on; a malformed count is refused', async () => {
      assert.equal(decodeModel(texture.artifact).patchNeighbours, 3);
      assert.equal(decodeModel(part.artifact).patchNeighbours, undefined);
      const { meta, arrays } = parseArtifact(texture.artifact);
      const probe = read('15.png');
      const { patchNeighbours: _k, ...nearestOnly } = meta;
      const [k3, k1] = await Promise.all([texture.artifact, serializeArtifact(nearestOnly, Object.fromEntries(arrays))].map(async (a) => (await loadDetector(a)).detect(probe)));
      assert.notEqual(k3!.score, k1!.score);
      await assert.rejects(loadDetector(serializeArtifact(meta, Object.fromEntries(arrays), 5)), /patch neighbour count is malformed/);
      for (const bad of [1, 17, 2.5, '3']) await assert.rejects(loadDetector(serializeArtifact({ ...meta, patchNeighbours: bad }, Object.fromEntries(arrays))), /patch neighbour count is malformed/);
      await assert.rejects(
        train(
          names.map((n) => ({ bytes: read(n), anomalous: false })),
          { patchNeighbours: 0 },
        ),
        RangeError,
      );
    });

    it('keeps TEXTURE_FEATURE_DIM principal directions of the patch features, parts DEFAULT_FEATURE_DIM, unless featureDim says', async () => {
      assert.equal(texture.metrics.featureDim, TEXTURE_FEATURE_DIM);
      assert.equal(part.metrics.featureDim, DEFAULT_FEATURE_DIM);
      const chosen = await train(
        names.map((n) => ({ bytes: read(n), anomalous: false })),
        { surface: 'texture', featureDim: 32, resolution: 160, threads: 2 },
      );
      assert.equal(chosen.metrics.featureDim, 32);
    });

    it('makes the score independent of the exposure: a re-exposed photo scores as the original does', async () => {
      const original = read('15.png');
      const darker = await reExposed(original);
      const withIt = await loadDetector(texture.artifact);
      const [a, b] = [await withIt.detect(original), await withIt.detect(darker)];
      const without = await loadDetector(part.artifact);
      const [c, d] = [await without.detect(original), await without.detect(darker)];
      const change = (x: number, y: number): number => Math.abs(x - y) / Math.abs(x);
      assert.ok(change(a.score, b.score) < 0.05, `texture model: ${a.score} vs ${b.score}`);
      assert.ok(change(c.score, d.score) > 2 * change(a.score, b.score), `part model: ${c.score} vs ${d.score}; texture ${a.score} vs ${b.score}`);
    });
  });
});
