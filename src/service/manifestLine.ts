import { parseS3Uri, type S3Ref } from './objectSource.js';

/** The largest dataset entry Lookout for Vision returns (DatasetEntry: 2..8192 characters). */
export const MAX_ENTRY_CHARS = 8192;

export type ImageLabel = 'normal' | 'anomaly';

export interface MaskClass {
  className: string;
  /** #rrggbb, lower case. */
  hexColor: string;
}

/** One manifest line, understood: what the image is, its label, and its mask if it has one. */
export interface ManifestEntry {
  /** The line as the user wrote it, re-serialized compactly: what ListDatasetEntries returns. */
  text: string;
  sourceRef: string;
  image: S3Ref;
  /** undefined: unlabelled (a class-name other than normal/anomaly, or no classification label). */
  label?: ImageLabel;
  mask?: { ref: S3Ref; classes: MaskClass[]; backgroundColors: string[] };
}

export class ManifestLineError extends Error {
  override readonly name = 'ManifestLineError';
}

/**
 * Reads one SageMaker Ground Truth line (format: https://docs.aws.amazon.com/lookout-for-vision/latest/developer-guide/manifest-files.html)
 * with Lookout for Vision's tolerance, which AWS's own cookie sample needs (test/fixtures/cookies/manifests):
 * the label attribute may have any name (its value is ignored; `class-name` decides), a mask
 * attribute is any `*-ref` key whose metadata is a semantic segmentation, colours compare
 * case-insensitively, and a colour map entry 0 may be an anomaly class rather than BACKGROUND.
 */
export function parseManifestLine(raw: string): ManifestEntry {
  let line: unknown;
  try {
    line = JSON.parse(raw);
  } catch {
    throw new ManifestLineError('is not valid JSON');
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line)) throw new ManifestLineError('is not a JSON object');
  const fields = line as Record<string, unknown>;
  const text = JSON.stringify(fields);
  if (text.length > MAX_ENTRY_CHARS) throw new ManifestLineError(`is longer than ${MAX_ENTRY_CHARS} characters`);
  const sourceRef = fields['source-ref'];
  const image = parseS3Uri(sourceRef);
  if (!image) throw new ManifestLineError(`has no source-ref of the form s3://bucket/key`);

  let label: ImageLabel | undefined;
  let mask: ManifestEntry['mask'];
  for (const [name, value] of Object.entries(fields)) {
    const metadata = fields[`${name}-metadata`];
    if (typeof metadata !== 'object' || metadata === null || name === 'source-ref') continue;
    const meta = metadata as Record<string, unknown>;
    if (meta.type === 'groundtruth/image-classification') {
      if (label !== undefined) throw new ManifestLineError('has more than one classification label');
      const className = typeof meta['class-name'] === 'string' ? meta['class-name'].toLowerCase() : undefined;
      label = className === 'normal' || className === 'anomaly' ? className : undefined;
    } else if (meta.type === 'groundtruth/semantic-segmentation') {
      if (!name.endsWith('-ref')) throw new ManifestLineError(`has segmentation metadata for ${name}, whose name does not end in -ref`);
      if (mask) throw new ManifestLineError('has more than one mask');
      const ref = parseS3Uri(value);
      if (!ref) throw new ManifestLineError(`has ${name} that is not of the form s3://bucket/key`);
      mask = { ref, ...colorMap(meta['internal-color-map']) };
    }
  }
  return { text, sourceRef: sourceRef as string, image, label, mask };
}

function colorMap(value: unknown): { classes: MaskClass[]; backgroundColors: string[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestLineError('has a mask without an internal-color-map');
  }
  const classes: MaskClass[] = [];
  const backgroundColors: string[] = [];
  for (const [index, entry] of Object.entries(value as Record<string, unknown>)) {
    const item = entry as Record<string, unknown> | null;
    const className = item?.['class-name'];
    const hexColor = item?.['hex-color'];
    if (typeof className !== 'string' || className === '' || typeof hexColor !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(hexColor)) {
      throw new ManifestLineError(`has color map entry ${index} without a class-name and a #rrggbb hex-color`);
    }
    if (className.toLowerCase() === 'background') backgroundColors.push(hexColor.toLowerCase());
    else {
      if (!/^[a-zA-Z0-9]+$/.test(className) || className.length > 256) {
        throw new ManifestLineError(`has anomaly class '${className}': class names are letters and digits only (at most 256)`);
      }
      classes.push({ className, hexColor: hexColor.toLowerCase() });
    }
  }
  return { classes, backgroundColors };
}
