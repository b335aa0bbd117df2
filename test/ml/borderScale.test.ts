import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScoreMap } from '../../src/ml/anomalyMap.js';
import { applyBorderScale, BORDER_RINGS, fitBorderScale } from '../../src/ml/borderScale.js';
import { Rng } from '../../src/ml/components/random.js';

/** A 12×10 grid of scores around 1, its outermost ring `edge` times higher and the next one `next` times. */
function grid(seed: number, edge: number, next: number): ScoreMap {
  const rng = new Rng(seed);
  const width = 12;
  const height = 10;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ring = Math.min(x, y, width - 1 - x, height - 1 - y);
      data[y * width + x] = (1 + 0.1 * rng.next()) * (ring === 0 ? edge : ring === 1 ? next : 1);
    }
  }
  return { width, height, data };
}

describe('border scale', () => {
  it('divides noisy border rings by how much noisier they are than the interior', () => {
    const normals = [1, 2, 3, 4, 5].map((s) => grid(s, 3, 1.5));
    const scale = fitBorderScale(normals);
    assert.equal(scale.length, BORDER_RINGS);
    assert.ok(Math.abs(scale[0]! - 3) < 0.3 && Math.abs(scale[1]! - 1.5) < 0.15, `scale ${scale}`);
    const test = grid(9, 3, 1.5);
    const before = Math.max(...test.data);
    applyBorderScale(test, scale);
    assert.ok(Math.max(...test.data) < before / 2, 'the edge no longer dominates');
    assert.ok(Math.max(...test.data) < 1.3);
  });

  it('leaves quiet borders (a part on a plain background) and tiny grids as they are', () => {
    assert.deepEqual(fitBorderScale([1, 2, 3].map((s) => grid(s, 0.2, 0.5))), [1, 1]);
    const tiny: ScoreMap = { width: 3, height: 3, data: new Float32Array(9).fill(2) };
    assert.deepEqual(fitBorderScale([tiny]), [1, 1]);
    const g = grid(4, 0.2, 0.5);
    const copy = Float32Array.from(g.data);
    applyBorderScale(g, [1, 1]);
    assert.deepEqual(g.data, copy);
  });
});
