import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../clients';
import { createConsoleBucket, newConsoleBucketName } from '../consoleBucket';
import { FormModal } from './FormModal';

/** "First time set up": the console bucket, created through the S3 API, encrypted and never public. */
export function FirstRunSetup({ clients, onClose }: { clients: Clients; onClose(created?: string): void }) {
  const [name] = useState(newConsoleBucketName);
  return (
    <FormModal
      header="First time set up"
      submitLabel="Create S3 bucket"
      submitTestId="create-console-bucket"
      cancelLabel="Not now"
      onCancel={() => onClose()}
      submit={async () => onClose(await createConsoleBucket(clients.s3, name))}
    >
      {(error) => (
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
      )}
    </FormModal>
  );
}
