import { type DatasetDescription, DescribeDatasetCommand, DescribeProjectCommand } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ButtonDropdown from '@cloudscape-design/components/button-dropdown';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../../App';
import { type Clients, errorText } from '../../clients';
import { AddImagesModal } from './AddImagesModal';
import { AnomalyLabelsModal } from './AnomalyLabelsModal';
import { CreateDatasetModal } from './CreateDatasetModal';
import { datasetName } from './datasetName';
import { datasetStatus } from './datasetStatus';
import { Gallery } from './Gallery';

/** The project's datasets: their counts, Create dataset when there is none, Add images, and the gallery. */
export function DatasetsView({ clients, projectName, notify }: { clients: Clients; projectName: string; notify: Notify }) {
  const [datasets, setDatasets] = useState<DatasetDescription[] | undefined>();
  const [type, setType] = useState<string | undefined>();
  const [creating, setCreating] = useState(false);
  const [addingTo, setAddingTo] = useState<string | undefined>();
  const [labelling, setLabelling] = useState(false);
  // Bumped when images were added, so the gallery lists its dataset again.
  const [version, setVersion] = useState(0);

  const load = useCallback(async () => {
    try {
      const project = await clients.lookoutVision.send(new DescribeProjectCommand({ ProjectName: projectName }));
      const types = (project.ProjectDescription?.Datasets ?? []).map((d) => d.DatasetType!).sort((a, b) => (a === 'train' ? -1 : b === 'train' ? 1 : a.localeCompare(b)));
      const described = await Promise.all(types.map(async (t) => (await clients.lookoutVision.send(new DescribeDatasetCommand({ ProjectName: projectName, DatasetType: t }))).DatasetDescription!));
      setDatasets(described);
      setType((current) => (current && types.includes(current) ? current : types[0]));
    } catch (e) {
      notify('error', `Could not read the datasets of ${projectName}. ${errorText(e)}`);
      setDatasets([]);
    }
  }, [clients, projectName, notify]);
  useEffect(() => void load(), [load]);

  const modals = (
    <>
      {creating && (
        <CreateDatasetModal
          clients={clients}
          projectName={projectName}
          onClose={(created) => {
            setCreating(false);
            if (created) {
              notify('success', `The dataset of ${projectName} was created.`);
              void load();
            }
          }}
        />
      )}
      {addingTo && (
        <AddImagesModal
          clients={clients}
          projectName={projectName}
          datasetType={addingTo}
          onClose={(added) => {
            setAddingTo(undefined);
            if (added) {
              notify('success', `Images added to the ${datasetName(addingTo).toLowerCase()}.`);
              setVersion((v) => v + 1);
              void load();
            }
          }}
        />
      )}
      {labelling && datasets && (
        <AnomalyLabelsModal
          clients={clients}
          projectName={projectName}
          datasetTypes={datasets.map((d) => d.DatasetType!)}
          onClose={(changed) => {
            setLabelling(false);
            if (changed) setVersion((v) => v + 1);
          }}
        />
      )}
    </>
  );

  if (!datasets) return <StatusIndicator type="loading">Loading datasets</StatusIndicator>;
  if (datasets.length === 0) {
    return (
      <Container header={<Header variant="h2">Dataset</Header>}>
        <SpaceBetween size="s">
          <Box>This project has no dataset yet. Create one from images on your computer, images in S3, or a manifest.</Box>
          <Box>
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create dataset
            </Button>
          </Box>
        </SpaceBetween>
        {modals}
      </Container>
    );
  }
  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header
            variant="h2"
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh datasets" onClick={() => void load()} />
                <Button onClick={() => setLabelling(true)}>Anomaly labels</Button>
                <ButtonDropdown
                  items={datasets.map((d) => ({ id: d.DatasetType!, text: `Add images to the ${datasetName(d.DatasetType).toLowerCase()}` }))}
                  onItemClick={({ detail }) => setAddingTo(detail.id)}
                >
                  Add images
                </ButtonDropdown>
              </SpaceBetween>
            }
          >
            Dataset
          </Header>
        }
      >
        <ColumnLayout columns={datasets.length} variant="text-grid">
          {datasets.map((d) => (
            <SpaceBetween size="xs" key={d.DatasetType}>
              <Box variant="awsui-key-label">{datasetName(d.DatasetType)}</Box>
              <StatusIndicator type={datasetStatus(d.Status)}>{d.Status}</StatusIndicator>
              {d.StatusMessage && <Box variant="small">{d.StatusMessage}</Box>}
              <div data-testid={`stats-${d.DatasetType}`}>
                {d.ImageStats?.Total ?? 0} images: {d.ImageStats?.Labeled ?? 0} labelled, {d.ImageStats?.Normal ?? 0} normal, {d.ImageStats?.Anomaly ?? 0} anomaly
              </div>
            </SpaceBetween>
          ))}
        </ColumnLayout>
      </Container>
      {datasets.length > 1 && (
        <SegmentedControl
          selectedId={type ?? null}
          onChange={({ detail }) => setType(detail.selectedId)}
          label="Dataset"
          options={datasets.map((d) => ({ id: d.DatasetType!, text: d.DatasetType === 'train' ? 'Training' : d.DatasetType === 'test' ? 'Test' : d.DatasetType! }))}
        />
      )}
      {type && <Gallery key={`${type}-${version}`} clients={clients} projectName={projectName} datasetType={type} notify={notify} onChanged={() => void load()} />}
      {modals}
    </SpaceBetween>
  );
}
