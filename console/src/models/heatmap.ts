/**
 * Vigil's anomaly map (a grayscale PNG, level 128 at the model's pixel threshold, 255 at twice it) as a heatmap
 * to lay over the image: transparent where the map is low, then blue → yellow → red, more opaque as it rises.
 */
export async function heatmapUrl(png: Uint8Array): Promise<string> {
  const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const palette = heatmapPalette();
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 4) {
    const level = data[i];
    data.set(palette.subarray(level * 4, level * 4 + 4), i);
  }
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The heatmap could not be drawn.'))), 'image/png'));
  return URL.createObjectURL(blob);
}

let cached: Uint8ClampedArray | undefined;

/** RGBA for each level 0..255: invisible up to a quarter of the threshold, then blue (half of it), yellow (the threshold), red (twice it). */
function heatmapPalette(): Uint8ClampedArray {
  if (cached) return cached;
  const out = new Uint8ClampedArray(256 * 4);
  const stops: [number, [number, number, number]][] = [
    [32, [0, 64, 255]],
    [64, [0, 160, 255]],
    [128, [255, 230, 0]],
    [255, [230, 0, 0]],
  ];
  for (let level = 0; level < 256; level++) {
    let rgb = stops[0][1];
    for (let s = 1; s < stops.length; s++) {
      const [l0, c0] = stops[s - 1];
      const [l1, c1] = stops[s];
      if (level >= l0 && level <= l1) {
        const t = (level - l0) / (l1 - l0);
        rgb = [0, 1, 2].map((k) => c0[k] + t * (c1[k] - c0[k])) as [number, number, number];
        break;
      }
    }
    const alpha = level < 32 ? 0 : Math.min(200, 40 + ((level - 32) / (255 - 32)) * 160);
    out.set([rgb[0], rgb[1], rgb[2], alpha], level * 4);
  }
  cached = out;
  return out;
}
