/** What the gallery shows of one manifest line (a SageMaker Ground Truth JSON line). */
export interface DatasetEntry {
  sourceRef: string;
  label: 'normal' | 'anomaly' | undefined;
  hasMask: boolean;
}

/**
 * The image and its label: the classification attribute is whichever "<name>-metadata" object has a
 * "class-name" (Lookout for Vision's own manifests call it "anomaly-label"); a mask is an
 * "anomaly-mask-ref" (or any "*-ref" attribute other than the source).
 */
export function parseEntry(line: string): DatasetEntry {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { sourceRef: '', label: undefined, hasMask: false };
  }
  let label: DatasetEntry['label'];
  let hasMask = false;
  for (const [key, value] of Object.entries(json)) {
    if (key.endsWith('-metadata') && value && typeof value === 'object') {
      const className = (value as Record<string, unknown>)['class-name'];
      if (className === 'normal' || className === 'anomaly') label = className;
    }
    if (key !== 'source-ref' && key.endsWith('-ref') && typeof value === 'string') hasMask = true;
  }
  return { sourceRef: typeof json['source-ref'] === 'string' ? (json['source-ref'] as string) : '', label, hasMask };
}
