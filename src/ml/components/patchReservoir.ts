/*
 * The coreset's candidate patches, sampled while the images stream past: a uniform random sample of at
 * most `capacity` patches (reservoir sampling, Vitter's algorithm R, seeded), each with the training image
 * it came from. Memory and the coreset's cost stay bounded however many images there are; while the
 * patches fit, every patch is kept in arrival order (small projects build exactly the bank they built
 * before sampling existed).
 */
import type { FeatureMap } from './backbone.js';
import { Rng } from './random.js';

export class PatchReservoir {
  /** Patches offered so far. */
  total = 0;
  private data: Float32Array;
  private source: Int32Array;
  private readonly rng: Rng;

  constructor(
    readonly capacity: number,
    readonly dim: number,
    seed: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError('the reservoir needs room for at least one patch');
    this.rng = new Rng(seed);
    // Grows by doubling up to capacity, so a small project does not reserve the whole bound.
    this.data = new Float32Array(Math.min(capacity, 4096) * dim);
    this.source = new Int32Array(Math.min(capacity, 4096));
  }

  /** Patches held (min(total, capacity)). */
  get size(): number {
    return Math.min(this.total, this.capacity);
  }

  /** Offers every patch of a feature map from training image `source`. */
  add(map: FeatureMap, source: number): void {
    if (map.channels !== this.dim) throw new Error(`patches of ${map.channels} values offered to a reservoir of ${this.dim}`);
    const dim = this.dim;
    const count = map.width * map.height;
    for (let p = 0; p < count; p++) {
      const seen = this.total++;
      let slot: number;
      if (seen < this.capacity) {
        slot = seen;
        if (slot >= this.source.length) this.grow();
      } else {
        slot = this.rng.int(seen + 1);
        if (slot >= this.capacity) continue;
      }
      this.data.set(map.data.subarray(p * dim, (p + 1) * dim), slot * dim);
      this.source[slot] = source;
    }
  }

  /** The sampled patches (row-major) and their images. */
  sample(): { data: Float32Array; source: Int32Array; dim: number } {
    const n = this.size;
    return { data: this.data.subarray(0, n * this.dim), source: this.source.subarray(0, n), dim: this.dim };
  }

  private grow(): void {
    const rows = Math.min(this.capacity, this.source.length * 2);
    const data = new Float32Array(rows * this.dim);
    data.set(this.data);
    const source = new Int32Array(rows);
    source.set(this.source);
    this.data = data;
    this.source = source;
  }
}
