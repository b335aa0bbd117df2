/*
 * The trained model as data, and its artifact encoding (see artifact.ts for the container).
 */

import { type HeadModel, STAT_NAMES } from './anomalyHead.js';
import { ArtifactError, parseArtifact, serializeArtifact } from './artifact.js';
import type { Calibration } from './calibration.js';
import type { BackboneInfo } from './components/backbone.js';
import { type Bank, bankVectors, makeBank } from './components/nearest.js';
import type { Pca } from './components/pca.js';
import type { Preprocessing } from './features.js';
import { descriptorDim, type GlobalScoring, type RobustScale } from './globalScore.js';
import { MAX_PATCH_NEIGHBOURS, type Reweighting } from './patchcore.js';
import type { AnomalyClass, ClassBank } from './segmentation.js';

export const MODEL_KIND = 'vigil.patchcore';

export interface ModelState {
  backbone: Pick<BackboneInfo, 'id' | 'weightHash' | 'stride' | 'channels'>;
  preprocessing: Preprocessing;
  /** Gaussian σ (working-resolution pixels) of the anomaly map. */
  mapSigma: number;
  /** Projection of the backbone's features onto their principal subspace (absent: full features). */
  pca?: Pick<Pca, 'dim' | 'outDim' | 'components'>;
  /** Normal patch memory bank. */
  bank: Bank;
  /** Image-score re-weighting (format ≥ 3; absent: image score = largest patch score). */
  reweighting?: Reweighting;
  /** Global score fused with the patch score (format ≥ 4; absent: the patch score alone). */
  globalScoring?: GlobalScoring;
  calibration: Calibration;
  /** Divisors of the patch scores in the cell rings along the image edge (borderScale.ts; absent: none). */
  borderScale?: number[];
  /** Patch scores measured from each image's median cell (scoreLevel.ts; absent: as they are). */
  levelScores?: boolean;
  /** Bank entries a patch score averages over (format ≥ 6; absent: the nearest alone). */
  patchNeighbours?: number;
  /** Smoothed-map level above which a pixel is anomalous. */
  pixelThreshold: number;
  /** Anomaly classes (segmentation models); empty for classification-only models. */
  classes: AnomalyClass[];
  classBank?: ClassBank;
  /** The labeled-anomaly head, when it beat plain PatchCore at training. */
  head?: HeadModel;
  /** Facts about the training run, for people reading the artifact. */
  training: Record<string, unknown>;
}

export function encodeModel(m: ModelState): Uint8Array {
  const arrays: Record<string, Float32Array | Int32Array | Uint8Array> = { bank: bankVectors(m.bank) };
  if (m.reweighting) arrays.bankNeighbours = m.reweighting.neighbours;
  if (m.globalScoring) arrays.globalDescriptors = m.globalScoring.descriptors;
  if (m.classBank) {
    arrays.classBank = bankVectors(m.classBank.bank);
    arrays.classLabels = m.classBank.labels;
  }
  if (m.head) arrays.anomalyBank = bankVectors(m.head.anomalyBank);
  if (m.pca) arrays.pca = m.pca.components;
  return serializeArtifact(
    {
      kind: MODEL_KIND,
      backbone: m.backbone,
      preprocessing: m.preprocessing,
      mapSigma: m.mapSigma,
      featureDim: m.bank.dim,
      reweight: m.reweighting ? { b: m.reweighting.b, width: m.reweighting.width } : undefined,
      globalScore: m.globalScoring ? { kind: m.globalScoring.kind, dim: m.globalScoring.dim, patch: m.globalScoring.patch, global: m.globalScoring.global } : undefined,
      pca: m.pca ? { dim: m.pca.dim, outDim: m.pca.outDim } : undefined,
      calibration: m.calibration,
      borderScale: m.borderScale,
      levelScores: m.levelScores,
      patchNeighbours: m.patchNeighbours,
      pixelThreshold: m.pixelThreshold,
      classes: m.classes,
      head: m.head
        ? { weights: m.head.weights, mean: m.head.mean, scale: m.head.scale, topK: m.head.topK, pooledFeatures: m.head.pooledFeatures || undefined, calibration: m.head.calibration }
        : undefined,
      training: m.training,
    },
    arrays,
  );
}

