import type { AnomalyClass } from '../datasetEntry';

/** The mask's background, as colour 0 of the colour map the console writes. */
const BACKGROUND = [255, 255, 255] as const;

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function nearest(classes: AnomalyClass[], r: number, g: number, b: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  classes.forEach((c, i) => {
    const [cr, cg, cb] = rgb(c.hexColor);
    const distance = (cr - r) ** 2 + (cg - g) ** 2 + (cb - b) ** 2;
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  });
  return best;
}

/**
 * The painted layer as the manifest's mask: every pixel either the exact colour of one class or
 * the white background, opaque, so that the brush's soft edges do not make colours no class has.
 * Returns the PNG and the classes that have pixels.
 */
export async function maskPng(painted: HTMLCanvasElement, classes: AnomalyClass[]): Promise<{ png: Uint8Array; used: AnomalyClass[] }> {
  const { width, height } = painted;
  const data = painted.getContext('2d')!.getImageData(0, 0, width, height);
  const px = data.data;
  const colours = classes.map((c) => rgb(c.hexColor));
  const used = new Set<number>();
  for (let i = 0; i < px.length; i += 4) {
    let colour: readonly number[] = BACKGROUND;
    if (px[i + 3] >= 128 && classes.length > 0) {
      const index = nearest(classes, px[i], px[i + 1], px[i + 2]);
      used.add(index);
      colour = colours[index];
    }
    px[i] = colour[0];
    px[i + 1] = colour[1];
    px[i + 2] = colour[2];
    px[i + 3] = 255;
  }
  const out = document.createElement('canvas');
  out.width = width;
  out.height = height;
  out.getContext('2d')!.putImageData(data, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The browser could not encode the mask as PNG.');
  return { png: new Uint8Array(await blob.arrayBuffer()), used: classes.filter((_c, i) => used.has(i)) };
}

/**
 * Draws a saved mask onto the painting layer: pixels of a known class keep their colour, everything
 * else (the background, whatever colour the manifest gave it, and transparent pixels) is cleared.
 */
export function drawSavedMask(layer: HTMLCanvasElement, mask: HTMLImageElement, classes: AnomalyClass[]): void {
  const context = layer.getContext('2d')!;
  context.clearRect(0, 0, layer.width, layer.height);
  context.drawImage(mask, 0, 0, layer.width, layer.height);
  const data = context.getImageData(0, 0, layer.width, layer.height);
  const px = data.data;
  const colours = classes.map((c) => rgb(c.hexColor));
  for (let i = 0; i < px.length; i += 4) {
    const keep = px[i + 3] >= 128 && colours.some(([r, g, b]) => Math.abs(r - px[i]) + Math.abs(g - px[i + 1]) + Math.abs(b - px[i + 2]) <= 24);
    if (!keep) px[i + 3] = 0;
    else px[i + 3] = 255;
  }
  context.putImageData(data, 0, 0);
}

/** An image element loaded from bytes (through a blob: URL, which the console's CSP allows). */
export async function loadImage(bytes: Uint8Array, type: string): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}
