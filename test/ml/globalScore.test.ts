import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureMap } from '../../src/ml/components/backbone.js';
import { Rng } from '../../src/ml/components/random.js';
import { descriptorDim, fuseScores, type GlobalDescriptorKind, globalDescriptor, globalDistance, robustScale } from '../../src/ml/globalScore.js';
import { buildMemoryBank, maxScore, scorePatches } from '../../src/ml/patchcore.js';

const W = 6;
const H = 6;
const C = 4;
/** Two kinds of part, A and B, as patch features (plus noise). */
const PART = { A: [3, 0, 0, 0], B: [0, 3, 0, 0] } as const;

/** A W×H map whose rows are made of the given parts, with Gaussian noise σ = 0.3. */
function image(rows: Array<keyof typeof PART>, rng: Rng): FeatureMap {
  const data = new Float32Array(W * H * C);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) data[(y * W + x) * C + c] = PART[rows[y]!][c]! + 0.3 * rng.gaussian();
  return { width: W, height: H, channels: C, data };
}

describe('global score fused with the patch score', () => {
  it('pools the pyramid levels 1×1 and 2×2 (and 1×1 only for mean)', () => {
    // 2 × 3 grid (height 2, width 3), 1 channel: values 0..5 row-major.
    const map: FeatureMap = { width: 3, height: 2, channels: 1, data: Float32Array.from([0, 1, 2, 3, 4, 5]) };
    // whole: 2.5; quadrants (rows [0,1) [1,2), columns [0,1) [1,3)): 0, (1+2)/2, 3, (4+5)/2
    assert.deepEqual(Array.from(globalDescriptor(map, 'pyramid')), [2.5, 0, 1.5, 3, 4.5]);
    assert.deepEqual(Array.from(globalDescriptor(map, 'mean')), [2.5]);
    assert.equal(descriptorDim('pyramid', 128), 640);
    assert.equal(descriptorDim('mean', 128), 128);
  });

  it('standardises by median and MAD, fuses by the larger z-score, and leaves one source out', () => {
    const r = robustScale([1, 2, 3, 4, 100]);
    assert.equal(r.median, 3);
    assert.ok(Math.abs(r.scale - 1.4826) < 1e-12);
    // MAD 0: the standard deviation
    const flat = robustScale([2, 2, 2, 5]);
    assert.equal(flat.median, 2);
    assert.ok(Math.abs(flat.scale - 1.5) < 1e-12);
    const g = { patch: { median: 10, scale: 2 }, global: { median: 1, scale: 0.5 } };
    assert.equal(fuseScores(14, 1, g), 2); // patch z 2, global z 0
    assert.equal(fuseScores(10, 3, g), 4); // patch z 0, global z 4
    const descriptors = Float32Array.from([0, 0, 1, 0, 5, 5]);
    assert.equal(globalDistance(Float32Array.from([0, 0]), descriptors, 2), 0);
    assert.equal(globalDistance(Float32Array.from([0, 0]), descriptors, 2, [7, 8, 9], 7), 1);
    assert.equal(globalDistance(Float32Array.from([0, 0]), descriptors, 2, [7, 7, 7], 7), Infinity);
  });

  it('catches an image whose patches are all normal but whose composition is not; the patch score does not', async () => {
    const rng = new Rng(11);
    const normalRows: Array<keyof typeof PART> = ['A', 'A', 'A', 'B', 'B', 'B'];
    const normals = Array.from({ length: 10 }, () => image(normalRows, rng));
    const memory = await buildMemoryBank(
      normals,
      normals.map((_, k) => k),
      { minBankSize: 4096, seed: 1 },
    );
    assert.equal(memory.bank.size, 10 * W * H, 'every patch in the bank');
    // A missing part (all A: B is gone) and a rearranged one (B above A): each patch is a normal patch.
    const missing = image(['A', 'A', 'A', 'A', 'A', 'A'], rng);
    const swapped = image(['B', 'B', 'B', 'A', 'A', 'A'], rng);
    const patchScore = async (m: FeatureMap, exclude?: number): Promise<number> => maxScore((await scorePatches(m, memory, { excludeSource: exclude })).grid);
    const normalPatch = await Promise.all(normals.map((m, k) => patchScore(m, k)));
    const worstNormalPatch = Math.max(...normalPatch);
    for (const m of [missing, swapped]) assert.ok((await patchScore(m)) <= worstNormalPatch, 'the patch score alone does not tell it from the held-out normals');

    const fused = async (kind: GlobalDescriptorKind, m: FeatureMap): Promise<{ score: number; worstNormal: number }> => {
      const dim = descriptorDim(kind, C);
      const descriptors = new Float32Array(normals.length * dim);
      normals.forEach((n, k) => descriptors.set(globalDescriptor(n, kind), k * dim));
      const sources = normals.map((_, k) => k);
      const normalGlobal = normals.map((n, k) => globalDistance(globalDescriptor(n, kind), descriptors, dim, sources, k));
      const g = { patch: robustScale(normalPatch), global: robustScale(normalGlobal) };
      const worstNormal = Math.max(...normals.map((_, k) => fuseScores(normalPatch[k]!, normalGlobal[k]!, g)));
      return { score: fuseScores(await patchScore(m), globalDistance(globalDescriptor(m, kind), descriptors, dim), g), worstNormal };
    };
    // A missing part changes how much of each part there is: both descriptors see it.
    for (const kind of ['pyramid', 'mean'] as const) {
      const f = await fused(kind, missing);
      assert.ok(f.score > f.worstNormal + 3, `${kind}: missing part ${f.score} vs held-out normals up to ${f.worstNormal}`);
    }
    // Rearranged parts keep the whole-image mean: only the pyramid's quadrants see it.
    const p = await fused('pyramid', swapped);
    assert.ok(p.score > p.worstNormal + 3, `pyramid: rearranged ${p.score} vs ${p.worstNormal}`);
    const m = await fused('mean', swapped);
    assert.ok(m.score <= m.worstNormal + 3, `mean: rearranged ${m.score} vs ${m.worstNormal}`);
  });
});
