import { type DatasetDescription, DescribeDatasetCommand, DescribeProjectCommand, ListDatasetEntriesCommand, UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import Badge from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Cards from '@cloudscape-design/components/cards';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Tabs from '@cloudscape-design/components/tabs';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { ModelsList } from '../models/ModelsList';
import { navigate } from '../router';
import { type DatasetEntry, parseEntry, relabel } from './datasetEntry';

const PAGE_SIZE = 20;

export function ProjectDetailsPage({ clients, projectName, tab, notify }: { clients: Clients; projectName: string; tab: string; notify: Notify }) {
  return (
    <SpaceBetween size="l">
      <Header variant="h1">{projectName}</Header>
      <Tabs
        activeTabId={tab === 'models' ? 'models' : 'dataset'}
        onChange={({ detail }) => navigate({ page: 'project', projectName, tab: detail.activeTabId })}
        tabs={[
          { id: 'dataset', label: 'Dataset', content: <DatasetsView clients={clients} projectName={projectName} notify={notify} /> },
          { id: 'models', label: 'Models', content: <ModelsList clients={clients} projectName={projectName} notify={notify} /> },
        ]}
      />
    </SpaceBetween>
  );
}

function DatasetsView({ clients, projectName, notify }: { clients: Clients; projectName: string; notify: Notify }) {
  const [datasets, setDatasets] = useState<DatasetDescription[] | undefined>();
  const [type, setType] = useState<string | undefined>();

  const load = useCallback(async () => {
    try {
      const project = await clients.lookoutVision.send(new DescribeProjectCommand({ ProjectName: projectName }));
      const types = (project.ProjectDescription?.Datasets ?? []).map((d) => d.DatasetType!).sort((a, b) => (a === 'train' ? -1 : b === 'train' ? 1 : a.localeCompare(b)));
      const described = await Promise.all(types.map(async (t) => (await clients.lookoutVision.send(new DescribeDatasetCommand({ ProjectName: projectName, DatasetType: t }))).DatasetDescription!));
      setDatasets(described);
      setType((current) => current ?? types[0]);
    } catch (e) {
      notify('error', `Could not read the datasets of ${projectName}. ${errorText(e)}`);
      setDatasets([]);
    }
  }, [clients, projectName, notify]);
  useEffect(() => void load(), [load]);

  if (!datasets) return <StatusIndicator type="loading">Loading datasets</StatusIndicator>;
  if (datasets.length === 0) {
    return (
      <Container header={<Header variant="h2">Dataset</Header>}>
        <Box>This project has no dataset yet. Create one from a manifest with the CLI or SDK (CreateDataset); uploading from the console comes later.</Box>
      </Container>
    );
  }
  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header variant="h2" actions={<Button iconName="refresh" ariaLabel="Refresh datasets" onClick={() => void load()} />}>
            Dataset
          </Header>
        }
      >
        <ColumnLayout columns={datasets.length} variant="text-grid">
          {datasets.map((d) => (
            <SpaceBetween size="xs" key={d.DatasetType}>
              <Box variant="awsui-key-label">{d.DatasetType === 'train' ? 'Training dataset' : d.DatasetType === 'test' ? 'Test dataset' : d.DatasetType}</Box>
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
      {type && <Gallery key={type} clients={clients} projectName={projectName} datasetType={type} notify={notify} onChanged={() => void load()} />}
    </SpaceBetween>
  );
}

/** One page of a dataset's images with their labels, read page by page with ListDatasetEntries. */
function Gallery({ clients, projectName, datasetType, notify, onChanged }: { clients: Clients; projectName: string; datasetType: string; notify: Notify; onChanged(): void }) {
  // tokens[i] is the NextToken that opens page i (undefined for the first page).
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [entries, setEntries] = useState<DatasetEntry[] | undefined>();
  const [selected, setSelected] = useState<DatasetEntry[]>([]);
  const [saving, setSaving] = useState(false);
  const [reloads, setReloads] = useState(0);

  /** Classifies the selected images with UpdateDatasetEntries and waits for the dataset to settle. */
  const classify = async (label: 'normal' | 'anomaly') => {
    setSaving(true);
    try {
      const changes = selected.map((e) => relabel(e.line, label)).join('\n');
      const lfv = clients.lookoutVision;
      await lfv.send(new UpdateDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, Changes: new TextEncoder().encode(changes) }));
      let status: DatasetDescription | undefined;
      for (let wait = 250; ; wait = Math.min(wait * 2, 2000)) {
        status = (await lfv.send(new DescribeDatasetCommand({ ProjectName: projectName, DatasetType: datasetType }))).DatasetDescription;
        if (status?.Status !== 'UPDATE_IN_PROGRESS') break;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      if (status?.Status === 'UPDATE_COMPLETE') notify('success', `${selected.length} image${selected.length === 1 ? '' : 's'} classified as ${label}.`);
      else notify('error', `The labels were not saved: ${status?.StatusMessage ?? status?.Status}`);
      setSelected([]);
      // The update made a new version of the dataset: paging starts again from its first page.
      setTokens([undefined]);
      setPage(0);
      setReloads((n) => n + 1);
      onChanged();
    } catch (e) {
      notify('error', `The labels were not saved. ${errorText(e)}`);
    } finally {
      setSaving(false);
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: tokens only grows as pages are read; its change must not list again
  useEffect(() => {
    let current = true;
    setEntries(undefined);
    clients.lookoutVision
      .send(new ListDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, MaxResults: PAGE_SIZE, NextToken: tokens[page] }))
      .then((answer) => {
        if (!current) return;
        setEntries((answer.DatasetEntries ?? []).map(parseEntry));
        if (answer.NextToken) setTokens((t) => (t.length > page + 1 ? t : [...t, answer.NextToken]));
      })
      .catch((e: unknown) => {
        if (current) {
          notify('error', `Could not list the images. ${errorText(e)}`);
          setEntries([]);
        }
      });
    return () => {
      current = false;
    };
  }, [clients, projectName, datasetType, page, reloads, notify]);

  return (
    <Cards
      loading={entries === undefined}
      loadingText="Loading images"
      items={entries ?? []}
      trackBy="sourceRef"
      selectionType="multi"
      selectedItems={selected}
      onSelectionChange={({ detail }) => setSelected(detail.selectedItems)}
      ariaLabels={{ itemSelectionLabel: (_s, e) => `Select ${e.sourceRef.split('/').pop()}`, selectionGroupLabel: 'Images' }}
      cardsPerRow={[{ cards: 2 }, { minWidth: 600, cards: 3 }, { minWidth: 900, cards: 5 }]}
      header={
        <Header
          variant="h2"
          counter={selected.length ? `(${selected.length} selected)` : undefined}
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <Button disabled={selected.length === 0 || saving} loading={saving} onClick={() => void classify('normal')}>
                Classify as normal
              </Button>
              <Button disabled={selected.length === 0 || saving} loading={saving} onClick={() => void classify('anomaly')}>
                Classify as anomaly
              </Button>
            </SpaceBetween>
          }
        >
          Images
        </Header>
      }
      pagination={
        <Pagination
          currentPageIndex={page + 1}
          pagesCount={tokens.length}
          openEnd={tokens.length > page + 1}
          onChange={({ detail }) => {
            setSelected([]);
            setPage(detail.currentPageIndex - 1);
          }}
          ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }}
        />
      }
      cardDefinition={{
        header: (e) => <span title={e.sourceRef}>{e.sourceRef.split('/').pop()}</span>,
        sections: [
          { id: 'image', content: (e) => <Thumbnail clients={clients} sourceRef={e.sourceRef} /> },
          { id: 'label', content: (e) => <LabelBadge entry={e} /> },
        ],
      }}
      empty={<Box textAlign="center">No images in this dataset.</Box>}
    />
  );
}

