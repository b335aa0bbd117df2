/*
 * Exact nearest-neighbour search of patch features against a memory bank.
 * ‖q − b‖² = ‖q‖² − 2 q·b + ‖b‖²: the q·b products are one matrix product on onnxruntime (MLAS sgemm,
 * ~20× a JavaScript loop), the bank stored transposed ([dim, size]) so the product streams it once;
 * the minimum and its index per query are reduced on the runtime as well. A plain Float32 loop
 * (`nearestBruteForce`) is the reference the tests compare against. `nearestK` returns the k nearest
 * (TopK on the same product) for the bank's own neighbourhoods (image-score re-weighting, patchcore.ts);
 * `nearestMean` the mean distance to the k nearest (patch scores of textures).
 */
import * as ort from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxNode, type OnnxValueInfo } from './onnxProto.js';
import { runtimeSession } from './runtimeSession.js';

/** A bank of `size` vectors of `dim` values, stored transposed, with its squared norms. */
export interface Bank {
  dim: number;
  size: number;
  /** transposed[d * size + j] = value d of vector j. */
  transposed: Float32Array;
  /** ‖b_j‖². */
  norms: Float32Array;
}

export function makeBank(vectors: Float32Array, dim: number): Bank {
  const size = vectors.length / dim;
  const transposed = new Float32Array(vectors.length);
  const norms = new Float32Array(size);
  for (let j = 0; j < size; j++) {
    let n = 0;
    for (let d = 0; d < dim; d++) {
      const v = vectors[j * dim + d]!;
      transposed[d * size + j] = v;
      n += v * v;
    }
    norms[j] = n;
  }
  return { dim, size, transposed, norms };
}

/** Row-major vectors back from a bank. */
export function bankVectors(bank: Bank): Float32Array {
  const out = new Float32Array(bank.dim * bank.size);
  for (let d = 0; d < bank.dim; d++) for (let j = 0; j < bank.size; j++) out[j * bank.dim + d] = bank.transposed[d * bank.size + j]!;
  return out;
}

export interface NearestResult {
  /** Euclidean distance to the nearest bank vector, per query. */
  distance: Float32Array;
  /** Index of that bank vector. */
  index: Int32Array;
}

/**
 * A graph over `partial` = ‖b‖² − 2 q·b (the query's own ‖q‖² is added in JavaScript where needed), with
 * the given reduction of each query's row.
 */
function distanceGraph(name: string, reduce: OnnxNode[], extraInputs: OnnxValueInfo[], outputs: OnnxValueInfo[]): Uint8Array {
  return encodeOnnxModel({
    name,
    nodes: [
      { op: 'MatMul', inputs: ['q', 'bt'], outputs: ['dot'] },
      { op: 'Mul', inputs: ['dot', 'minus2'], outputs: ['dot2'] },
      { op: 'Add', inputs: ['dot2', 'bnorm'], outputs: ['partial'] },
      ...reduce,
    ],
    initializers: [{ name: 'minus2', dims: [], type: 'float', data: Float32Array.of(-2) }],
    inputs: [{ name: 'q', type: 'float', shape: ['n', 'd'] }, { name: 'bt', type: 'float', shape: ['d', 'm'] }, { name: 'bnorm', type: 'float', shape: [1, 'm'] }, ...extraInputs],
    outputs,
  });
}

const nearestGraph = (): Uint8Array =>
  distanceGraph(
    'nearest',
    [
      {
        op: 'ReduceMin',
        inputs: ['partial'],
        outputs: ['min'],
        attributes: [
          { name: 'axes', ints: [1] },
          { name: 'keepdims', int: 0 },
        ],
      },
      {
        op: 'ArgMin',
        inputs: ['partial'],
        outputs: ['argmin'],
        attributes: [
          { name: 'axis', int: 1 },
          { name: 'keepdims', int: 0 },
        ],
      },
    ],
    [],
    [
      { name: 'min', type: 'float', shape: ['n'] },
      { name: 'argmin', type: 'int64', shape: ['n'] },
    ],
  );

const nearestKGraph = (): Uint8Array =>
  distanceGraph(
    'nearestK',
    [
      {
        op: 'TopK',
        inputs: ['partial', 'k'],
        outputs: ['values', 'indices'],
        attributes: [
          { name: 'axis', int: 1 },
          { name: 'largest', int: 0 },
          { name: 'sorted', int: 1 },
        ],
      },
    ],
    [{ name: 'k', type: 'int64', shape: [1] }],
    [
      { name: 'values', type: 'float', shape: ['n', 'k'] },
      { name: 'indices', type: 'int64', shape: ['n', 'k'] },
    ],
  );

export interface NearestOptions {
  threads?: number;
  /** Added to ‖b_j‖² before the minimum: +Infinity excludes entry j (leave-one-out scoring). */
  penalty?: Float32Array;
  /** Queries per runtime call (bounds the n×m distance matrix in memory). */
  chunk?: number;
}

