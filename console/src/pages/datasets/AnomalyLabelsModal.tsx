import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import { type Clients, errorText } from '../../clients';
import { datasetLines, type LabelUse, labelUses, renameLabel, renameProblem } from './anomalyLabels';

/**
 * The project's anomaly labels (segmentation): each with its colour and the images whose masks use it; a label
 * can be renamed across every dataset of the project. Labels live in the masks' colour maps, so a label no mask
 * uses is gone once its annotation tool closes: there is nothing to delete.
 */
export function AnomalyLabelsModal({ clients, projectName, datasetTypes, onClose }: { clients: Clients; projectName: string; datasetTypes: string[]; onClose(changed: boolean): void }) {
  const [lines, setLines] = useState<Map<string, string[]> | undefined>();
  const [selected, setSelected] = useState<LabelUse | undefined>();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [changed, setChanged] = useState(false);
  const [done, setDone] = useState<string | undefined>();

  // The types as one string: the parent passes a new array on each render.
  const types = datasetTypes.join(',');
  const load = useCallback(async () => {
    try {
      setLines(await datasetLines(clients, projectName, types.split(',')));
    } catch (e) {
      setError(`Could not read the datasets. ${errorText(e)}`);
      setLines(new Map());
    }
  }, [clients, projectName, types]);
  useEffect(() => void load(), [load]);

  const labels = lines ? labelUses([...lines.values()].flat()) : [];
  const problem = selected && name !== '' && name !== selected.className ? renameProblem(name, labels) : undefined;
  const rename = async () => {
    if (!selected || !lines) return;
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      const count = await renameLabel(clients, projectName, lines, selected.className, name);
      setChanged(true);
      setSelected(undefined);
      setName('');
      setLines(undefined);
      await load();
      setDone(`${selected.className} was renamed to ${name} in ${count} image${count === 1 ? '' : 's'}.`);
    } catch (e) {
      setError(`The label was not renamed. ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      size="medium"
      onDismiss={() => !busy && onClose(changed)}
      header="Anomaly labels"
      footer={
        <Box float="right">
          <Button variant="link" disabled={busy} onClick={() => onClose(changed)}>
            Close
          </Button>
        </Box>
      }
    >
      <SpaceBetween size="l">
        <Table
          variant="embedded"
          loading={lines === undefined}
          loadingText="Reading the datasets"
          items={labels}
          trackBy="className"
          selectionType="single"
          selectedItems={selected ? [selected] : []}
          onSelectionChange={({ detail }) => {
            setSelected(detail.selectedItems[0]);
            setName(detail.selectedItems[0]?.className ?? '');
          }}
          ariaLabels={{ itemSelectionLabel: (_s, l) => `Label ${l.className}`, selectionGroupLabel: 'Anomaly labels' }}
          columnDefinitions={[
            {
              id: 'name',
              header: 'Label',
              cell: (l) => (
                <span>
                  <span className="vigil-swatch" style={{ background: l.hexColor }} aria-hidden="true" /> {l.className}
                </span>
              ),
            },
            { id: 'images', header: 'Images', cell: (l) => <span data-testid={`label-images-${l.className}`}>{l.images}</span> },
          ]}
          empty={<Box textAlign="center">No mask names an anomaly label yet: paint one in the gallery.</Box>}
        />
        {selected && (
          <FormField label={`New name of ${selected.className}`} description="Renamed in the colour map of every image that uses it; the masks keep their colours." errorText={problem}>
            <SpaceBetween direction="horizontal" size="xs">
              <Input value={name} onChange={({ detail }) => setName(detail.value)} ariaLabel="New label name" name="renameLabel" />
              <Button loading={busy} disabled={name === '' || name === selected.className || problem !== undefined} onClick={() => void rename()}>
                Rename
              </Button>
            </SpaceBetween>
          </FormField>
        )}
        {done && <StatusIndicator type="success">{done}</StatusIndicator>}
        {error && <Alert type="error">{error}</Alert>}
      </SpaceBetween>
    </Modal>
  );
}
