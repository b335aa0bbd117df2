import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { greedyCoresetBatched } from '../../src/ml/components/batchedCoreset.js';
import { greedyCoreset, greedyCoresetBruteForce } from '../../src/ml/components/coreset.js';
import { makeBank, nearest } from '../../src/ml/components/nearest.js';
import { PatchReservoir } from '../../src/ml/components/patchReservoir.js';
import { Rng } from '../../src/ml/components/random.js';
import { loadDetector, type TrainingImage, type TrainProgress, train } from '../../src/ml/index.js';
import { buildMemoryBankFrom } from '../../src/ml/patchcore.js';
import { COOKIES } from '../helpers/datasets.js';

function clustered(n: number, dim: number, seed: number, clusters: number): Float32Array {
  const rng = new Rng(seed);
  const centres = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => rng.gaussian() * 4));
  const out = new Float32Array(n * dim);
  // Clusters of unequal sizes and spreads, as patch features are.
  for (let i = 0; i < n; i++) {
    const c = Math.floor(clusters * rng.next() ** 2);
    for (let d = 0; d < dim; d++) out[i * dim + d] = centres[c]![d]! + rng.gaussian() * (0.5 + c / clusters);
  }
  return out;
}

/** The largest distance from any point to its nearest chosen point (what k-center minimises). */
async function coveringRadius(x: Float32Array, dim: number, chosen: ArrayLike<number>): Promise<number> {
  const centres = new Float32Array(chosen.length * dim);
  for (let j = 0; j < chosen.length; j++) centres.set(x.subarray(chosen[j]! * dim, (chosen[j]! + 1) * dim), j * dim);
  const { distance } = await nearest(x, makeBank(centres, dim));
  return distance.reduce((m, d) => Math.max(m, d), 0);
}

describe('batched greedy coreset', () => {
  it('makes the plain greedy choice (up to float near-ties), deterministic with its seed', async () => {
    const dim = 16;
    const x = clustered(2000, dim, 1, 12);
    const plain = greedyCoresetBruteForce(x, dim, 200, 3);
    const batched = await greedyCoresetBatched(x, dim, 200, 3, 1, 32);
    // Distances come from a matrix product in float32: the first picks are identical, the radius equal.
    assert.deepEqual(Array.from(batched.subarray(0, 50)), Array.from(plain.subarray(0, 50)));
    const [rPlain, rBatched] = [await coveringRadius(x, dim, plain), await coveringRadius(x, dim, batched)];
    assert.ok(Math.abs(rBatched - rPlain) <= 0.01 * rPlain, `covering radius ${rBatched} vs ${rPlain}`);
    assert.equal(new Set(batched).size, 200, 'no point is chosen twice');
    assert.deepEqual(await greedyCoresetBatched(x, dim, 200, 3, 1, 32), batched);
    assert.notDeepEqual(Array.from(await greedyCoresetBatched(x, dim, 200, 4, 1, 32)), Array.from(batched));
  });

  it('on a bounded random sample of the points covers them all nearly as well as the exact coreset of all', async () => {
    const dim = 16;
    const n = 12_000;
    const x = clustered(n, dim, 2, 30);
    const exact = await coveringRadius(x, dim, greedyCoreset(x, dim, 300, 1));
    const reservoir = new PatchReservoir(2000, dim, 5);
    for (let i = 0; i < n; i += 100) reservoir.add({ width: 10, height: 10, channels: dim, data: x.subarray(i * dim, (i + 100) * dim) }, i / 100);
    assert.equal(reservoir.total, n);
    assert.equal(reservoir.size, 2000);
    const memory = await buildMemoryBankFrom(reservoir, { coresetRatio: 0.025, minBankSize: 1, maxBankSize: 10_000, projectionDim: 0, seed: 1 });
    assert.equal(memory.bank.size, 300, 'the ratio applies to all the patches offered, the coreset runs on the sample');
    const { distance } = await nearest(x, memory.bank);
    const sampled = distance.reduce((m, d) => Math.max(m, d), 0);
    assert.ok(sampled <= 1.25 * exact, `covering radius from the sample ${sampled.toFixed(2)} vs exact ${exact.toFixed(2)}`);
  });
});

