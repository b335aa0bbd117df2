/*
 * The labeled folders `vigil eval` reads: normal/ and anomaly/ images, masks/ (one PNG per anomalous image,
 * same base name) and classes.json, or the classes found in the masks' colours.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '../ml/components/random.js';
import type { AnomalyClass } from '../ml/index.js';
import type { EvalOptions } from './evalOptions.js';

export interface LabeledFile {
  path: string;
  anomalous: boolean;
  mask?: string;
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

async function listImages(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir))
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((f) => join(dir, f));
}

async function readDataset(dir: string): Promise<LabeledFile[]> {
  const normal = await listImages(join(dir, 'normal'));
  const anomaly = await listImages(join(dir, 'anomaly'));
  if (!normal.length && !anomaly.length) throw new Error(`${dir} has no images under normal/ or anomaly/`);
  const masksDir = join(dir, 'masks');
  return [
    ...normal.map((path) => ({ path, anomalous: false })),
    ...anomaly.map((path) => {
      const mask = join(masksDir, `${basename(path, extname(path))}.png`);
      return { path, anomalous: true, mask: existsSync(mask) ? mask : undefined };
    }),
  ];
}

/** Class colour given to binary (white on black) masks, which carry one class and no colour of their own. */
const BINARY_MASK_CLASS: AnomalyClass = { name: 'anomaly', color: '#FF0000' };

interface DatasetClasses {
  classes: AnomalyClass[];
  /** The masks are binary: read them with readMask, which paints their white in BINARY_MASK_CLASS's colour. */
  binary: boolean;
}

/** classes.json of a dataset, or the colours found in its masks (one class for binary masks). */
export async function readClasses(dirs: string[], files: LabeledFile[]): Promise<DatasetClasses> {
  for (const d of dirs) {
    const f = join(d, 'classes.json');
    if (existsSync(f)) return { classes: JSON.parse(await readFile(f, 'utf8')) as AnomalyClass[], binary: false };
  }
  const counts = new Map<string, number>();
  let total = 0;
  let white = 0;
  for (const file of files) {
    if (!file.mask) continue;
    const { data, info } = await sharp(file.mask).toColourspace('srgb').ensureAlpha().resize(128, 128, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer({ resolveWithObject: true });
    for (let i = 0; i < info.width * info.height; i++) {
      const [r, g, b, a] = [data[i * 4]!, data[i * 4 + 1]!, data[i * 4 + 2]!, data[i * 4 + 3]!];
      // Greys are a binary mask's intensities (its anti-aliased edges hold every grey level), never class colours.
      if (a < 128 || (r === g && g === b)) {
        if (a >= 128 && r > 127) white++;
        continue;
      }
      const hex = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`.toUpperCase();
      counts.set(hex, (counts.get(hex) ?? 0) + 1);
      total++;
    }
  }
  const colours = [...counts.entries()]
    .filter(([, n]) => n >= 0.05 * total)
    .sort((a, b) => b[1] - a[1])
    .map(([c]) => c);
  if (!colours.length && white > 0) return { classes: [BINARY_MASK_CLASS], binary: true };
  return { classes: colours.map((color, k) => ({ name: colours.length === 1 ? 'anomaly' : `anomaly-${k + 1}`, color })), binary: false };
}

/** A mask file's bytes; binary masks come back as PNGs with their white (> 127) in the class colour. */
export async function readMask(path: string, binary: boolean): Promise<Uint8Array> {
  if (!binary) return new Uint8Array(await readFile(path));
  const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
  const rgb = Buffer.alloc(info.width * info.height * 3);
  for (let i = 0; i < info.width * info.height; i++) if (data[i * info.channels]! > 127) rgb[i * 3] = 255;
  return new Uint8Array(
    await sharp(rgb, { raw: { width: info.width, height: info.height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** The training and test images: --test's folder, or a seeded split of --train (its seed returned; null with --test). */
export async function trainAndTestFiles(
  options: Pick<EvalOptions, 'train' | 'test' | 'seed' | 'split' | 'trainAnomalies'>,
  log: (line: string) => void,
): Promise<{ trainFiles: LabeledFile[]; testFiles: LabeledFile[]; seed: number | null }> {
  const all = await readDataset(options.train);
  if (options.test) return { trainFiles: all, testFiles: await readDataset(options.test), seed: null };
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const rng = new Rng(seed);
  const normals = rng.shuffle(all.filter((f) => !f.anomalous));
  const anomalies = rng.shuffle(all.filter((f) => f.anomalous));
  const nTrain = Math.max(2, Math.round(normals.length * (options.split ?? 0.5)));
  const aTrain = Math.round(anomalies.length * (options.trainAnomalies ?? 0));
  log(`split seed ${seed}: ${nTrain} normal + ${aTrain} anomalous images for training`);
  return { trainFiles: [...normals.slice(0, nTrain), ...anomalies.slice(0, aTrain)], testFiles: [...normals.slice(nTrain), ...anomalies.slice(aTrain)], seed };
}
