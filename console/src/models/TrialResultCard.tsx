import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { relabel } from '../pages/datasetEntry';
import { putObjectBytes } from '../s3Objects';
import { updateDatasetEntries } from './datasetUpdate';
import type { Detection } from './detect';
import { percent } from './format';
import { MaskedImage, type Overlay } from './MaskedImage';
import { projectBucket } from './projectBucket';

export interface TrialImage {
  name: string;
  bytes: Uint8Array<ArrayBuffer>;
  contentType: string;
  imageUrl: string;
  detection?: Detection;
  error?: string;
}

/** Where trial images folded into training are kept in the project's bucket. */
const TRIAL_PREFIX = 'trial-detections/';

/**
 * One trial image: the verdict, its confidence and the anomaly mask over the image; the person confirms or
 * corrects the label and adds the image to the training dataset (PutObject into the project's bucket, then
 * UpdateDatasetEntries with its manifest line).
 */
export function TrialResultCard({ clients, projectName, trial, notify }: { clients: Clients; projectName: string; trial: TrialImage; notify: Notify }) {
  const d = trial.detection;
  const [label, setLabel] = useState<'normal' | 'anomaly'>(d?.isAnomalous ? 'anomaly' : 'normal');
  const [overlay, setOverlay] = useState<Overlay>(d?.maskUrl ? 'mask' : d?.heatmapUrl ? 'heatmap' : 'none');
  const [state, setState] = useState<'idle' | 'adding' | 'added'>('idle');

  const add = async () => {
    setState('adding');
    try {
      const target = await projectBucket(clients, projectName);
      if (!target) throw new Error('The project has no dataset with images to add to.');
      const key = `${TRIAL_PREFIX}${projectName}/${new Date().toISOString().replace(/[:.]/g, '-')}-${trial.name.replace(/[^\w.-]/g, '_')}`;
      await putObjectBytes(clients.s3, target.bucket, key, trial.bytes, trial.contentType);
      await updateDatasetEntries(clients, projectName, target.datasetType, [relabel(JSON.stringify({ 'source-ref': `s3://${target.bucket}/${key}` }), label)]);
      setState('added');
      notify('success', `${trial.name} was added to the ${target.datasetType === 'train' ? 'training' : target.datasetType} dataset as ${label}.`);
    } catch (e) {
      setState('idle');
      notify('error', `${trial.name} was not added. ${errorText(e)}`);
    }
  };

  return (
    <div data-trial-name={trial.name}>
      <Container header={<Header variant="h3">{trial.name}</Header>}>
        <ColumnLayout columns={2}>
          <MaskedImage imageUrl={trial.imageUrl} maskUrl={d?.maskUrl} heatmapUrl={d?.heatmapUrl} alt={trial.name} overlay={overlay} />
          {d ? (
            <SpaceBetween size="s">
              <div data-testid="trial-verdict">
                <Badge color={d.isAnomalous ? 'red' : 'green'}>{d.isAnomalous ? 'Anomaly' : 'Normal'}</Badge> with confidence {percent(d.confidence)}
              </div>
              {d.anomalies.length > 0 && <Box>Anomaly labels: {d.anomalies.map((a) => `${a.name} (${percent(a.area)} of the image)`).join(', ')}</Box>}
              <div data-testid="trial-overlay">
                <SegmentedControl
                  selectedId={overlay}
                  label="Overlay"
                  onChange={({ detail }) => setOverlay(detail.selectedId as Overlay)}
                  options={[
                    { id: 'none', text: 'None' },
                    { id: 'mask', text: 'Anomaly mask', disabled: !d.maskUrl },
                    { id: 'heatmap', text: 'Heatmap', disabled: !d.heatmapUrl },
                  ]}
                />
              </div>
              <SegmentedControl
                selectedId={label}
                label="Verified label"
                onChange={({ detail }) => setLabel(detail.selectedId as 'normal' | 'anomaly')}
                options={[
                  { id: 'normal', text: 'Normal' },
                  { id: 'anomaly', text: 'Anomaly' },
                ]}
              />
              {state === 'added' ? (
                <StatusIndicator type="success">Added to the dataset as {label}</StatusIndicator>
              ) : (
                <Button loading={state === 'adding'} onClick={() => void add()}>
                  Add to training dataset
                </Button>
              )}
            </SpaceBetween>
          ) : (
            <StatusIndicator type="error">{trial.error}</StatusIndicator>
          )}
        </ColumnLayout>
      </Container>
    </div>
  );
}
