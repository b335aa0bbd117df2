import { useState } from 'react';
import { type Clients, errorText } from '../../clients';
import { useConsoleBucket } from '../../useConsoleBucket';
import { datasetSucceeded } from '../../waitForDataset';
import { type AddImagesResult, addImages, type ImageSource, type SourceProgress } from './imageSource';

export interface DatasetImportJob {
  datasetType: string;
  source: ImageSource;
  exists: boolean;
}

/** Runs image sources into datasets one after the other, keeping each dataset's progress and refused files for display. */
export function useDatasetImport(clients: Clients, projectName: string) {
  const { bucket } = useConsoleBucket();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [progress, setProgress] = useState<Record<string, SourceProgress>>({});
  const [failures, setFailures] = useState<Record<string, AddImagesResult['failures']>>({});
  // Datasets already created or updated by an earlier run: a retry after a failure skips them.
  const [completed, setCompleted] = useState<ReadonlySet<string>>(new Set());

  /** ok: every dataset was created or updated; refused: how many files were left out. */
  const run = async (jobs: DatasetImportJob[]): Promise<{ ok: boolean; refused: number }> => {
    setBusy(true);
    setError(undefined);
    let refused = 0;
    try {
      for (const job of jobs) {
        if (completed.has(job.datasetType)) continue;
        if (!bucket && job.source.kind !== 'manifest') throw new Error('Set up the console bucket first.');
        let result: AddImagesResult;
        try {
          result = await addImages({
            clients,
            projectName,
            datasetType: job.datasetType,
            source: job.source,
            consoleBucket: bucket ?? '',
            exists: job.exists,
            // A later step keeps the upload's file counts on show.
            onProgress: (p) => setProgress((all) => ({ ...all, [job.datasetType]: { ...all[job.datasetType], ...p } })),
          });
        } catch (e) {
          const refused = (e as { failures?: AddImagesResult['failures'] }).failures;
          if (refused) setFailures((all) => ({ ...all, [job.datasetType]: refused }));
          throw e;
        }
        refused += result.failures.length;
        setFailures((all) => ({ ...all, [job.datasetType]: result.failures }));
        setCompleted((all) => new Set([...all, job.datasetType]));
        if (!datasetSucceeded(result.dataset)) throw new Error(`The ${job.datasetType} dataset is ${result.dataset.Status}: ${result.dataset.StatusMessage ?? ''}`);
        setProgress((all) => ({
          ...all,
          [job.datasetType]: { step: `Done: ${result.dataset.ImageStats?.Total ?? 0} images in the dataset`, done: all[job.datasetType]?.total, total: all[job.datasetType]?.total },
        }));
      }
      return { ok: true, refused };
    } catch (e) {
      setError(errorText(e));
      return { ok: false, refused };
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, progress, failures, changedAny: completed.size > 0 };
}
