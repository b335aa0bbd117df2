import type { StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';

/** How a model status is shown. */
export function modelStatusType(status?: string): StatusIndicatorProps.Type {
  if (status === 'TRAINED' || status === 'HOSTED') return 'success';
  if (status?.endsWith('FAILED')) return 'error';
  if (status === 'DELETING' || status?.endsWith('ING')) return 'in-progress';
  return 'stopped';
}

/** Statuses that change on their own (training, starting, stopping, deleting): the page looks again while one lasts. */
export function isChanging(status?: string): boolean {
  return /ING$/.test(status ?? '');
}
