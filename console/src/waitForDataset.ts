import { type DatasetDescription, DescribeDatasetCommand, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';

/** Polls DescribeDataset until a create or update has finished, with a growing pause (at most 2 s). */
export async function waitForDataset(lfv: LookoutVisionClient, projectName: string, datasetType: string): Promise<DatasetDescription> {
  for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
    const dataset = (await lfv.send(new DescribeDatasetCommand({ ProjectName: projectName, DatasetType: datasetType }))).DatasetDescription!;
    if (!dataset.Status?.endsWith('_IN_PROGRESS')) return dataset;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Whether a finished create or update succeeded. */
export function datasetSucceeded(dataset: DatasetDescription): boolean {
  return dataset.Status === 'CREATE_COMPLETE' || dataset.Status === 'UPDATE_COMPLETE';
}
