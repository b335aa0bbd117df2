import { randomUUID } from 'node:crypto';
import type { SealedBlobStore } from '../blob/sealedBlobStore.js';
import type { DatasetType, ImageStats } from '../store/datasetRecords.js';
import type { ImageLabel, MaskClass } from './manifestLine.js';

/** One image of a dataset as Vigil keeps it: the user's manifest line and Vigil's sealed copies. */
export interface StoredEntry {
  /** The manifest line, compact JSON: what ListDatasetEntries returns. */
  text: string;
  sourceRef: string;
  label?: ImageLabel;
  /** Blob keys of the sealed copies of the image and its mask. */
  image: string;
  mask?: string;
  /** Anomaly classes the mask shows, with their colours. */
  classes?: MaskClass[];
  width: number;
  height: number;
  /** Epoch milliseconds when the entry was added (the createdBefore/createdAfter filters). */
  createdAt: number;
}

/**
 * Where a dataset's entries and image copies live in the sealed blob store. The entry list is
 * one sealed object (JSON lines) replaced whole on every change, so a dataset is always one
 * consistent version; the row in the metadata store points at the current one.
 */
export class DatasetContents {
  /** Decrypted entry lists by blob key; each key names one immutable version. */
  private readonly cache = new Map<string, StoredEntry[]>();

  constructor(private readonly blobs: SealedBlobStore) {}

  static prefix(projectName: string, datasetType: DatasetType): string {
    return `projects/${projectName}/datasets/${datasetType}/`;
  }

  static context(projectName: string, datasetType: DatasetType) {
    return { 'vigil:project': projectName, 'vigil:dataset': datasetType };
  }

  newBlobKey(projectName: string, datasetType: DatasetType, kind: 'images' | 'masks' | 'entries'): string {
    return `${DatasetContents.prefix(projectName, datasetType)}${kind}/${randomUUID()}`;
  }

  async read(projectName: string, datasetType: DatasetType, entriesBlob: string | undefined): Promise<StoredEntry[]> {
    if (!entriesBlob) return [];
    const cached = this.cache.get(entriesBlob);
    if (cached) return cached;
    const text = (await this.blobs.getBuffer(entriesBlob, DatasetContents.context(projectName, datasetType))).toString('utf8');
    const entries = text === '' ? [] : text.split('\n').map((line) => JSON.parse(line) as StoredEntry);
    this.remember(entriesBlob, entries);
    return entries;
  }

  /** Writes a new version of the entry list and returns its blob key. */
  async write(projectName: string, datasetType: DatasetType, entries: StoredEntry[]): Promise<string> {
    const key = this.newBlobKey(projectName, datasetType, 'entries');
    const body = Buffer.from(entries.map((entry) => JSON.stringify(entry)).join('\n'), 'utf8');
    await this.blobs.put(key, body, { context: DatasetContents.context(projectName, datasetType) });
    this.remember(key, entries);
    return key;
  }

  async putImage(projectName: string, datasetType: DatasetType, kind: 'images' | 'masks', bytes: Buffer): Promise<string> {
    const key = this.newBlobKey(projectName, datasetType, kind);
    await this.blobs.put(key, bytes, { context: DatasetContents.context(projectName, datasetType) });
    return key;
  }

  async getImage(projectName: string, datasetType: DatasetType, key: string): Promise<Buffer> {
    return this.blobs.getBuffer(key, DatasetContents.context(projectName, datasetType));
  }

  /**
   * Stores UpdateDatasetEntries Changes sealed until a worker node applies them (jobs shared by nodes carry
   * ids only). Kept outside the dataset's prefix, so collecting the dataset's garbage never takes them.
   */
  async putChanges(projectName: string, datasetType: DatasetType, changes: Buffer): Promise<string> {
    const key = `jobs/dataset-changes/${randomUUID()}`;
    await this.blobs.put(key, changes, { context: DatasetContents.context(projectName, datasetType) });
    return key;
  }

  async getChanges(projectName: string, datasetType: DatasetType, key: string): Promise<Buffer> {
    return this.blobs.getBuffer(key, DatasetContents.context(projectName, datasetType));
  }

  async deleteChanges(key: string): Promise<void> {
    await this.blobs.delete(key);
  }

  /** Deletes every object of the dataset that `keep` does not name: failed imports, replaced versions. */
  async collectGarbage(projectName: string, datasetType: DatasetType, keep: ReadonlySet<string>): Promise<number> {
    let deleted = 0;
    for await (const key of this.blobs.list(DatasetContents.prefix(projectName, datasetType))) {
      if (keep.has(key)) continue;
      await this.blobs.delete(key);
      this.cache.delete(key);
      deleted += 1;
    }
    return deleted;
  }

  private remember(key: string, entries: StoredEntry[]): void {
    this.cache.set(key, entries);
    // A handful of recent versions is enough for paging through ListDatasetEntries.
    while (this.cache.size > 8) this.cache.delete(this.cache.keys().next().value as string);
  }
}

/** The blob keys an entry list refers to, itself included. */
export function referencedBlobs(entriesBlob: string | undefined, entries: StoredEntry[]): Set<string> {
  const keys = new Set<string>();
  if (entriesBlob) keys.add(entriesBlob);
  for (const entry of entries) {
    keys.add(entry.image);
    if (entry.mask) keys.add(entry.mask);
  }
  return keys;
}

export function statsOf(entries: StoredEntry[]): ImageStats {
  const normal = entries.filter((e) => e.label === 'normal').length;
  const anomaly = entries.filter((e) => e.label === 'anomaly').length;
  return { total: entries.length, labeled: normal + anomaly, normal, anomaly };
}
