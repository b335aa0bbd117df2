import { DescribeProjectCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import type { Clients } from '../clients';
import { parseS3Uri } from '../s3Uri';

/**
 * The bucket that holds a project's images (that of its training dataset's first image, or of its only
 * dataset): where the console suggests writing model output and puts trial images folded into training.
 */
export async function projectBucket(clients: Clients, projectName: string): Promise<{ bucket: string; datasetType: string } | undefined> {
  const project = await clients.lookoutVision.send(new DescribeProjectCommand({ ProjectName: projectName }));
  const types = (project.ProjectDescription?.Datasets ?? []).map((d) => d.DatasetType!);
  const datasetType = types.includes('train') ? 'train' : types[0];
  if (!datasetType) return undefined;
  const entries = await clients.lookoutVision.send(new ListDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, MaxResults: 1 }));
  const first = entries.DatasetEntries?.[0];
  const location = first ? parseS3Uri(String((JSON.parse(first) as Record<string, unknown>)['source-ref'] ?? '')) : undefined;
  return location && { bucket: location.bucket, datasetType };
}