export function decodeModel(bytes: Uint8Array): ModelState {
  const { version, meta, arrays } = parseArtifact(bytes);
  if (meta.kind !== MODEL_KIND) throw new ArtifactError(`not a PatchCore model artifact (kind ${String(meta.kind)})`);
  const dim = meta.featureDim as number;
  const need = (name: string): Float32Array => {
    const a = arrays.get(name);
    if (!(a instanceof Float32Array) || a.length % dim) throw new ArtifactError(`model artifact array ${name} is missing or malformed`);
    return a;
  };
  const classLabels = arrays.get('classLabels');
  const pcaMeta = meta.pca as { dim: number; outDim: number } | undefined;
  let pca: ModelState['pca'];
  if (pcaMeta) {
    const components = arrays.get('pca');
    if (!(components instanceof Float32Array) || components.length !== pcaMeta.dim * pcaMeta.outDim || pcaMeta.outDim !== dim)
      throw new ArtifactError('model artifact projection is missing or malformed');
    pca = { dim: pcaMeta.dim, outDim: pcaMeta.outDim, components };
  }
  const head = meta.head as Omit<HeadModel, 'anomalyBank'> | undefined;
  if (head) {
    const pooled = head.pooledFeatures;
    const inputs = STAT_NAMES.length + (pooled ? dim : 0);
    const numbers = (v: unknown, n: number): boolean => Array.isArray(v) && v.length === n && v.every((x) => Number.isFinite(x));
    if ((pooled !== undefined && (version < 6 || pooled !== true)) || !numbers(head.weights, inputs + 1) || !numbers(head.mean, inputs) || !numbers(head.scale, inputs))
      throw new ArtifactError('model artifact anomaly head is malformed');
  }
  const preprocessing = meta.preprocessing as Preprocessing;
  if (!preprocessing || !Number.isInteger(preprocessing.width) || !Number.isInteger(preprocessing.height)) throw new ArtifactError('model artifact preprocessing is missing or malformed');
  if (preprocessing.tiles !== undefined) {
    const t = preprocessing.tiles;
    const ints = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && x >= 0);
    if (
      version < 2 ||
      !t ||
      !Number.isInteger(t.tileWidth) ||
      !Number.isInteger(t.tileHeight) ||
      !Number.isInteger(t.margin) ||
      !ints(t.xs) ||
      !ints(t.ys) ||
      t.xs.some((x) => x + t.tileWidth > preprocessing.width) ||
      t.ys.some((y) => y + t.tileHeight > preprocessing.height)
    ) {
      throw new ArtifactError('model artifact tile layout is malformed');
    }
  }
  const intensity = preprocessing.intensity;
  if (intensity !== undefined && !(version >= 5 && [intensity.mean, intensity.sd].every((v) => typeof v === 'number' && v > 0 && v < 256)))
    throw new ArtifactError('model artifact intensity target is malformed');
  const borderScale = meta.borderScale as number[] | undefined;
  if (borderScale !== undefined && !(Array.isArray(borderScale) && borderScale.every((v) => typeof v === 'number' && v >= 1 && Number.isFinite(v))))
    throw new ArtifactError('model artifact border scale is malformed');
  const levelScores = meta.levelScores as boolean | undefined;
  if (levelScores !== undefined && levelScores !== true) throw new ArtifactError('model artifact score level flag is malformed');
  const bank = makeBank(need('bank'), dim);
  const patchNeighbours = meta.patchNeighbours as number | undefined;
  if (patchNeighbours !== undefined && !(version >= 6 && Number.isInteger(patchNeighbours) && patchNeighbours >= 2 && patchNeighbours <= Math.min(MAX_PATCH_NEIGHBOURS, bank.size)))
    throw new ArtifactError('model artifact patch neighbour count is malformed');
  let reweighting: Reweighting | undefined;
  if (meta.reweight !== undefined) {
    const r = meta.reweight as { b?: unknown; width?: unknown };
    const neighbours = arrays.get('bankNeighbours');
    const ok =
      version >= 3 &&
      Number.isInteger(r.b) &&
      Number.isInteger(r.width) &&
      (r.b as number) >= 1 &&
      (r.width as number) >= 0 &&
      (r.width as number) <= Math.max(0, bank.size - 1) &&
      neighbours instanceof Int32Array &&
      neighbours.length === bank.size * (r.width as number) &&
      neighbours.every((j) => j >= 0 && j < bank.size);
    if (!ok) throw new ArtifactError('model artifact re-weighting neighbours are missing or malformed');
    reweighting = { b: r.b as number, width: r.width as number, neighbours: neighbours as Int32Array };
  }
  let globalScoring: GlobalScoring | undefined;
  if (meta.globalScore !== undefined) {
    const g = meta.globalScore as { kind?: unknown; dim?: unknown; patch?: RobustScale; global?: RobustScale };
    const descriptors = arrays.get('globalDescriptors');
    const scaleOk = (r: RobustScale | undefined): boolean => !!r && Number.isFinite(r.median) && Number.isFinite(r.scale) && r.scale > 0;
    const kind = g.kind as GlobalScoring['kind'];
    const ok =
      version >= 4 &&
      (kind === 'pyramid' || kind === 'mean') &&
      g.dim === descriptorDim(kind, dim) &&
      descriptors instanceof Float32Array &&
      descriptors.length > 0 &&
      descriptors.length % (g.dim as number) === 0 &&
      scaleOk(g.patch) &&
      scaleOk(g.global);
    if (!ok) throw new ArtifactError('model artifact global score is missing or malformed');
    globalScoring = { kind, dim: g.dim as number, descriptors: descriptors as Float32Array, patch: g.patch!, global: g.global! };
  }
  return {
    backbone: meta.backbone as ModelState['backbone'],
    preprocessing,
    mapSigma: meta.mapSigma as number,
    pca,
    bank,
    reweighting,
    globalScoring,
    calibration: meta.calibration as Calibration,
    borderScale,
    levelScores,
    patchNeighbours,
    pixelThreshold: meta.pixelThreshold as number,
    classes: (meta.classes as AnomalyClass[]) ?? [],
    classBank: classLabels instanceof Uint8Array ? { bank: makeBank(need('classBank'), dim), labels: classLabels } : undefined,
    head: head ? { ...head, anomalyBank: makeBank(need('anomalyBank'), dim) } : undefined,
    training: (meta.training as Record<string, unknown>) ?? {},
  };
}
