import Badge from '@cloudscape-design/components/badge';
import type { DatasetEntry } from '../datasetEntry';

/** An image's label in the gallery; a change not saved yet is marked as such. */
export function LabelBadge({ entry, pending }: { entry: DatasetEntry; pending?: 'normal' | 'anomaly' }) {
  const label = pending ?? entry.label;
  const unsaved = pending && pending !== entry.label ? ' (unsaved)' : '';
  if (label === 'anomaly') return <Badge color="red">{`Anomaly${entry.hasMask ? ' (mask)' : ''}${unsaved}`}</Badge>;
  if (label === 'normal') return <Badge color="green">{`Normal${unsaved}`}</Badge>;
  return <Badge color="grey">Unlabelled</Badge>;
}
