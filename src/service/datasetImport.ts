import type { Readable } from 'node:stream';
import type { DatasetType } from '../store/datasetRecords.js';
import type { MetadataStore } from '../store/metadataStore.js';
import type { DatasetContents, StoredEntry } from './datasetContents.js';
import { checkDecodes, checkImage, checkMask, IMAGE_LIMITS } from './imageChecks.js';
import { type ManifestEntry, parseManifestLine } from './manifestLine.js';
import type { ObjectSource, S3Ref } from './objectSource.js';

/** Lookout for Vision's quotas on datasets (https://docs.aws.amazon.com/lookout-for-vision/latest/developer-guide/limits.html). */
export const DATASET_QUOTAS = { maxImages: { train: 16_000, test: 4_000 }, maxLabelsPerProject: 100 } as const;
/** Images fetched and sealed at the same time during an import. */
const COPY_CONCURRENCY = 4;

/** Why an import failed, in words for the dataset's StatusMessage. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
}

export interface ImportInput {
  projectName: string;
  datasetType: DatasetType;
  /** Numbered manifest lines (from a manifest object, or UpdateDatasetEntries' Changes). */
  lines: AsyncIterable<{ number: number; text: string }>;
  /** The dataset's entries before this import; lines with the same source-ref replace them. */
  existing: StoredEntry[];
  /** The bucket the dataset's images already come from, if any. */
  imageBucket?: string;
  signal: AbortSignal;
}

export interface ImportResult {
  entries: StoredEntry[];
  imageBucket?: string;
  /** Blob keys written by this import: deleted again if it does not commit. */
  written: Set<string>;
  /** Entries the import replaced, whose copies become garbage once it commits. */
  replaced: StoredEntry[];
}

/**
 * Reads manifest lines, checks every one (and every image and mask) against Lookout for Vision's
 * rules, and copies the images into the dataset's own sealed storage. The first problem stops
 * the import with a message naming the line; `written` then tells the caller what to remove.
 */
export class DatasetImporter {
  constructor(
    private readonly store: MetadataStore,
    private readonly contents: DatasetContents,
    private readonly objects: ObjectSource,
  ) {}

  async run(input: ImportInput, written: Set<string>): Promise<ImportResult> {
    const parsed = await this.parseAll(input);
    const bySource = new Map(input.existing.map((entry) => [entry.sourceRef, entry]));
    const replaced = parsed.filter((p) => bySource.has(p.entry.sourceRef)).map((p) => bySource.get(p.entry.sourceRef)!);
    const total = bySource.size + parsed.length - replaced.length;
    const max = DATASET_QUOTAS.maxImages[input.datasetType];
    if (total > max) throw new ImportError(`The ${input.datasetType} dataset would hold ${total} images; at most ${max} are allowed.`);

    const copies = await this.copyAll(input, parsed, written);
    for (const copy of copies) bySource.set(copy.sourceRef, copy);
    const entries = [...bySource.values()];
    await this.checkLabelCount(input, entries);
    return { entries, imageBucket: input.imageBucket ?? parsed[0]?.entry.image.bucket, written, replaced };
  }

  private async parseAll(input: ImportInput): Promise<{ number: number; entry: ManifestEntry }[]> {
    const parsed: { number: number; entry: ManifestEntry }[] = [];
    const seen = new Map<string, number>();
    let bucket = input.imageBucket;
    for await (const { number, text } of input.lines) {
      let entry: ManifestEntry;
      try {
        entry = parseManifestLine(text);
      } catch (error) {
        throw new ImportError(`Manifest line ${number} ${(error as Error).message}.`);
      }
      const earlier = seen.get(entry.sourceRef);
      if (earlier !== undefined) throw new ImportError(`Manifest line ${number} repeats the source-ref of line ${earlier} (${entry.sourceRef}).`);
      seen.set(entry.sourceRef, number);
      bucket ??= entry.image.bucket;
      for (const ref of [entry.image, entry.mask?.ref]) {
        if (ref && ref.bucket !== bucket) {
          throw new ImportError(`Manifest line ${number} refers to bucket ${ref.bucket}; all images and masks of a dataset must be in one bucket (${bucket}).`);
        }
      }
      parsed.push({ number, entry });
      if (parsed.length > DATASET_QUOTAS.maxImages[input.datasetType]) {
        throw new ImportError(`The manifest has more than ${DATASET_QUOTAS.maxImages[input.datasetType]} lines, the most a ${input.datasetType} dataset may hold.`);
      }
    }
    if (parsed.length === 0) throw new ImportError('The manifest has no entries.');
    return parsed;
  }

