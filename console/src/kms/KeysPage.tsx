import { CancelKeyDeletionCommand, DisableKeyCommand, DisableKeyRotationCommand, EnableKeyCommand, EnableKeyRotationCommand } from '@aws-sdk/client-kms';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { CreateKeyModal } from './CreateKeyModal';
import { type KeyRow, keyLabel, listKeys } from './keyList';
import { ScheduleDeletionModal } from './ScheduleDeletionModal';

/** The KMS keys that encrypt Vigil's data: create a customer managed key with an alias, enable or disable it, rotate it, schedule its deletion. */
export function KeysPage({ clients, notify }: { clients: Clients; notify: Notify }) {
  const [keys, setKeys] = useState<KeyRow[] | undefined>();
  const [selected, setSelected] = useState<KeyRow[]>([]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<KeyRow | undefined>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const all = await listKeys(clients, true);
      all.sort((a, b) => (a.metadata.CreationDate?.getTime() ?? 0) - (b.metadata.CreationDate?.getTime() ?? 0));
      setKeys(all);
      setSelected((s) => all.filter((k) => s.some((x) => x.metadata.KeyId === k.metadata.KeyId)));
    } catch (e) {
      notify('error', `Could not list the keys. ${errorText(e)}`);
      setKeys([]);
    }
  }, [clients, notify]);
  useEffect(() => void load(), [load]);

  const key = selected[0];
  const customer = key?.metadata.KeyManager === 'CUSTOMER';
  const state = key?.metadata.KeyState;
  const act = async (done: string, send: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await send();
      notify('success', done);
      await load();
    } catch (e) {
      notify('error', errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const onAction = (id: string) => {
    if (!key) return;
    const KeyId = key.metadata.KeyId!;
    const name = keyLabel(key);
    if (id === 'enable') void act(`${name} enabled.`, () => clients.kms.send(new EnableKeyCommand({ KeyId })));
    if (id === 'disable') void act(`${name} disabled: data under it cannot be read until it is enabled again.`, () => clients.kms.send(new DisableKeyCommand({ KeyId })));
    if (id === 'rotation-on') void act(`Automatic rotation of ${name} is on.`, () => clients.kms.send(new EnableKeyRotationCommand({ KeyId })));
    if (id === 'rotation-off') void act(`Automatic rotation of ${name} is off.`, () => clients.kms.send(new DisableKeyRotationCommand({ KeyId })));
    if (id === 'cancel-deletion') void act(`Deletion of ${name} cancelled; the key is disabled.`, () => clients.kms.send(new CancelKeyDeletionCommand({ KeyId })));
    if (id === 'schedule-deletion') setDeleting(key);
  };

  return (
    <>
      <Table
        variant="full-page"
        loading={keys === undefined}
        loadingText="Loading keys"
        items={keys ?? []}
        trackBy={(k) => k.metadata.KeyId!}
        selectionType="single"
        selectedItems={selected}
        onSelectionChange={({ detail }) => setSelected(detail.selectedItems)}
        ariaLabels={{ itemSelectionLabel: (_s, k) => keyLabel(k), selectionGroupLabel: 'Keys', allItemsSelectionLabel: () => 'all' }}
        header={
          <Header
            variant="h1"
            counter={keys ? `(${keys.length})` : undefined}
            description="Customer managed keys can encrypt models and datasets instead of Vigil's default key."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh keys" onClick={() => void load()} />
                <ButtonDropdown
                  disabled={!customer || busy}
                  loading={busy}
                  onItemClick={({ detail }) => onAction(detail.id)}
                  items={[
                    { id: 'enable', text: 'Enable', disabled: state !== 'Disabled' },
                    { id: 'disable', text: 'Disable', disabled: state !== 'Enabled' },
                    { id: 'rotation-on', text: 'Turn on automatic rotation', disabled: state !== 'Enabled' || key?.rotation === true },
                    { id: 'rotation-off', text: 'Turn off automatic rotation', disabled: state !== 'Enabled' || key?.rotation !== true },
                    { id: 'schedule-deletion', text: 'Schedule key deletion', disabled: state === 'PendingDeletion' },
                    { id: 'cancel-deletion', text: 'Cancel key deletion', disabled: state !== 'PendingDeletion' },
                  ]}
                >
                  Key actions
                </ButtonDropdown>
                <Button variant="primary" onClick={() => setCreating(true)}>
                  Create key
                </Button>
              </SpaceBetween>
            }
          >
            Encryption keys
          </Header>
        }
        columnDefinitions={[
          { id: 'alias', header: 'Aliases', cell: (k) => (k.aliases.length ? k.aliases.join(', ') : '-') },
          { id: 'id', header: 'Key ID', cell: (k) => k.metadata.KeyId },
          { id: 'state', header: 'Status', cell: (k) => <StatusIndicator type={stateType(k.metadata.KeyState)}>{k.metadata.KeyState}</StatusIndicator> },
          { id: 'manager', header: 'Managed by', cell: (k) => (k.metadata.KeyManager === 'CUSTOMER' ? 'Customer' : 'Vigil') },
          { id: 'rotation', header: 'Automatic rotation', cell: (k) => (k.rotation === undefined ? '-' : k.rotation ? 'On' : 'Off') },
          { id: 'description', header: 'Description', cell: (k) => k.metadata.Description || '-' },
          { id: 'deletion', header: 'Deletion date', cell: (k) => k.metadata.DeletionDate?.toLocaleString() ?? '-' },
        ]}
        empty={<Box textAlign="center">No keys.</Box>}
      />
      {creating && (
        <CreateKeyModal
          clients={clients}
          onClose={(alias) => {
            setCreating(false);
            if (alias) {
              notify('success', `Key ${alias} created.`);
              void load();
            }
          }}
        />
      )}
      {deleting && (
        <ScheduleDeletionModal
          clients={clients}
          keyRow={deleting}
          onClose={(date) => {
            setDeleting(undefined);
            if (date) {
              notify('warning', `${keyLabel(deleting)} will be deleted on ${date.toLocaleDateString()}.`);
              void load();
            }
          }}
        />
      )}
    </>
  );
}

function stateType(state?: string): StatusIndicatorProps.Type {
  if (state === 'Enabled') return 'success';
  if (state === 'PendingDeletion') return 'warning';
  if (state === 'Disabled') return 'stopped';
  return 'info';
}
