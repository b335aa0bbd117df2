import { DeleteDatasetCommand, DeleteModelCommand, DeleteProjectCommand, DescribeProjectCommand, ListModelsCommand, type ProjectMetadata } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../clients';
import { FormModal } from '../components/FormModal';

/** Type-to-confirm deletion, as the Lookout for Vision console had it; the project's models and datasets go with it. */
export function DeleteProjectModal({ clients, project, onClose }: { clients: Clients; project: ProjectMetadata; onClose(deleted?: string): void }) {
  const [typed, setTyped] = useState('');
  const name = project.ProjectName!;

  const remove = async () => {
    const lfv = clients.lookoutVision;
    const models = (await lfv.send(new ListModelsCommand({ ProjectName: name }))).Models ?? [];
    for (const model of models) await lfv.send(new DeleteModelCommand({ ProjectName: name, ModelVersion: model.ModelVersion! }));
    const datasets = (await lfv.send(new DescribeProjectCommand({ ProjectName: name }))).ProjectDescription?.Datasets ?? [];
    for (const dataset of datasets) await lfv.send(new DeleteDatasetCommand({ ProjectName: name, DatasetType: dataset.DatasetType! }));
    await lfv.send(new DeleteProjectCommand({ ProjectName: name }));
    onClose(name);
  };
  return (
    <FormModal header={`Delete ${name}`} submitLabel="Delete" submitTestId="delete-project-submit" disabled={typed !== 'delete'} onCancel={() => onClose()} submit={remove}>
      {(error) => (
        <SpaceBetween size="m">
          <Box>
            Deleting <b>{name}</b> deletes its datasets and models for good. Models that are hosted must be stopped first.
          </Box>
          <FormField label="To confirm, type delete in the field." errorText={error}>
            <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} placeholder="delete" ariaLabel="Type delete to confirm" name="confirmDelete" />
          </FormField>
        </SpaceBetween>
      )}
    </FormModal>
  );
}