  private async copyAll(input: ImportInput, parsed: { number: number; entry: ManifestEntry }[], written: Set<string>): Promise<StoredEntry[]> {
    const copies: StoredEntry[] = new Array(parsed.length);
    // The first image alone first: in a new project it fixes the image size, so the other lines
    // are judged against it, whatever order the parallel copies finish in.
    if (input.signal.aborted) throw new ImportError('Vigil was shut down during the import; run it again.');
    copies[0] = await this.copyOne(input, parsed[0].number, parsed[0].entry, written);
    let next = 1;
    let failure: unknown;
    // Workers stop taking lines after the first failure, and all are awaited before it is
    // reported, so that no copy is still being written while the caller cleans up.
    const worker = async () => {
      while (next < parsed.length && failure === undefined) {
        const index = next++;
        try {
          if (input.signal.aborted) throw new ImportError('Vigil was shut down during the import; run it again.');
          copies[index] = await this.copyOne(input, parsed[index].number, parsed[index].entry, written);
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(COPY_CONCURRENCY, parsed.length) }, worker));
    if (failure !== undefined) throw failure;
    return copies;
  }

  private async copyOne(input: ImportInput, number: number, entry: ManifestEntry, written: Set<string>): Promise<StoredEntry> {
    const where = `Manifest line ${number} (${entry.sourceRef})`;
    const bytes = await this.fetch(entry.image, where, 'image');
    let image: Awaited<ReturnType<typeof checkImage>>;
    try {
      image = await checkImage(bytes);
      // Every pixel, not just the header: a truncated image would otherwise fail training later, unnamed.
      // As many decodes run at once as copies (COPY_CONCURRENCY), each on sharp's worker threads.
      await checkDecodes(bytes);
    } catch (error) {
      throw new ImportError(`${where}: the image ${(error as Error).message}.`);
    }
    const size = await this.store.projects.bindImageSize(input.projectName, image.width, image.height);
    if (size.width !== image.width || size.height !== image.height) {
      throw new ImportError(`${where}: the image is ${image.width}×${image.height} pixels; every image of project ${input.projectName} must be ${size.width}×${size.height}.`);
    }
    let mask: string | undefined;
    let classes: StoredEntry['classes'];
    if (entry.mask) {
      const maskBytes = await this.fetch(entry.mask.ref, where, 'mask');
      classes = await checkMask(maskBytes, image, entry.mask).catch((error: Error) => {
        throw new ImportError(`${where}: the mask s3://${entry.mask!.ref.bucket}/${entry.mask!.ref.key} ${error.message}.`);
      });
      mask = await this.contents.putImage(input.projectName, input.datasetType, 'masks', maskBytes);
      written.add(mask);
    }
    const copy = await this.contents.putImage(input.projectName, input.datasetType, 'images', bytes);
    written.add(copy);
    return {
      text: entry.text,
      sourceRef: entry.sourceRef,
      label: entry.label,
      image: copy,
      mask,
      classes,
      width: image.width,
      height: image.height,
      createdAt: Date.now(),
    };
  }

  private async fetch(ref: S3Ref, where: string, what: string): Promise<Buffer> {
    let object: { body: Readable; size: number };
    try {
      object = await this.objects.getObject(ref.bucket, ref.key);
    } catch (error) {
      throw new ImportError(`${where}: cannot read the ${what} s3://${ref.bucket}/${ref.key}: ${(error as Error).message}`);
    }
    if (object.size > IMAGE_LIMITS.maxBytes) {
      object.body.destroy();
      throw new ImportError(`${where}: the ${what} is ${object.size} bytes; at most 8 MB is allowed.`);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /** At most 100 anomaly labels in a project, counting both of its datasets. */
  private async checkLabelCount(input: ImportInput, entries: StoredEntry[]): Promise<void> {
    const labels = new Set(entries.flatMap((e) => e.classes?.map((c) => c.className) ?? []));
    const otherType: DatasetType = input.datasetType === 'train' ? 'test' : 'train';
    const other = await this.store.datasets.get(input.projectName, otherType);
    if (other?.entriesBlob) {
      for (const entry of await this.contents.read(input.projectName, otherType, other.entriesBlob)) {
        for (const c of entry.classes ?? []) labels.add(c.className);
      }
    }
    if (labels.size > DATASET_QUOTAS.maxLabelsPerProject) {
      throw new ImportError(`Project ${input.projectName} would have ${labels.size} anomaly labels; at most ${DATASET_QUOTAS.maxLabelsPerProject} are allowed.`);
    }
  }
}
