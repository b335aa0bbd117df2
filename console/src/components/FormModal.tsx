import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal, { type ModalProps } from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { type ReactNode, useState } from 'react';
import { errorText } from '../clients';

/**
 * A modal form's frame: a cancel link and one primary action. `submit` sends the request (and closes the
 * modal when it succeeds); while it runs the button spins, and a failure's message is handed to the form
 * (`children`) to show beside the field it concerns, the form staying open to be corrected. `children`
 * also gets the submit action, for a form that sends on Enter.
 */
export function FormModal({
  header,
  submitLabel,
  submitTestId,
  cancelLabel = 'Cancel',
  disabled,
  size,
  onCancel,
  submit,
  children,
}: {
  header: string;
  submitLabel: string;
  submitTestId: string;
  cancelLabel?: string;
  disabled?: boolean;
  size?: ModalProps.Size;
  onCancel(): void;
  submit(): Promise<void>;
  children(error: string | undefined, submitNow: () => void): ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await submit();
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      size={size}
      onDismiss={onCancel}
      header={header}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onCancel}>
              {cancelLabel}
            </Button>
            <Button variant="primary" loading={busy} disabled={disabled} onClick={() => void run()} data-testid={submitTestId}>
              {submitLabel}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      {children(error, () => {
        if (!disabled && !busy) void run();
      })}
    </Modal>
  );
}
