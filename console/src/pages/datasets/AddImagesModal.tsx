import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../../clients';
import { datasetName } from './datasetName';
import { ImageSourceFields } from './ImageSourceFields';
import { type ImageSource, sourceProblem } from './imageSource';
import { UploadProgress } from './UploadProgress';
import { useDatasetImport } from './useDatasetImport';

/** "Add images to the training/test dataset": more images from any source, sent with UpdateDatasetEntries. */
export function AddImagesModal({ clients, projectName, datasetType, onClose }: { clients: Clients; projectName: string; datasetType: string; onClose(added: boolean): void }) {
  const [source, setSource] = useState<ImageSource>({ kind: 'upload', files: [] });
  const [tried, setTried] = useState(false);
  const [finished, setFinished] = useState(false);
  const imports = useDatasetImport(clients, projectName);
  const problem = sourceProblem(source);
  const name = datasetName(datasetType).toLowerCase();

  const add = async () => {
    setTried(true);
    if (problem) return;
    const { ok, refused } = await imports.run([{ datasetType, source, exists: true }]);
    // With refused files the dialog stays open on its report until it is closed.
    if (ok && refused === 0) onClose(true);
    else setFinished(ok);
  };
  const failures = imports.failures[datasetType] ?? [];
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      size="large"
      onDismiss={() => !imports.busy && onClose(imports.changedAny)}
      header={`Add images to the ${name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" disabled={imports.busy} onClick={() => onClose(imports.changedAny)}>
              {finished ? 'Close' : 'Cancel'}
            </Button>
            {!finished && (
              <Button variant="primary" loading={imports.busy} onClick={() => void add()} data-testid="add-images-submit">
                Add images
              </Button>
            )}
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="l">
        <ImageSourceFields name={name} source={source} onChange={setSource} problem={tried ? problem : undefined} />
        <UploadProgress label={datasetName(datasetType)} progress={imports.progress[datasetType]} failures={failures} />
        {imports.error && <Alert type="error">{imports.error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
