/*
 * Principal subspace of the patch features, to make nearest-neighbour scoring and the coreset cheaper:
 * 816-d features are projected onto their top principal directions (fitted on a sample of the normal
 * patches). Distances only depend on the subspace, not on a basis of it or on the mean, so the projection
 * is a plain product x·Q with Q [dim × outDim] orthonormal, found by subspace (block power) iteration on the
 * covariance matrix; the products run on the runtime.
 */
import { matmul } from './matmul.js';
import { Rng } from './random.js';

export interface PcaOptions {
  /** Patches sampled for the covariance (default 20 000). */
  maxSamples?: number;
  /** Subspace iterations (default 12). */
  iterations?: number;
  seed?: number;
  threads?: number;
}

export interface Pca {
  dim: number;
  outDim: number;
  /** Row-major [dim × outDim], orthonormal columns. */
  components: Float32Array;
  /** Share of the sample's variance the subspace keeps. */
  explainedVariance: number;
}

/** Orthonormalizes the columns of a row-major [rows × cols] matrix in place (modified Gram–Schmidt). */
function orthonormalize(m: Float32Array, rows: number, cols: number): void {
  const col = Array.from({ length: cols }, (_, c) => {
    const v = new Float64Array(rows);
    for (let r = 0; r < rows; r++) v[r] = m[r * cols + c]!;
    return v;
  });
  for (let c = 0; c < cols; c++) {
    const v = col[c]!;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < c; p++) {
        const u = col[p]!;
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += u[r]! * v[r]!;
        for (let r = 0; r < rows; r++) v[r]! -= dot * u[r]!;
      }
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += v[r]! * v[r]!;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < rows; r++) v[r]! /= norm;
  }
  for (let c = 0; c < cols; c++) for (let r = 0; r < rows; r++) m[r * cols + c] = col[c]![r]!;
}

export async function fitPca(vectors: Float32Array, dim: number, outDim: number, options: PcaOptions = {}): Promise<Pca> {
  const n = vectors.length / dim;
  const rng = new Rng(options.seed ?? 0);
  const take = Math.min(n, options.maxSamples ?? 20_000);
  const rows = take === n ? Array.from({ length: n }, (_, i) => i) : rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, take);
  const mean = new Float64Array(dim);
  for (const i of rows) for (let d = 0; d < dim; d++) mean[d]! += vectors[i * dim + d]!;
  for (let d = 0; d < dim; d++) mean[d]! /= take;
  // Xᵀ (centered), [dim × take], then C = Xᵀ X / take.
  const xt = new Float32Array(dim * take);
  const x = new Float32Array(take * dim);
  rows.forEach((i, k) => {
    for (let d = 0; d < dim; d++) {
      const v = vectors[i * dim + d]! - mean[d]!;
      xt[d * take + k] = v;
      x[k * dim + d] = v;
    }
  });
  const threads = options.threads ?? 1;
  const cov = await matmul(xt, x, take, dim, { threads });
  for (let i = 0; i < cov.length; i++) cov[i]! /= take;
  let trace = 0;
  for (let d = 0; d < dim; d++) trace += cov[d * dim + d]!;
  let q: Float32Array = new Float32Array(dim * outDim);
  for (let i = 0; i < q.length; i++) q[i] = rng.gaussian();
  orthonormalize(q, dim, outDim);
  for (let it = 0; it < (options.iterations ?? 12); it++) {
    q = await matmul(cov, q, dim, outDim, { threads });
    orthonormalize(q, dim, outDim);
  }
  // Variance kept: trace(Qᵀ C Q) / trace(C).
  const cq = await matmul(cov, q, dim, outDim, { threads });
  let kept = 0;
  for (let i = 0; i < q.length; i++) kept += q[i]! * cq[i]!;
  return { dim, outDim, components: q, explainedVariance: trace > 0 ? kept / trace : 1 };
}

/** Projects row-major vectors onto the subspace. */
export function projectPca(pca: Pick<Pca, 'dim' | 'outDim' | 'components'>, vectors: Float32Array, threads = 1): Promise<Float32Array> {
  return matmul(vectors, pca.components, pca.dim, pca.outDim, { threads });
}
