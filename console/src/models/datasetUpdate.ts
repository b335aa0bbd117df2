import { type DatasetDescription, DescribeDatasetCommand, UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import type { Clients } from '../clients';

/** UpdateDatasetEntries with manifest lines, then waits until the dataset settles; throws with its message when the update failed. */
export async function updateDatasetEntries(clients: Clients, projectName: string, datasetType: string, lines: string[]): Promise<DatasetDescription> {
  const lfv = clients.lookoutVision;
  await lfv.send(new UpdateDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, Changes: new TextEncoder().encode(lines.join('\n')) }));
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    const status = (await lfv.send(new DescribeDatasetCommand({ ProjectName: projectName, DatasetType: datasetType }))).DatasetDescription!;
    if (status.Status !== 'UPDATE_IN_PROGRESS') {
      if (status.Status !== 'UPDATE_COMPLETE') throw new Error(status.StatusMessage ?? String(status.Status));
      return status;
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
