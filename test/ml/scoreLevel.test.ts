import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ScoreMap } from '../../src/ml/anomalyMap.js';
import { Rng } from '../../src/ml/components/random.js';
import { maxScore } from '../../src/ml/patchcore.js';
import { scoreLevel, subtractScoreLevel } from '../../src/ml/scoreLevel.js';

/** A 12×10 texture grid: scores around `level`, with one defect cell `defect` above it (0: none). */
function texture(seed: number, level: number, defect: number): ScoreMap {
  const rng = new Rng(seed);
  const data = Float32Array.from({ length: 120 }, () => level * (1 + 0.1 * rng.next()));
  data[45]! += defect;
  return { width: 12, height: 10, data };
}

describe('score level', () => {
  it('is the median cell, for odd and even cell counts', () => {
    assert.equal(scoreLevel({ width: 3, height: 1, data: Float32Array.of(5, 1, 3) }), 3);
    assert.equal(scoreLevel({ width: 4, height: 1, data: Float32Array.of(4, 1, 3, 8) }), 3.5);
  });

  it('ranks a defect on a dim texture above a defect-free bright one once each image is measured from its level', () => {
    const brightNormal = texture(1, 3, 0);
    const dimDefect = texture(2, 1, 1);
    assert.ok(maxScore(brightNormal) > maxScore(dimDefect), 'as they are, the bright normal scores higher');
    subtractScoreLevel(brightNormal);
    subtractScoreLevel(dimDefect);
    assert.ok(maxScore(dimDefect) > maxScore(brightNormal));
    assert.ok(Math.abs(scoreLevel(brightNormal)) < 1e-6 && Math.abs(scoreLevel(dimDefect)) < 1e-6);
  });
});
