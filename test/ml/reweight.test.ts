import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeBank } from '../../src/ml/components/nearest.js';
import { Rng } from '../../src/ml/components/random.js';
import { bankNeighbours, imageScore, REWEIGHT_NEIGHBOURS, type Reweighting, reweightFactor, scorePatches } from '../../src/ml/patchcore.js';

function gaussian(n: number, dim: number, rng: Rng, offset = 0): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) out[i * dim + d] = rng.gaussian() + (d === 0 ? offset : 0);
  return out;
}

const distance = (a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number => {
  let s = 0;
  for (let d = 0; d < dim; d++) s += (a[i * dim + d]! - b[j * dim + d]!) ** 2;
  return Math.sqrt(s);
};

/** The paper's formula as written: 1 − exp(d₀) / Σ exp(d_j). */
const naiveFactor = (d: number[]): number => 1 - Math.exp(d[0]!) / d.reduce((a, x) => a + Math.exp(x), 0);

/**
 * Brute force of the whole re-weighted image score: every patch against every bank vector by loops, the
 * largest patch distance s*, m*'s b − 1 nearest other bank vectors by sorting all distances, the formula.
 * `stable`: the formula with exp(d₀) divided out (exp(d₀) / Σ exp(d_j) = 1 / Σ exp(d_j − d₀)), for
 * distances where the naive one overflows.
 */
function bruteForce(test: Float32Array, vectors: Float32Array, dim: number, b: number, stable: boolean): { score: number; sStar: number; naive: number } {
  const n = test.length / dim;
  const m = vectors.length / dim;
  let sStar = -Infinity;
  let worst = -1;
  let mStar = -1;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let arg = -1;
    for (let j = 0; j < m; j++) {
      const d = distance(test, i, vectors, j, dim);
      if (d < best) [best, arg] = [d, j];
    }
    if (best > sStar) [sStar, worst, mStar] = [best, i, arg];
  }
  const others = Array.from({ length: m }, (_, j) => j)
    .filter((j) => j !== mStar)
    .sort((x, y) => distance(vectors, mStar, vectors, x, dim) - distance(vectors, mStar, vectors, y, dim))
    .slice(0, b - 1);
  const d = [mStar, ...others].map((j) => distance(test, worst, vectors, j, dim));
  const factor = stable ? 1 - 1 / d.reduce((a, x) => a + Math.exp(x - d[0]!), 0) : naiveFactor(d);
  return { score: factor * sStar, sStar, naive: naiveFactor(d) * sStar };
}

