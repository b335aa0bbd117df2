import Alert from '@cloudscape-design/components/alert';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { UploadOutcome } from '../../uploadImages';
import type { SourceProgress } from './imageSource';

/** A dataset's progress while its images are sent and imported, and the files that were refused. */
export function UploadProgress({ label, progress, failures }: { label: string; progress?: SourceProgress; failures: Extract<UploadOutcome, { error: string }>[] }) {
  return (
    <SpaceBetween size="s">
      {progress && (
        <ProgressBar
          label={label}
          description={progress.step}
          value={progress.total ? Math.round((100 * (progress.done ?? 0)) / progress.total) : undefined}
          additionalInfo={progress.total ? `${progress.done ?? 0} of ${progress.total} files` : undefined}
        />
      )}
      {failures.length > 0 && (
        <Alert type="error" header={`${failures.length} file${failures.length === 1 ? ' was' : 's were'} not added (${label.toLowerCase()})`}>
          <ul className="vigil-file-errors">
            {failures.map((f) => (
              <li key={f.file}>{`${f.file} ${f.error}`}</li>
            ))}
          </ul>
        </Alert>
      )}
    </SpaceBetween>
  );
}
