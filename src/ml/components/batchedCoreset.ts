/*
 * Greedy coreset (k-center) for large candidate pools, with the distance work batched on the runtime.
 *
 * The plain algorithm updates every point's distance to the chosen set after each pick: a matrix-vector
 * pass per pick, memory-bound and sequential. Here the picks are made lazily and the updates are deferred:
 * each point keeps an upper bound of its distance to the chosen set (its distance to the centres of the last
 * full update) in a max-heap; a popped point is brought up to date against the few centres chosen since
 * (cheap: at most BATCH of them), and it is the farthest point as soon as its exact distance still tops the
 * heap (every other key is an upper bound). Every BATCH picks, all points are updated against the new
 * centres at once, one nearest-neighbour matrix product on onnxruntime (MLAS), and the heap is rebuilt.
 *
 * So the choice is the plain greedy algorithm's (up to float rounding of near-ties: distances come from
 * ‖a‖² − 2a·b + ‖b‖² in float32), at N·k·dim multiply-adds in large matrix products instead of k passes over
 * memory. It pays off from tens of thousands of points; patchcore.ts keeps the pruned exact greedyCoreset
 * (coreset.ts) when every patch of a small training set is a candidate, so small projects train as before.
 * The approximation of the "approximate" coreset lies in the candidates: a bounded random sample of the
 * patches (patchReservoir.ts), not in the greedy choice among them.
 */
import { makeBank, nearest } from './nearest.js';
import { Rng } from './random.js';

/** Picks between two full updates (columns of one matrix product). */
export const COVERAGE_BATCH = 256;

function squaredDistance(x: Float32Array, i: number, y: Float32Array, j: number, dim: number): number {
  let s = 0;
  const a = i * dim;
  const b = j * dim;
  for (let d = 0; d < dim; d++) {
    const e = x[a + d]! - y[b + d]!;
    s += e * e;
  }
  return s;
}

/** A binary max-heap of point indices keyed by `key` (the caller owns the keys). */
class MaxHeap {
  private readonly items: Int32Array;
  size = 0;

  constructor(
    capacity: number,
    private readonly key: Float64Array,
  ) {
    this.items = new Int32Array(capacity);
  }

  /** Rebuilds the heap over the points 0..n-1 not excluded (Floyd's heapify). */
  reset(n: number, excluded: Uint8Array): void {
    let size = 0;
    for (let i = 0; i < n; i++) if (!excluded[i]) this.items[size++] = i;
    this.size = size;
    for (let i = (size >> 1) - 1; i >= 0; i--) this.down(i);
  }

  top(): number {
    return this.items[0]!;
  }

  pop(): number {
    const top = this.items[0]!;
    this.items[0] = this.items[--this.size]!;
    if (this.size > 0) this.down(0);
    return top;
  }

  push(i: number): void {
    let at = this.size++;
    const k = this.key[i]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const p = this.items[parent]!;
      // Ties: the lower index ranks higher, as the plain algorithm's first maximum.
      if (this.key[p]! > k || (this.key[p] === k && p < i)) break;
      this.items[at] = p;
      at = parent;
    }
    this.items[at] = i;
  }

  private higher(a: number, b: number): boolean {
    const ka = this.key[a]!;
    const kb = this.key[b]!;
    return ka > kb || (ka === kb && a < b);
  }

  private down(at: number): void {
    const item = this.items[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && this.higher(this.items[child + 1]!, this.items[child]!)) child++;
      if (!this.higher(this.items[child]!, item)) break;
      this.items[at] = this.items[child]!;
      at = child;
    }
    this.items[at] = item;
  }
}

/**
 * Indices of `size` points chosen greedily (k-center) among the row-major vectors `x` (`dim` values each), in
 * the order chosen; the first is seeded-random (as `greedyCoreset`).
 */
export async function greedyCoresetBatched(x: Float32Array, dim: number, size: number, seed = 0, threads = 1, batch = COVERAGE_BATCH): Promise<Int32Array> {
  const n = x.length / dim;
  const k = Math.min(size, n);
  const chosen = new Int32Array(k);
  if (k === 0) return chosen;
  // Squared distance to the centres of the last full update (an upper bound of the distance to all centres).
  const bound = new Float64Array(n).fill(Infinity);
  // How many of the pending centres (chosen since the last full update) `bound[i]` already accounts for.
  const seen = new Int32Array(n);
  const heap = new MaxHeap(n, bound);
  const pending: number[] = [];
  const isChosen = new Uint8Array(n);

  const choose = (c: number, point: number): void => {
    chosen[c] = point;
    isChosen[point] = 1;
    pending.push(point);
  };
  /** Updates every point against the pending centres on the runtime; rebuilds the heap. */
  const flush = async (): Promise<void> => {
    const centres = new Float32Array(pending.length * dim);
    pending.forEach((p, j) => centres.set(x.subarray(p * dim, (p + 1) * dim), j * dim));
    const { distance } = await nearest(x, makeBank(centres, dim), { threads });
    for (let i = 0; i < n; i++) bound[i] = Math.min(bound[i]!, distance[i]! * distance[i]!);
    seen.fill(0);
    pending.length = 0;
    heap.reset(n, isChosen);
  };

  choose(0, new Rng(seed).int(n));
  await flush();
  for (let c = 1; c < k; c++) {
    for (;;) {
      const i = heap.pop();
      // Bring i up to date with the centres chosen since the last update.
      let b = bound[i]!;
      for (let j = seen[i]!; j < pending.length; j++) b = Math.min(b, squaredDistance(x, i, x, pending[j]!, dim));
      bound[i] = b;
      seen[i] = pending.length;
      if (heap.size === 0 || b > bound[heap.top()]! || (b === bound[heap.top()]! && i < heap.top())) {
        choose(c, i);
        break;
      }
      heap.push(i);
    }
    if (pending.length >= batch && c + 1 < k) await flush();
  }
  return chosen;
}
