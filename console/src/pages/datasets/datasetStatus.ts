import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

export function datasetStatus(status?: string): StatusIndicatorProps.Type {
  if (status?.endsWith('_COMPLETE')) return 'success';
  if (status?.endsWith('_FAILED')) return 'error';
  return 'in-progress';
}
