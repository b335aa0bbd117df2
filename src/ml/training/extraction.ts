/*
 * Training features: every image through the backbone at the working resolution, the normals also in their
 * augmented views (the bank's), projected onto the principal subspace of the first PCA_FIT_IMAGES normals as
 * soon as it is fitted. The images stream through: each normal's patches are offered to the coreset's bounded
 * candidate sample (patchReservoir.ts) and dropped, except for the normals scored leave-one-out later (at most
 * heldOutNormals), so memory does not grow with the image count.
 */
import type { Backbone, FeatureMap } from '../components/backbone.js';
import type { Augmentation } from '../components/image.js';
import { PatchReservoir } from '../components/patchReservoir.js';
import { fitPca, type Pca, projectPca } from '../components/pca.js';
import { decodeForModel, featuresOf, type Preprocessing } from '../features.js';
import { globalDescriptor } from '../globalScore.js';
import { gatherPatches, samplePatchIndices } from '../patchcore.js';
import { AUGMENTATIONS, bankOptionsOf, bytesOf, DEFAULT_FEATURE_DIM, DEFAULT_GLOBAL_SCORE, MAX_HELD_OUT_NORMALS, seededSubset, type TrainingImage, type TrainOptions } from './options.js';

const PCA_SAMPLES = 20_000;
/** Normal images whose patches the principal subspace is fitted on. */
const PCA_FIT_IMAGES = 32;

/** One image's (plain-view) features, kept for scoring. */
export interface Extracted {
  features: FeatureMap;
  image: { anomalous: boolean; mask?: Uint8Array; name?: string };
  /** Training normals: the image's index among the normals (its bank entries' source). */
  source?: number;
}

export interface TrainingFeatures {
  /** The training normals scored leave-one-out (a seeded subset beyond heldOutNormals), in image order. */
  heldOutNormals: Extracted[];
  anomalies: Extracted[];
  validation: Extracted[];
  /** The coreset's candidates: every patch of every normal view, or a bounded seeded sample of them. */
  reservoir: PatchReservoir;
  /** Views per normal image (1 without augmentation). */
  views: number;
  /** Patches of the normals' plain views. */
  plainPatches: number;
  /** The principal subspace (absent: features kept whole). */
  pca?: Pca;
  /** Global descriptor of every bank view (only with a global score), and for every view the normal it came from. */
  descriptors: Float32Array[];
  descriptorSources: number[];
  /** Seconds spent fitting the principal subspace. */
  pcaSeconds: number;
}

export async function extractTrainingFeatures(images: readonly TrainingImage[], options: TrainOptions, prep: Preprocessing, backbone: Backbone): Promise<TrainingFeatures> {
  const threads = options.threads ?? 1;
  const seed = options.seed ?? 0;
  const normals = images.filter((i) => !i.anomalous);
  const anomalies = images.filter((i) => i.anomalous);
  const validation = options.validation ?? [];
  const progress = options.onProgress ?? (() => {});
  const augmentations = AUGMENTATIONS[options.augment ?? 'none'];

  const featureDim = options.featureDim ?? DEFAULT_FEATURE_DIM;
  const usePca = featureDim > 0 && featureDim < backbone.info.channels;
  let pca: Pca | undefined;
  let pcaSeconds = 0;
  const reduce = async (m: FeatureMap): Promise<FeatureMap> => (pca ? { ...m, channels: pca.outDim, data: await projectPca(pca, m.data, threads) } : m);
  const reduceAll = async (maps: FeatureMap[]): Promise<FeatureMap[]> => {
    const out: FeatureMap[] = [];
    for (const m of maps) out.push(await reduce(m));
    return out;
  };
  const total = images.length + validation.length;
  let done = 0;
  const extract = async (image: TrainingImage, augs: readonly Augmentation[]): Promise<FeatureMap[]> => {
    const decoded = await decodeForModel(await bytesOf(image.bytes), prep);
    const maps: FeatureMap[] = [];
    for (const a of augs) maps.push(await reduce(await featuresOf(backbone, decoded, a, prep)));
    progress({ stage: 'features', done: ++done, total });
    return maps;
  };
  const bankOptions = bankOptionsOf(options);
  const globalKind = options.globalScore ?? DEFAULT_GLOBAL_SCORE;
  const heldOut = new Set(seededSubset(normals.length, options.heldOutNormals ?? MAX_HELD_OUT_NORMALS, seed + 11));
  let reservoir: PatchReservoir | undefined;
  // Global descriptors of every bank view (small: one vector per view) and their images.
  const descriptors: Float32Array[] = [];
  const descriptorSources: number[] = [];
  const heldOutNormals: Extracted[] = [];
  let plainPatches = 0;
  // The first normals' maps wait for the principal subspace (fitted on them), then everything streams.
  let waiting: Array<{ maps: FeatureMap[]; k: number }> = [];
  const admit = (maps: FeatureMap[], k: number): void => {
    reservoir ??= new PatchReservoir(bankOptions.maxCandidates, maps[0]!.channels, bankOptions.seed + 7);
    for (const m of maps) {
      reservoir.add(m, k);
      descriptorSources.push(k);
      if (globalKind !== 'none') descriptors.push(globalDescriptor(m, globalKind));
    }
    plainPatches += maps[0]!.width * maps[0]!.height;
    if (heldOut.has(k)) heldOutNormals.push({ features: maps[0]!, image: { anomalous: false, name: normals[k]!.name }, source: k });
  };
  const fitImages = Math.min(normals.length, PCA_FIT_IMAGES);
  for (const [k, image] of normals.entries()) {
    const maps = await extract(image, augmentations);
    if (!usePca) admit(maps, k);
    else if (pca)
      admit(maps, k); // already projected by extract
    else {
      waiting.push({ maps, k });
      if (k + 1 === fitImages) {
        const fitStart = performance.now();
        const fitMaps = waiting.flatMap((w) => w.maps);
        const fitSources = waiting.flatMap((w) => w.maps.map(() => w.k));
        const count = fitMaps.reduce((n, m) => n + m.width * m.height, 0);
        const sample = gatherPatches(fitMaps, fitSources, samplePatchIndices(count, PCA_SAMPLES, seed + 3));
        pca = await fitPca(sample.data, sample.dim, featureDim, { seed, threads, maxSamples: PCA_SAMPLES });
        for (const w of waiting) admit(await reduceAll(w.maps), w.k);
        waiting = [];
        pcaSeconds = (performance.now() - fitStart) / 1000;
      }
    }
  }
  const loaded = async (image: TrainingImage): Promise<Extracted> => ({
    features: (await extract(image, ['none']))[0]!,
    image: { anomalous: image.anomalous, mask: image.mask === undefined ? undefined : await bytesOf(image.mask), name: image.name },
  });
  const anomalyFeatures: Extracted[] = [];
  for (const image of anomalies) anomalyFeatures.push(await loaded(image));
  const validationFeatures: Extracted[] = [];
  for (const image of validation) validationFeatures.push(await loaded(image));

  return {
    heldOutNormals,
    anomalies: anomalyFeatures,
    validation: validationFeatures,
    reservoir: reservoir!,
    views: augmentations.length,
    plainPatches,
    pca,
    descriptors,
    descriptorSources,
    pcaSeconds,
  };
}
