/*
 * Anomaly maps: the patch-score grid upsampled (bilinear, pixel centres aligned as in PyTorch's
 * align_corners=False) to the working resolution, then Gaussian-smoothed (PatchCore: σ = 4 px).
 */

export interface ScoreMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** Bilinear resize of a single-channel map. */
export function resizeBilinear(map: ScoreMap, width: number, height: number): ScoreMap {
  const out = new Float32Array(width * height);
  const sx = map.width / width;
  const sy = map.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), map.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, map.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), map.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, map.width - 1);
      const wx = fx - x0;
      const top = map.data[y0 * map.width + x0]! * (1 - wx) + map.data[y0 * map.width + x1]! * wx;
      const bottom = map.data[y1 * map.width + x0]! * (1 - wx) + map.data[y1 * map.width + x1]! * wx;
      out[y * width + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return { width, height, data: out };
}

/** Separable Gaussian blur (kernel radius 4σ, edges clamped). */
export function gaussianBlur(map: ScoreMap, sigma: number): ScoreMap {
  if (sigma <= 0) return map;
  const radius = Math.ceil(4 * sigma);
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  const { width, height } = map;
  const tmp = new Float32Array(width * height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const xx = x + k < 0 ? 0 : x + k >= width ? width - 1 : x + k;
        s += map.data[row + xx]! * kernel[k + radius]!;
      }
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = -radius; k <= radius; k++) {
        const yy = y + k < 0 ? 0 : y + k >= height ? height - 1 : y + k;
        s += tmp[yy * width + x]! * kernel[k + radius]!;
      }
      out[y * width + x] = s;
    }
  }
  return { width, height, data: out };
}

/**
 * The smoothed anomaly map of a patch-score grid at width×height. The blur runs at half resolution (σ/2)
 * and is upsampled after: the map is smooth at that scale anyway, and it is 4× cheaper.
 */
export function anomalyMap(grid: ScoreMap, width: number, height: number, sigma: number): ScoreMap {
  if (sigma < 2 || width < 4 || height < 4) return gaussianBlur(resizeBilinear(grid, width, height), sigma);
  const half = gaussianBlur(resizeBilinear(grid, Math.round(width / 2), Math.round(height / 2)), sigma / 2);
  return resizeBilinear(half, width, height);
}
