import { type ModelMetadata, paginateListModels } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import Tabs from '@cloudscape-design/components/tabs';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { navigate } from '../router';
import { DatasetsView } from './datasets/DatasetsView';

export function ProjectDetailsPage({ clients, projectName, tab, notify }: { clients: Clients; projectName: string; tab: string; notify: Notify }) {
  return (
    <SpaceBetween size="l">
      <Header variant="h1">{projectName}</Header>
      <Tabs
        activeTabId={tab === 'models' ? 'models' : 'dataset'}
        onChange={({ detail }) => navigate({ page: 'project', projectName, tab: detail.activeTabId })}
        tabs={[
          { id: 'dataset', label: 'Dataset', content: <DatasetsView clients={clients} projectName={projectName} notify={notify} /> },
          { id: 'models', label: 'Models', content: <ModelsView clients={clients} projectName={projectName} notify={notify} /> },
        ]}
      />
    </SpaceBetween>
  );
}

function ModelsView({ clients, projectName, notify }: { clients: Clients; projectName: string; notify: Notify }) {
  const [models, setModels] = useState<ModelMetadata[] | undefined>();
  const load = useCallback(async () => {
    setModels(undefined);
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
    if (!models?.some((m) => /ING$/.test(m.Status ?? ''))) return;
    const timer = setTimeout(() => void load(), 10_000);
    return () => clearTimeout(timer);
  }, [models, load]);

  const percent = (value?: number) => (value === undefined ? '-' : `${(value * 100).toFixed(1)} %`);
  return (
    <Table
      loading={models === undefined}
      loadingText="Loading models"
      items={models ?? []}
      trackBy="ModelVersion"
      header={
        <Header variant="h2" counter={models ? `(${models.length})` : undefined} actions={<Button iconName="refresh" ariaLabel="Refresh models" onClick={() => void load()} />}>
          Models
        </Header>
      }
      columnDefinitions={[
        { id: 'version', header: 'Model', cell: (m) => `Model ${m.ModelVersion}` },
        { id: 'status', header: 'Status', cell: (m) => <StatusIndicator type={modelStatus(m.Status)}>{m.Status}</StatusIndicator> },
        { id: 'message', header: 'Status message', cell: (m) => m.StatusMessage ?? '-' },
        { id: 'f1', header: 'F1 score', cell: (m) => percent(m.Performance?.F1Score) },
        { id: 'precision', header: 'Precision', cell: (m) => percent(m.Performance?.Precision) },
        { id: 'recall', header: 'Recall', cell: (m) => percent(m.Performance?.Recall) },
        { id: 'created', header: 'Created', cell: (m) => m.CreationTimestamp?.toLocaleString() ?? '-' },
      ]}
      empty={<Box textAlign="center">No models yet. Train one with CreateModel from the CLI or SDK.</Box>}
    />
  );
}

function modelStatus(status?: string): StatusIndicatorProps.Type {
  if (status === 'TRAINED' || status === 'HOSTED') return 'success';
  if (status?.endsWith('FAILED')) return 'error';
  if (status === 'DELETING' || status?.endsWith('ING')) return 'in-progress';
  return 'stopped';
}