describe('patch reservoir', () => {
  const map = (value: number, count: number, dim = 2) => ({ width: count, height: 1, channels: dim, data: new Float32Array(count * dim).fill(value) });

  it('keeps every patch in arrival order while they fit, then a uniform sample of fixed size', () => {
    const small = new PatchReservoir(100, 2, 1);
    small.add(map(1, 30), 0);
    small.add(map(2, 40), 1);
    const s = small.sample();
    assert.equal(s.source.length, 70);
    assert.deepEqual(Array.from(s.data.subarray(58, 62)), [1, 1, 2, 2]);
    assert.deepEqual(Array.from(s.source.subarray(28, 32)), [0, 0, 1, 1]);

    // 200 images of 50 patches through a reservoir of 1 000: each image keeps about 5.
    const big = new PatchReservoir(1000, 2, 2);
    for (let k = 0; k < 200; k++) big.add(map(k, 50), k);
    const b = big.sample();
    assert.equal(big.total, 10_000);
    assert.equal(b.source.length, 1000);
    const perImage = new Array<number>(200).fill(0);
    for (let j = 0; j < 1000; j++) {
      perImage[b.source[j]!]!++;
      assert.equal(b.data[2 * j], b.source[j], 'each patch keeps its image');
    }
    const firstHalf = perImage.slice(0, 100).reduce((a, c) => a + c, 0);
    assert.ok(firstHalf > 420 && firstHalf < 580, `early and late images are sampled alike (${firstHalf} of 1000 from the first half)`);
  });
});

// Real cookie photos (CC BY-SA 4.0, see test/fixtures/README.md).
const read = (path: string): Uint8Array => new Uint8Array(readFileSync(join(COOKIES, path)));

describe('training beyond the bounds', () => {
  it('streams its images, samples the coreset candidates, scores a bounded subset of the normals, and detects', async () => {
    let open = 0;
    let mostOpen = 0;
    let reads = 0;
    const lazy = (path: string) => async (): Promise<Uint8Array> => {
      open++;
      reads++;
      mostOpen = Math.max(mostOpen, open);
      await new Promise((resolve) => setImmediate(resolve));
      open--;
      return read(path);
    };
    // 36 normals (12 photos, each three times): more than the 32 the principal subspace is fitted on.
    const normals = Array.from({ length: 36 }, (_, i) => 1 + (i % 12));
    const images = (bytes: (path: string) => TrainingImage['bytes']): TrainingImage[] => [
      ...normals.map((n) => ({ bytes: bytes(`training-images/normal-${n}.jpg`), anomalous: false })),
      ...[1, 3, 5, 7].map((n) => ({ bytes: bytes(`training-images/anomaly-${n}.jpg`), anomalous: true })),
    ];
    const progress: TrainProgress[] = [];
    // 36 normals × 432 patches at 192 px: far more patches than the 4 000 candidates allowed.
    const options = { resolution: 192, threads: 2, seed: 3, heldOutNormals: 5, bank: { maxCandidates: 4000, minBankSize: 100 } };
    const streamed = await train(images(lazy), { ...options, onProgress: (p) => progress.push(p) });
    const m = streamed.metrics;
    assert.equal(m.patches, 36 * 432);
    assert.equal(m.coresetCandidates, 4000);
    assert.equal(m.bankSize, Math.round(0.1 * 36 * 432));
    assert.equal(m.heldOutNormals, 5);
    assert.equal(progress.filter((p) => p.stage === 'scoring').at(-1)?.total, 5 + 4, 'only the held-out normals and the anomalies are scored');
    assert.equal(mostOpen, 1, 'one image is read at a time');
    assert.equal(reads, 40 + 40, 'each image is read for the typical size and once for its features');

    const held = await train(images(read), options);
    assert.deepEqual(held.artifact, streamed.artifact, 'images in memory or read on demand train the same model');

    const detector = await loadDetector(streamed.artifact);
    const crack = await detector.detect(read('training-images/anomaly-2.jpg'));
    const plain = await detector.detect(read('training-images/normal-13.jpg'));
    assert.ok(crack.score > plain.score, `anomaly ${crack.score} vs normal ${plain.score}`);
  });

  it('keeps every patch as a candidate and scores every normal when they fit', async () => {
    const images = [1, 2, 3, 4, 5, 6].map((n) => ({ bytes: read(`training-images/normal-${n}.jpg`), anomalous: false }));
    const m = (await train(images, { resolution: 192, threads: 2, bank: { minBankSize: 100 } })).metrics;
    assert.equal(m.coresetCandidates, m.patches);
    assert.equal(m.heldOutNormals, 6);
  });
});