describe('image-score re-weighting (PatchCore eq. 7)', () => {
  it('bank neighbour lists are the nearest other entries, nearest first', async () => {
    const rng = new Rng(11);
    const dim = 6;
    const vectors = gaussian(150, dim, rng);
    const bank = makeBank(vectors, dim);
    const width = 8;
    const lists = await bankNeighbours(bank, width);
    for (let j = 0; j < bank.size; j++) {
      const expected = Array.from({ length: bank.size }, (_, i) => i)
        .filter((i) => i !== j)
        .sort((x, y) => distance(vectors, j, vectors, x, dim) - distance(vectors, j, vectors, y, dim))
        .slice(0, width);
      assert.deepEqual(Array.from(lists.subarray(j * width, (j + 1) * width)), expected, `entry ${j}`);
    }
    // More neighbours asked for than there are other entries: all of them.
    const small = makeBank(vectors.subarray(0, 4 * dim), dim);
    assert.equal((await bankNeighbours(small, 9)).length, 4 * 3);
  });

  it('equals a brute-force computation of the formula on small random data', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const rng = new Rng(seed);
      const dim = 8;
      const vectors = gaussian(120, dim, rng);
      const test = gaussian(30, dim, rng);
      const bank = makeBank(vectors, dim);
      const b = REWEIGHT_NEIGHBOURS;
      const reweighting: Reweighting = { b, width: b - 1, neighbours: await bankNeighbours(bank, b - 1) };
      const scored = await scorePatches({ width: 6, height: 5, channels: dim, data: test }, { bank, source: new Int32Array(bank.size) });
      const got = imageScore(scored.grid, scored.nearestIndex, test, bank, reweighting);
      const plain = imageScore(scored.grid, scored.nearestIndex, test, bank);
      const ref = bruteForce(test, vectors, dim, b, false);
      assert.ok(Number.isFinite(ref.naive));
      assert.ok(Math.abs(got - ref.score) <= 1e-4 * ref.score, `seed ${seed}: ${got} vs brute force ${ref.score}`);
      assert.ok(Math.abs(plain - ref.sStar) <= 1e-4 * ref.sStar, `seed ${seed}: max ${plain} vs ${ref.sStar}`);
      // the factor lies in [1 − 1/b, 1) and here actually re-weights
      assert.ok(got < plain && got >= (1 - 1 / b) * plain - 1e-9, `${got} vs ${plain}`);
    }
  });

  it('stays finite and exact where the naive formula overflows (distances in the hundreds)', async () => {
    for (const seed of [5, 6]) {
      const rng = new Rng(seed);
      const dim = 8;
      const vectors = gaussian(100, dim, rng);
      // Test patches ~800 feature units away from the bank: exp(800) is Infinity in double precision.
      const test = gaussian(12, dim, rng, 800);
      const bank = makeBank(vectors, dim);
      const b = REWEIGHT_NEIGHBOURS;
      const reweighting: Reweighting = { b, width: b - 1, neighbours: await bankNeighbours(bank, b - 1) };
      const scored = await scorePatches({ width: 4, height: 3, channels: dim, data: test }, { bank, source: new Int32Array(bank.size) });
      const got = imageScore(scored.grid, scored.nearestIndex, test, bank, reweighting);
      const ref = bruteForce(test, vectors, dim, b, true);
      assert.ok(Number.isNaN(ref.naive), 'the naive formula overflows (∞/∞) on these distances');
      assert.ok(ref.sStar > 750);
      assert.ok(Number.isFinite(got));
      assert.ok(Math.abs(got - ref.score) <= 1e-3 * ref.score, `seed ${seed}: ${got} vs brute force ${ref.score}`);
      assert.ok(got < ref.sStar, 'neighbours within a few units of m*: a real re-weighting');
    }
    // The factor alone: equal to the naive formula on the same gaps near 0 (the value depends on the gaps only).
    const gaps = [0, 0.3, 1.2, 2.5, 0.1, 4, 0.7, 3.3, 1.9];
    for (const base of [0, 50, 709, 1e4, 1e6]) {
      const f = reweightFactor(gaps.map((g) => g + base));
      assert.ok(Math.abs(f - naiveFactor(gaps)) < 1e-9, `base ${base}: ${f} vs ${naiveFactor(gaps)}`);
    }
    assert.ok(Number.isNaN(naiveFactor(gaps.map((g) => g + 1e4))));
  });

  it('leave-one-out: neighbours from the excluded image are skipped, as if the bank had been built without it', async () => {
    const rng = new Rng(9);
    const dim = 6;
    const vectors = gaussian(90, dim, rng);
    const source = Int32Array.from({ length: 90 }, (_, j) => j % 3);
    const test = gaussian(20, dim, rng);
    const bank = makeBank(vectors, dim);
    const b = REWEIGHT_NEIGHBOURS;
    const reweighting: Reweighting = { b, width: bank.size - 1, neighbours: await bankNeighbours(bank, bank.size - 1) };
    const scored = await scorePatches({ width: 5, height: 4, channels: dim, data: test }, { bank, source }, { excludeSource: 1 });
    const got = imageScore(scored.grid, scored.nearestIndex, test, bank, reweighting, { source, id: 1 });
    const kept = Array.from({ length: 90 }, (_, j) => j).filter((j) => source[j] !== 1);
    const reduced = new Float32Array(kept.length * dim);
    kept.forEach((j, k) => reduced.set(vectors.subarray(j * dim, (j + 1) * dim), k * dim));
    const ref = bruteForce(test, reduced, dim, b, false);
    assert.ok(Math.abs(got - ref.score) <= 1e-4 * ref.score, `${got} vs brute force on the reduced bank ${ref.score}`);
  });

  it('is monotone in s* for a fixed neighbourhood', () => {
    // Fixed neighbourhood: the gaps d_j − d₀ stay the same while s* = d₀ grows (here past the overflow point).
    for (const seed of [1, 2, 3]) {
      const rng = new Rng(seed);
      const gaps = [0, ...Array.from({ length: REWEIGHT_NEIGHBOURS - 1 }, () => rng.next() * 3)];
      let previous = -Infinity;
      let factor: number | undefined;
      for (let sStar = 0.5; sStar < 2000; sStar *= 1.3) {
        const f = reweightFactor(gaps.map((g) => g + sStar));
        const score = f * sStar;
        assert.ok(score > previous, `seed ${seed}: ${score} after ${previous} at s* = ${sStar}`);
        if (factor !== undefined) assert.ok(Math.abs(f - factor) < 1e-12);
        factor = f;
        previous = score;
      }
    }
    // And for fixed distances to the neighbourhood, the score scales with s*.
    const d = [3, 3.5, 4, 3.2, 5, 3.1, 6, 3.05, 4.4];
    const scores = [1, 2, 5, 10, 100].map((s) => reweightFactor(d) * s);
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i]! > scores[i - 1]!);
  });
});
