import { DeleteDatasetCommand, DeleteModelCommand, DeleteProjectCommand, DescribeProjectCommand, ListModelsCommand, type ProjectMetadata } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { type Clients, errorText } from '../clients';

/** Type-to-confirm deletion, as the Lookout for Vision console had it; the project's models and datasets go with it. */
export function DeleteProjectModal({ clients, project, onClose }: { clients: Clients; project: ProjectMetadata; onClose(deleted?: string): void }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const name = project.ProjectName!;

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const lfv = clients.lookoutVision;
      const models = (await lfv.send(new ListModelsCommand({ ProjectName: name }))).Models ?? [];
      for (const model of models) await lfv.send(new DeleteModelCommand({ ProjectName: name, ModelVersion: model.ModelVersion! }));
      const datasets = (await lfv.send(new DescribeProjectCommand({ ProjectName: name }))).ProjectDescription?.Datasets ?? [];
      for (const dataset of datasets) await lfv.send(new DeleteDatasetCommand({ ProjectName: name, DatasetType: dataset.DatasetType! }));
      await lfv.send(new DeleteProjectCommand({ ProjectName: name }));
      onClose(name);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      onDismiss={() => onClose()}
      header={`Delete ${name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} disabled={typed !== 'delete'} onClick={() => void remove()} data-testid="delete-project-submit">
              Delete
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          Deleting <b>{name}</b> deletes its datasets and models for good. Models that are hosted must be stopped first.
        </Box>
        <FormField label="To confirm, type delete in the field." errorText={error}>
          <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} placeholder="delete" ariaLabel="Type delete to confirm" name="confirmDelete" />
        </FormField>
      </SpaceBetween>
    </Modal>
  );
}
