import { CreateProjectCommand } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { type Clients, errorText } from '../clients';

const PROJECT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;

export function CreateProjectModal({ clients, onClose }: { clients: Clients; onClose(created?: string): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const invalid = name !== '' && (!PROJECT_NAME.test(name) || name.length > 255);

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await clients.lookoutVision.send(new CreateProjectCommand({ ProjectName: name }));
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
      header="Create project"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} disabled={name === '' || invalid} onClick={() => void create()} data-testid="create-project-submit">
              Create project
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (name !== '' && !invalid) void create();
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
    </Modal>
  );
}
