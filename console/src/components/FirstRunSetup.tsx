import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { type Clients, errorText } from '../clients';
import { createConsoleBucket, newConsoleBucketName } from '../consoleBucket';

/** "First time set up": the console bucket, created through the S3 API, encrypted and never public. */
export function FirstRunSetup({ clients, onClose }: { clients: Clients; onClose(created?: string): void }) {
  const [name] = useState(newConsoleBucketName);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const create = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onClose(await createConsoleBucket(clients.s3, name));
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      onDismiss={() => onClose()}
      header="First time set up"
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={() => onClose()}>
              Not now
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void create()} data-testid="create-console-bucket">
              Create S3 bucket
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box>
          The console keeps the images you upload, the masks you paint and the manifests it writes in an S3 bucket of this Vigil. The bucket is encrypted with SSE-KMS under the default key, and all
          public access to it is blocked.
        </Box>
        <FormField label="Bucket name" errorText={error}>
          <Box variant="code" data-testid="console-bucket-name">
            {name}
          </Box>
        </FormField>
      </SpaceBetween>
    </Modal>
  );
}
