/** What the gallery shows of one manifest line (a SageMaker Ground Truth JSON line), and the line itself. */
export interface DatasetEntry {
  sourceRef: string;
  label: 'normal' | 'anomaly' | undefined;
  hasMask: boolean;
  line: string;
}

const CLASSIFICATION = 'groundtruth/image-classification';
const SEGMENTATION = 'groundtruth/semantic-segmentation';

/**
 * The image and its label, read as Vigil reads manifests (src/service/manifestLine.ts): the
 * classification is the attribute whose "<name>-metadata" has type image-classification (its
 * "class-name" decides), a mask is a "*-ref" attribute whose metadata is a semantic segmentation.
 */
export function parseEntry(line: string): DatasetEntry {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { sourceRef: '', label: undefined, hasMask: false, line };
  }
  let label: DatasetEntry['label'];
  let hasMask = false;
  for (const name of Object.keys(json)) {
    const meta = json[`${name}-metadata`] as Record<string, unknown> | undefined;
    if (!meta || typeof meta !== 'object' || name === 'source-ref') continue;
    if (meta.type === CLASSIFICATION) {
      const className = String(meta['class-name'] ?? '').toLowerCase();
      label = className === 'normal' || className === 'anomaly' ? className : undefined;
    } else if (meta.type === SEGMENTATION) hasMask = true;
  }
  return { sourceRef: typeof json['source-ref'] === 'string' ? (json['source-ref'] as string) : '', label, hasMask, line };
}

/** The line with its classification set to label (a human annotation, now); everything else, masks included, kept. */
export function relabel(line: string, label: 'normal' | 'anomaly', now = new Date()): string {
  const json = JSON.parse(line) as Record<string, unknown>;
  let attribute = Object.keys(json).find((name) => name !== 'source-ref' && (json[`${name}-metadata`] as Record<string, unknown> | undefined)?.type === CLASSIFICATION);
  attribute ??= 'anomaly-label';
  const previous = (json[`${attribute}-metadata`] as Record<string, unknown> | undefined) ?? {};
  json[attribute] = label === 'anomaly' ? 1 : 0;
  json[`${attribute}-metadata`] = {
    ...previous,
    'job-name': previous['job-name'] ?? attribute,
    'class-name': label,
    'human-annotated': 'yes',
    'creation-date': now.toISOString(),
    type: CLASSIFICATION,
  };
  return JSON.stringify(json);
}
