import { ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import Alert from '@cloudscape-design/components/alert';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import type { Clients } from '../clients';
import { FormModal } from '../components/FormModal';
import { type KeyRow, keyLabel } from './keyList';

/** ScheduleKeyDeletion after a warning and a typed confirmation: what the key encrypts is lost with it. */
export function ScheduleDeletionModal({ clients, keyRow, onClose }: { clients: Clients; keyRow: KeyRow; onClose(deletionDate?: Date): void }) {
  const [days, setDays] = useState('30');
  const [typed, setTyped] = useState('');
  const validDays = /^\d+$/.test(days) && Number(days) >= 7 && Number(days) <= 30;

  const schedule = async () => {
    const answer = await clients.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyRow.metadata.KeyId!, PendingWindowInDays: Number(days) }));
    onClose(answer.DeletionDate ?? new Date());
  };
  return (
    <FormModal
      header={`Schedule deletion of ${keyLabel(keyRow)}`}
      submitLabel="Schedule deletion"
      submitTestId="schedule-deletion-submit"
      disabled={typed !== 'delete' || !validDays}
      onCancel={() => onClose()}
      submit={schedule}
    >
      {(error) => (
        <SpaceBetween size="m">
          <Alert type="warning" header="Data encrypted under this key becomes unreadable">
            When the key is deleted, every model, dataset and object encrypted with it can never be decrypted again. Until then the key is unusable, and you can cancel the deletion.
          </Alert>
          <FormField label="Waiting period (days)" description="7 to 30 days." errorText={validDays ? undefined : 'A whole number of days from 7 to 30.'}>
            <Input type="number" value={days} onChange={({ detail }) => setDays(detail.value)} name="pendingWindow" />
          </FormField>
          <FormField label="To confirm, type delete in the field." errorText={error}>
            <Input value={typed} onChange={({ detail }) => setTyped(detail.value)} placeholder="delete" ariaLabel="Type delete to confirm" name="confirmKeyDeletion" />
          </FormField>
        </SpaceBetween>
      )}
    </FormModal>
  );
}
