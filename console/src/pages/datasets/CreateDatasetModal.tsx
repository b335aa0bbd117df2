import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import RadioGroup from '@cloudscape-design/components/radio-group';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../../clients';
import { datasetName } from './datasetName';
import { ImageSourceFields } from './ImageSourceFields';
import { type ImageSource, sourceProblem } from './imageSource';
import { UploadProgress } from './UploadProgress';
import { useDatasetImport } from './useDatasetImport';

/** Create dataset: one dataset, or separate training and test datasets, each from its own source. */
export function CreateDatasetModal({ clients, projectName, onClose }: { clients: Clients; projectName: string; onClose(created: boolean): void }) {
  const [layout, setLayout] = useState<'single' | 'separate'>('single');
  const [train, setTrain] = useState<ImageSource>({ kind: 'upload', files: [] });
  const [test, setTest] = useState<ImageSource>({ kind: 'upload', files: [] });
  const [tried, setTried] = useState(false);
  const [finished, setFinished] = useState(false);
  const imports = useDatasetImport(clients, projectName);
  const problems = { train: sourceProblem(train), test: layout === 'separate' ? sourceProblem(test) : undefined };

  const create = async () => {
    setTried(true);
    if (problems.train || problems.test) return;
    const jobs = [{ datasetType: 'train', source: train, exists: false }];
    if (layout === 'separate') jobs.push({ datasetType: 'test', source: test, exists: false });
    const { ok, refused } = await imports.run(jobs);
    // With refused files the dialog stays open on its report until it is closed.
    if (ok && refused === 0) onClose(true);
    else setFinished(ok);
  };
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      size="large"
      onDismiss={() => !imports.busy && onClose(imports.changedAny)}
      header="Create dataset"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" disabled={imports.busy} onClick={() => onClose(imports.changedAny)}>
              {finished ? 'Close' : 'Cancel'}
            </Button>
            {!finished && (
              <Button variant="primary" loading={imports.busy} onClick={() => void create()} data-testid="create-dataset-submit">
                Create dataset
              </Button>
            )}
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="l">
        <FormField label="Dataset configuration">
          <RadioGroup
            value={layout}
            onChange={({ detail }) => setLayout(detail.value as 'single' | 'separate')}
            items={[
              { value: 'single', label: 'Create a single dataset', description: 'Vigil sets test images aside from it when it trains.' },
              { value: 'separate', label: 'Create a training dataset and a test dataset' },
            ]}
          />
        </FormField>
        <ImageSourceFields name={layout === 'single' ? 'dataset' : 'training dataset'} source={train} onChange={setTrain} problem={tried ? problems.train : undefined} />
        <UploadProgress label={layout === 'single' ? 'Dataset' : datasetName('train')} progress={imports.progress.train} failures={imports.failures.train ?? []} />
        {layout === 'separate' && (
          <>
            <ImageSourceFields name="test dataset" source={test} onChange={setTest} problem={tried ? problems.test : undefined} />
            <UploadProgress label={datasetName('test')} progress={imports.progress.test} failures={imports.failures.test ?? []} />
          </>
        )}
        {imports.error && <Alert type="error">{imports.error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
