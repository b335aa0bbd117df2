/** What the gallery shows of one manifest line (a SageMaker Ground Truth JSON line), and the line itself. */
export interface DatasetEntry {
  sourceRef: string;
  label: 'normal' | 'anomaly' | undefined;
  hasMask: boolean;
  /** The mask's s3:// URI, when the line has one. */
  maskRef?: string;
  /** The anomaly classes of the mask's colour map (BACKGROUND left out). */
  classes: AnomalyClass[];
  line: string;
}

/** An anomaly label of a segmentation project: a name and the mask colour that stands for it. */
export interface AnomalyClass {
  className: string;
  /** #rrggbb, lower case. */
  hexColor: string;
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
    return { sourceRef: '', label: undefined, hasMask: false, classes: [], line };
  }
  let label: DatasetEntry['label'];
  let hasMask = false;
  let maskRef: string | undefined;
  let classes: AnomalyClass[] = [];
  for (const name of Object.keys(json)) {
    const meta = json[`${name}-metadata`] as Record<string, unknown> | undefined;
    if (!meta || typeof meta !== 'object' || name === 'source-ref') continue;
    if (meta.type === CLASSIFICATION) {
      const className = String(meta['class-name'] ?? '').toLowerCase();
      label = className === 'normal' || className === 'anomaly' ? className : undefined;
    } else if (meta.type === SEGMENTATION) {
      hasMask = true;
      maskRef = typeof json[name] === 'string' ? (json[name] as string) : undefined;
      classes = colorMapClasses(meta['internal-color-map']);
    }
  }
  return { sourceRef: typeof json['source-ref'] === 'string' ? (json['source-ref'] as string) : '', label, hasMask, maskRef, classes, line };
}

function colorMapClasses(map: unknown): AnomalyClass[] {
  if (typeof map !== 'object' || map === null) return [];
  return Object.values(map as Record<string, { 'class-name'?: unknown; 'hex-color'?: unknown }>)
    .filter((c) => typeof c?.['class-name'] === 'string' && typeof c['hex-color'] === 'string' && String(c['class-name']).toLowerCase() !== 'background')
    .map((c) => ({ className: c['class-name'] as string, hexColor: (c['hex-color'] as string).toLowerCase() }));
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

/** A line for an image with no label yet, or labelled by the folder it was found in. */
export function imageLine(sourceRef: string, label?: 'normal' | 'anomaly', now = new Date()): string {
  const line = JSON.stringify({ 'source-ref': sourceRef });
  return label ? relabel(line, label, now) : line;
}

/**
 * The line with a painted mask: an anomaly (a mask shows where it is) whose mask attribute, under the
 * name the line already used or anomaly-mask-ref, points at the PNG, with a colour map that gives
 * index 0 to the white background and 1.. to the classes, as Lookout for Vision's console wrote it.
 */
export function withMask(line: string, maskRef: string, classes: AnomalyClass[], now = new Date()): string {
  const json = JSON.parse(relabel(line, 'anomaly', now)) as Record<string, unknown>;
  let attribute = Object.keys(json).find((name) => (json[`${name}-metadata`] as Record<string, unknown> | undefined)?.type === SEGMENTATION);
  attribute ??= 'anomaly-mask-ref';
  const colorMap: Record<string, { 'class-name': string; 'hex-color': string; confidence: number }> = { '0': { 'class-name': 'BACKGROUND', 'hex-color': '#ffffff', confidence: 0 } };
  classes.forEach((c, i) => {
    colorMap[String(i + 1)] = { 'class-name': c.className, 'hex-color': c.hexColor, confidence: 0 };
  });
  json[attribute] = maskRef;
  json[`${attribute}-metadata`] = {
    'internal-color-map': colorMap,
    type: SEGMENTATION,
    'human-annotated': 'yes',
    'creation-date': now.toISOString(),
    'job-name': 'vigil-console-annotation',
  };
  return JSON.stringify(json);
}
