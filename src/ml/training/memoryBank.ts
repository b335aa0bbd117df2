/*
 * The memory bank: the greedy coreset of the normals' candidate patches (patchcore.ts), and, when the image
 * score is re-weighted, each entry's nearest bank entries. Training keeps spare neighbours so that leave-one-out
 * scoring can skip the held-out image's own entries; the artifact keeps b − 1 per entry.
 */
import type { PatchReservoir } from '../components/patchReservoir.js';
import { bankNeighbours, buildMemoryBankFrom, type MemoryBank, REWEIGHT_NEIGHBOURS, type Reweighting } from '../patchcore.js';
import { bankOptionsOf, DEFAULT_REWEIGHT, type TrainOptions } from './options.js';

/** Neighbour lists kept at training for leave-one-out scoring (spares for the excluded image's entries). */
const REWEIGHT_TRAIN_WIDTH = 4 * (REWEIGHT_NEIGHBOURS - 1);

export interface TrainedBank {
  memory: MemoryBank;
  /** With training's spare neighbours (see trimNeighbours for the artifact's). */
  reweighting?: Reweighting;
}

export async function trainMemoryBank(candidates: { reservoir: PatchReservoir; views: number; plainPatches: number }, options: TrainOptions): Promise<TrainedBank> {
  const threads = options.threads ?? 1;
  const progress = options.onProgress ?? (() => {});
  progress({ stage: 'coreset', done: 0, total: 1 });
  // Augmented copies add views, not new parts: the bank grows to twice the plain bank, not eightfold.
  const ratioBasis = candidates.views > 1 ? 2 * candidates.plainPatches : undefined;
  const memory = await buildMemoryBankFrom(candidates.reservoir, { ...bankOptionsOf(options), ratioBasis, ...options.bank }, threads);
  let reweighting: Reweighting | undefined;
  if (options.reweight ?? DEFAULT_REWEIGHT) {
    const width = Math.min(REWEIGHT_TRAIN_WIDTH, memory.bank.size - 1);
    reweighting = { b: REWEIGHT_NEIGHBOURS, width, neighbours: await bankNeighbours(memory.bank, width, threads) };
  }
  progress({ stage: 'coreset', done: 1, total: 1 });
  return { memory, reweighting };
}

/** The first `width` neighbours of each row. */
export function trimNeighbours(r: Reweighting, width: number): Reweighting {
  const rows = r.width ? r.neighbours.length / r.width : 0;
  const neighbours = new Int32Array(rows * width);
  for (let j = 0; j < rows; j++) neighbours.set(r.neighbours.subarray(j * r.width, j * r.width + width), j * width);
  return { b: r.b, width, neighbours };
}
