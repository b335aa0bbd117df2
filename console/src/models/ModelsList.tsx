import { type ModelMetadata, paginateListModels } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import Link from '@cloudscape-design/components/link';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { href } from '../router';
import { percent } from './format';
import { isChanging, modelStatusType } from './modelStatus';
import { TrainModelModal } from './TrainModelModal';

/** A project's models with live status, and the Train model action. */
export function ModelsList({ clients, projectName, notify }: { clients: Clients; projectName: string; notify: Notify }) {
  const [models, setModels] = useState<ModelMetadata[] | undefined>();
  const [training, setTraining] = useState(false);
  const load = useCallback(async () => {
    try {
      const all: ModelMetadata[] = [];
      for await (const page of paginateListModels({ client: clients.lookoutVision }, { ProjectName: projectName })) all.push(...(page.Models ?? []));
      all.sort((a, b) => Number(b.ModelVersion) - Number(a.ModelVersion));
      setModels(all);
    } catch (e) {
      notify('error', `Could not list the models. ${errorText(e)}`);
      setModels([]);
    }
  }, [clients, projectName, notify]);
  useEffect(() => void load(), [load]);
  // Models in training or starting change status on their own: look again while any is in progress.
  useEffect(() => {
    if (!models?.some((m) => isChanging(m.Status))) return;
    const timer = setTimeout(() => void load(), 3_000);
    return () => clearTimeout(timer);
  }, [models, load]);

  return (
    <>
      <Table
        loading={models === undefined}
        loadingText="Loading models"
        items={models ?? []}
        trackBy="ModelVersion"
        header={
          <Header
            variant="h2"
            counter={models ? `(${models.length})` : undefined}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button iconName="refresh" ariaLabel="Refresh models" onClick={() => void load()} />
                <Button variant="primary" onClick={() => setTraining(true)}>
                  Train model
                </Button>
              </SpaceBetween>
            }
          >
            Models
          </Header>
        }
        columnDefinitions={[
          { id: 'version', header: 'Model', cell: (m) => <Link href={href({ page: 'model', projectName, modelVersion: m.ModelVersion! })}>{`Model ${m.ModelVersion}`}</Link> },
          { id: 'status', header: 'Status', cell: (m) => <StatusIndicator type={modelStatusType(m.Status)}>{m.Status}</StatusIndicator> },
          { id: 'message', header: 'Status message', cell: (m) => m.StatusMessage ?? '-' },
          { id: 'f1', header: 'F1 score', cell: (m) => percent(m.Performance?.F1Score) },
          { id: 'precision', header: 'Precision', cell: (m) => percent(m.Performance?.Precision) },
          { id: 'recall', header: 'Recall', cell: (m) => percent(m.Performance?.Recall) },
          { id: 'created', header: 'Created', cell: (m) => m.CreationTimestamp?.toLocaleString() ?? '-' },
        ]}
        empty={<Box textAlign="center">No models yet. Train one with Train model.</Box>}
      />
      {training && (
        <TrainModelModal
          clients={clients}
          projectName={projectName}
          onClose={(version) => {
            setTraining(false);
            if (version) {
              notify('success', `Model ${version} is training.`);
              void load();
            }
          }}
        />
      )}
    </>
  );
}