function LabelBadge({ entry }: { entry: DatasetEntry }) {
  if (entry.label === 'anomaly') return <Badge color="red">Anomaly{entry.hasMask ? ' (mask)' : ''}</Badge>;
  if (entry.label === 'normal') return <Badge color="green">Normal</Badge>;
  return <Badge color="grey">Unlabelled</Badge>;
}

/** An image read through the S3 API with the session's credentials, shown from a blob: URL. */
function Thumbnail({ clients, sourceRef }: { clients: Clients; sourceRef: string }) {
  const [url, setUrl] = useState<string | undefined>();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(sourceRef);
    if (!match) {
      setFailed(true);
      return;
    }
    let created: string | undefined;
    let current = true;
    clients.s3
      .send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }))
      .then(async (object) => {
        const bytes = await object.Body!.transformToByteArray();
        if (!current) return;
        created = URL.createObjectURL(new Blob([bytes], { type: object.ContentType ?? 'image/jpeg' }));
        setUrl(created);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
      if (created) URL.revokeObjectURL(created);
    };
  }, [clients, sourceRef]);
  if (failed) return <StatusIndicator type="warning">Image unavailable</StatusIndicator>;
  if (!url) return <StatusIndicator type="loading">Loading</StatusIndicator>;
  return <img className="vigil-thumbnail" src={url} alt={sourceRef.split('/').pop()} />;
}

function datasetStatus(status?: string): StatusIndicatorProps.Type {
  if (status?.endsWith('_COMPLETE')) return 'success';
  if (status?.endsWith('_FAILED')) return 'error';
  return 'in-progress';
}
