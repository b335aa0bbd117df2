import { CreateProjectCommand } from '@aws-sdk/client-lookoutvision';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import { useState } from 'react';
import type { Clients } from '../clients';
import { FormModal } from '../components/FormModal';

const PROJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

export function CreateProjectModal({ clients, onClose }: { clients: Clients; onClose(created?: string): void }) {
  const [name, setName] = useState('');
  const invalid = name !== '' && (!PROJECT_NAME.test(name) || name.length > 255);

  const create = async () => {
    await clients.lookoutVision.send(new CreateProjectCommand({ ProjectName: name }));
    onClose(name);
  };
  return (
    <FormModal header="Create project" submitLabel="Create project" submitTestId="create-project-submit" disabled={name === '' || invalid} onCancel={() => onClose()} submit={create}>
      {(error, submitNow) => (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            submitNow();
          }}
        >
          <FormField
            label="Project name"
            constraintText="1 to 255 characters: letters, digits, hyphens and underscores; it starts with a letter or digit."
            errorText={error ?? (invalid ? 'The name has a character that is not allowed.' : undefined)}
          >
            <Input value={name} onChange={({ detail }) => setName(detail.value)} autoFocus name="projectName" />
          </FormField>
        </form>
      )}
    </FormModal>
  );
}
