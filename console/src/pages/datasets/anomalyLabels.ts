import { paginateListDatasetEntries } from '@aws-sdk/client-lookoutvision';
import type { Clients } from '../../clients';
import { updateDatasetEntries } from '../../models/datasetUpdate';
import { type AnomalyClass, parseEntry } from '../datasetEntry';

/** An anomaly label of the project: its colour and the images whose masks name it. */
export interface LabelUse extends AnomalyClass {
  images: number;
}

/** The project's dataset lines, by dataset type, read a page at a time. */
export async function datasetLines(clients: Clients, projectName: string, datasetTypes: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const datasetType of datasetTypes) {
    const lines: string[] = [];
    for await (const page of paginateListDatasetEntries({ client: clients.lookoutVision }, { ProjectName: projectName, DatasetType: datasetType, MaxResults: 100 }))
      lines.push(...(page.DatasetEntries ?? []));
    out.set(datasetType, lines);
  }
  return out;
}

/** The anomaly labels named in the masks' colour maps, with how many images use each, by name. */
export function labelUses(lines: Iterable<string>): LabelUse[] {
  const uses = new Map<string, LabelUse>();
  for (const line of lines) {
    for (const c of parseEntry(line).classes) {
      const use = uses.get(c.className) ?? { ...c, images: 0 };
      use.images += 1;
      uses.set(c.className, use);
    }
  }
  return [...uses.values()].sort((a, b) => a.className.localeCompare(b.className));
}

/** Why a new name cannot be given to a label (the annotation tool's rule), or undefined. */
export function renameProblem(name: string, labels: readonly AnomalyClass[]): string | undefined {
  if (!/^[a-zA-Z0-9]{1,256}$/.test(name)) return 'Letters and digits only.';
  if (name.toLowerCase() === 'background' || labels.some((l) => l.className.toLowerCase() === name.toLowerCase())) return 'That label exists already.';
  return undefined;
}

/** A line with the label renamed in its mask's colour map; undefined when the line does not name it. */
export function renamedLine(line: string, from: string, to: string): string | undefined {
  const json = JSON.parse(line) as Record<string, unknown>;
  let changed = false;
  for (const value of Object.values(json)) {
    const map = (value as { type?: unknown; 'internal-color-map'?: Record<string, { 'class-name'?: unknown }> } | null)?.['internal-color-map'];
    if (!map || typeof map !== 'object') continue;
    for (const entry of Object.values(map)) {
      if (entry?.['class-name'] === from) {
        entry['class-name'] = to;
        changed = true;
      }
    }
  }
  return changed ? JSON.stringify(json) : undefined;
}

/**
 * Renames a label in every image's colour map (the masks keep their colours): UpdateDatasetEntries with the
 * changed lines of each dataset, in batches, each awaited. Returns how many images changed.
 */
export async function renameLabel(clients: Clients, projectName: string, lines: Map<string, string[]>, from: string, to: string): Promise<number> {
  let count = 0;
  for (const [datasetType, all] of lines) {
    const changed = all.map((l) => renamedLine(l, from, to)).filter((l): l is string => l !== undefined);
    for (let i = 0; i < changed.length; i += 1000) await updateDatasetEntries(clients, projectName, datasetType, changed.slice(i, i + 1000));
    count += changed.length;
  }
  return count;
}