/** Exact nearest bank vector for each of `queries` (row-major, bank.dim values each). */
export async function nearest(queries: Float32Array, bank: Bank, options: NearestOptions = {}): Promise<NearestResult> {
  const dim = bank.dim;
  const n = queries.length / dim;
  const distance = new Float32Array(n);
  const index = new Int32Array(n);
  if (n === 0) return { distance, index };
  if (bank.size === 0) throw new Error('the memory bank is empty');
  const s = await runtimeSession('nearest', Math.max(1, options.threads ?? 1), nearestGraph);
  const bt = new ort.Tensor('float32', bank.transposed, [dim, bank.size]);
  const bn = new ort.Tensor('float32', penalisedNorms(bank, options.penalty), [1, bank.size]);
  // Keep the n×m intermediate around 32 MB.
  const chunk = options.chunk ?? Math.max(16, Math.floor((8 * 1024 * 1024) / bank.size));
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const q = queries.subarray(start * dim, (start + rows) * dim);
    const out = await s.run({ q: new ort.Tensor('float32', q, [rows, dim]), bt, bnorm: bn });
    const min = out.min!.data as Float32Array;
    const arg = out.argmin!.data as BigInt64Array;
    for (let r = 0; r < rows; r++) {
      distance[start + r] = Math.sqrt(Math.max(0, squaredNorm(q, r, dim) + min[r]!));
      index[start + r] = Number(arg[r]!);
    }
  }
  return { distance, index };
}

/**
 * The mean Euclidean distance of each query to its `k` nearest bank vectors (penalty as in `nearest`), and the
 * nearest one's index. One TopK pass on the same product as `nearest`.
 */
export async function nearestMean(queries: Float32Array, bank: Bank, k: number, options: NearestOptions = {}): Promise<NearestResult> {
  const n = queries.length / bank.dim;
  const distance = new Float32Array(n);
  const index = new Int32Array(n);
  await topK(queries, bank, k, options, (row, q, values, indices) => {
    let sum = 0;
    for (let j = 0; j < k; j++) sum += Math.sqrt(Math.max(0, q + values[j]!));
    distance[row] = sum / k;
    index[row] = Number(indices[0]!);
  });
  return { distance, index };
}

/**
 * Runs the TopK graph over the queries in chunks and hands each query's row to `take`: its index, ‖q‖², and its k
 * smallest ‖b‖² − 2 q·b (penalised) with their bank indices, nearest first.
 */
async function topK(
  queries: Float32Array,
  bank: Bank,
  k: number,
  options: NearestOptions,
  take: (row: number, squaredNorm: number, values: Float32Array, indices: BigInt64Array) => void,
): Promise<void> {
  const dim = bank.dim;
  const n = queries.length / dim;
  if (!Number.isInteger(k) || k < 1 || k > bank.size) throw new Error(`k = ${k} is outside 1..${bank.size}`);
  if (n === 0) return;
  const s = await runtimeSession('nearestK', Math.max(1, options.threads ?? 1), nearestKGraph);
  const bt = new ort.Tensor('float32', bank.transposed, [dim, bank.size]);
  const bn = new ort.Tensor('float32', penalisedNorms(bank, options.penalty), [1, bank.size]);
  const kt = new ort.Tensor('int64', BigInt64Array.of(BigInt(k)), [1]);
  const chunk = options.chunk ?? Math.max(16, Math.floor((8 * 1024 * 1024) / bank.size));
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    const q = queries.subarray(start * dim, (start + rows) * dim);
    const out = await s.run({ q: new ort.Tensor('float32', q, [rows, dim]), bt, bnorm: bn, k: kt });
    const values = out.values!.data as Float32Array;
    const indices = out.indices!.data as BigInt64Array;
    for (let r = 0; r < rows; r++) take(start + r, squaredNorm(q, r, dim), values.subarray(r * k, (r + 1) * k), indices.subarray(r * k, (r + 1) * k));
  }
}

/** ‖b_j‖² + penalty_j (an excluded entry's +Infinity keeps it out of every minimum). */
function penalisedNorms(bank: Bank, penalty: Float32Array | undefined): Float32Array {
  if (!penalty) return bank.norms;
  const norms = new Float32Array(bank.size);
  for (let j = 0; j < bank.size; j++) norms[j] = bank.norms[j]! + penalty[j]!;
  return norms;
}

/** ‖q_r‖² of row r of row-major vectors. */
function squaredNorm(q: Float32Array, r: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += q[r * dim + d]! ** 2;
  return sum;
}

/**
 * The `k` nearest bank vectors of each query, nearest first: row-major [n, k] indices (k ≤ bank.size).
 * Ordered by ‖b‖² − 2 q·b (float32), so near-ties may come in either order.
 */
export async function nearestK(queries: Float32Array, bank: Bank, k: number, options: Omit<NearestOptions, 'penalty'> = {}): Promise<Int32Array> {
  const out = new Int32Array((queries.length / bank.dim) * k);
  await topK(queries, bank, k, options, (row, _q, _values, indices) => {
    for (let j = 0; j < k; j++) out[row * k + j] = Number(indices[j]!);
  });
  return out;
}

/** The reference: a plain double loop over every pair. */
export function nearestBruteForce(queries: Float32Array, vectors: Float32Array, dim: number): NearestResult {
  const n = queries.length / dim;
  const m = vectors.length / dim;
  const distance = new Float32Array(n);
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    let bestJ = -1;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = queries[i * dim + d]! - vectors[j * dim + d]!;
        s += diff * diff;
      }
      if (s < best) {
        best = s;
        bestJ = j;
      }
    }
    distance[i] = Math.sqrt(best);
    index[i] = bestJ;
  }
  return { distance, index };
}
