/** A dataset type as the console names it. */
export function datasetName(type?: string): string {
  return type === 'train' ? 'Training dataset' : type === 'test' ? 'Test dataset' : (type ?? '');
}
