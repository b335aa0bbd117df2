import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greedyCoreset, greedyCoresetBruteForce, projectForCoreset } from '../../src/ml/components/coreset.js';
import { bankVectors, makeBank, nearest, nearestBruteForce, nearestMean } from '../../src/ml/components/nearest.js';
import { Rng } from '../../src/ml/components/random.js';
import { buildMemoryBank } from '../../src/ml/patchcore.js';

function randomVectors(n: number, dim: number, seed: number, clusters = 0): Float32Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => rng.gaussian() * 5));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) out[i * dim + d] = rng.gaussian() + (clusters ? centres[i % clusters]![d]! : 0);
  return out;
}

describe('greedy coreset', () => {
  it('chooses exactly what the plain greedy algorithm chooses', () => {
    for (const [n, dim, k, clusters, seed] of [
      [500, 8, 50, 0, 1],
      [800, 16, 120, 5, 2],
      [300, 3, 300, 3, 3],
      [1000, 32, 64, 10, 4],
    ] as const) {
      const x = randomVectors(n, dim, seed, clusters);
      assert.deepEqual(Array.from(greedyCoreset(x, dim, k, seed)), Array.from(greedyCoresetBruteForce(x, dim, k, seed)), `n=${n} dim=${dim} k=${k}`);
    }
  });

  it('handles duplicates and sizes beyond the point count', () => {
    const x = new Float32Array(40).fill(1); // 20 identical 2-d points
    const chosen = greedyCoreset(x, 2, 30, 0);
    assert.equal(chosen.length, 20);
    assert.deepEqual(Array.from(greedyCoresetBruteForce(x, 2, 30, 0)).slice(0, 1), Array.from(chosen).slice(0, 1));
  });

  it('random projection keeps distances roughly (Johnson–Lindenstrauss)', async () => {
    const dim = 256;
    const x = randomVectors(50, dim, 5);
    const p = await projectForCoreset(x, dim, 128, 1);
    assert.equal(p.dim, 128);
    const d = (v: Float32Array, w: number, i: number, j: number): number => Math.sqrt(Array.from({ length: w }, (_, k) => (v[i * w + k]! - v[j * w + k]!) ** 2).reduce((a, b) => a + b));
    for (let i = 1; i < 20; i++) {
      const ratio = d(p.data, 128, 0, i) / d(x, dim, 0, i);
      assert.ok(ratio > 0.7 && ratio < 1.3, `distance ratio ${ratio}`);
    }
  });
});

describe('nearest neighbours on the runtime', () => {
  it('match a brute-force search', async () => {
    for (const [n, m, dim, seed] of [
      [200, 300, 16, 1],
      [57, 1000, 64, 2],
      [1, 5, 3, 3],
    ] as const) {
      const q = randomVectors(n, dim, seed);
      const b = randomVectors(m, dim, seed + 100);
      const fast = await nearest(q, makeBank(b, dim), { chunk: 37 });
      const slow = nearestBruteForce(q, b, dim);
      assert.deepEqual(Array.from(fast.index), Array.from(slow.index));
      for (let i = 0; i < n; i++) assert.ok(Math.abs(fast.distance[i]! - slow.distance[i]!) < 1e-3 * Math.max(1, slow.distance[i]!), `distance ${i}`);
    }
  });

  it('a penalty excludes bank entries (leave-one-out)', async () => {
    const dim = 4;
    const b = randomVectors(10, dim, 7);
    const q = b.slice(3 * dim, 4 * dim); // a bank vector itself
    const bank = makeBank(b, dim);
    assert.equal((await nearest(q, bank)).index[0], 3);
    const penalty = new Float32Array(10);
    penalty[3] = Infinity;
    const without = await nearest(q, bank, { penalty });
    const rest = nearestBruteForce(q, Float32Array.from(b).fill(1e6, 3 * dim, 4 * dim), dim);
    assert.equal(without.index[0], rest.index[0]);
    assert.ok(without.distance[0]! > 0);
  });

  it('the mean distance to the k nearest matches a brute-force search, penalty included', async () => {
    const dim = 8;
    const q = randomVectors(40, dim, 11);
    const b = randomVectors(300, dim, 12);
    const penalty = new Float32Array(300);
    for (let j = 0; j < 300; j += 7) penalty[j] = Infinity;
    const got = await nearestMean(q, makeBank(b, dim), 3, { penalty, chunk: 13 });
    const nearestOne = await nearest(q, makeBank(b, dim), { penalty });
    for (let i = 0; i < 40; i++) {
      const distances: number[] = [];
      for (let j = 0; j < 300; j++) {
        if (penalty[j] === Infinity) continue;
        let s = 0;
        for (let d = 0; d < dim; d++) s += (q[i * dim + d]! - b[j * dim + d]!) ** 2;
        distances.push(Math.sqrt(s));
      }
      distances.sort((x, y) => x - y);
      const mean = (distances[0]! + distances[1]! + distances[2]!) / 3;
      assert.ok(Math.abs(got.distance[i]! - mean) < 1e-3 * Math.max(1, mean), `query ${i}: ${got.distance[i]} vs ${mean}`);
      assert.equal(got.index[i], nearestOne.index[i]);
    }
    await assert.rejects(nearestMean(q, makeBank(b, dim), 301), /outside 1\.\.300/);
  });
});

describe('memory bank', () => {
  it('keeps the coreset share of the patches, each entry a real patch of its image', async () => {
    const dim = 8;
    const maps = [0, 1, 2].map((k) => ({ width: 10, height: 6, channels: dim, data: randomVectors(60, dim, 20 + k, 3) }));
    const memory = await buildMemoryBank(maps, [5, 6, 7], { coresetRatio: 0.25, minBankSize: 1, maxBankSize: 1000, projectionDim: 4 });
    assert.equal(memory.bank.size, 45);
    const vectors = bankVectors(memory.bank);
    for (let j = 0; j < memory.bank.size; j++) {
      const map = maps[memory.source[j]! - 5]!;
      const v = vectors.subarray(j * dim, (j + 1) * dim);
      let found = false;
      for (let i = 0; i < 60 && !found; i++) found = map.data.subarray(i * dim, (i + 1) * dim).every((x, d) => x === v[d]);
      assert.ok(found, `bank entry ${j} is a patch of image ${memory.source[j]}`);
    }
    // The ratio applies to all 180 patches; the bank cannot exceed the 50 candidates sampled from them.
    const capped = await buildMemoryBank(maps, [5, 6, 7], { coresetRatio: 0.25, minBankSize: 1, maxBankSize: 1000, maxCandidates: 50, projectionDim: 4 });
    assert.equal(capped.bank.size, 45);
    const fewer = await buildMemoryBank(maps, [5, 6, 7], { coresetRatio: 0.1, minBankSize: 1, maxBankSize: 1000, maxCandidates: 50, projectionDim: 4 });
    assert.equal(fewer.bank.size, 18);
    const bounded = await buildMemoryBank(maps, [5, 6, 7], { coresetRatio: 0.9, minBankSize: 1, maxBankSize: 20 });
    assert.equal(bounded.bank.size, 20);
  });
});
