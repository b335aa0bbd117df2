import { ListDatasetEntriesCommand, type ListDatasetEntriesRequest, UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Cards from '@cloudscape-design/components/cards';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useState } from 'react';
import type { Notify } from '../../App';
import { type Clients, errorText } from '../../clients';
import { Thumbnail } from '../../components/Thumbnail';
import { datasetSucceeded, waitForDataset } from '../../waitForDataset';
import { type AnomalyClass, type DatasetEntry, parseEntry, relabel } from '../datasetEntry';
import { LabelBadge } from './LabelBadge';
import { MaskEditor } from './MaskEditor';

const PAGE_SIZE = 20;

export type LabelFilter = 'all' | 'normal' | 'anomaly' | 'unlabelled';

/** The ListDatasetEntries filters for a gallery filter. */
function filterInput(filter: LabelFilter): Partial<ListDatasetEntriesRequest> {
  if (filter === 'normal' || filter === 'anomaly') return { AnomalyClass: filter };
  if (filter === 'unlabelled') return { Labeled: false };
  return {};
}

/**
 * A dataset's images page by page (ListDatasetEntries and its NextToken, so thousands of images
 * are read a page at a time), filtered by label. Classifying marks the selected images; the marks
 * survive paging and are sent together by Save changes (UpdateDatasetEntries).
 */
export function Gallery({ clients, projectName, datasetType, notify, onChanged }: { clients: Clients; projectName: string; datasetType: string; notify: Notify; onChanged(): void }) {
  const [filter, setFilter] = useState<LabelFilter>('all');
  // tokens[i] is the NextToken that opens page i (undefined for the first page).
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState(0);
  const [entries, setEntries] = useState<DatasetEntry[] | undefined>();
  const [selected, setSelected] = useState<DatasetEntry[]>([]);
  const [pending, setPending] = useState<ReadonlyMap<string, { entry: DatasetEntry; label: 'normal' | 'anomaly' }>>(new Map());
  const [saving, setSaving] = useState(false);
  const [reloads, setReloads] = useState(0);
  const [painting, setPainting] = useState<DatasetEntry | undefined>();
  const [knownClasses, setKnownClasses] = useState<AnomalyClass[]>([]);

  /** The dataset changed: paging starts again from the first page of its new version. */
  const restart = () => {
    setSelected([]);
    setTokens([undefined]);
    setPage(0);
    setReloads((n) => n + 1);
  };

  const classify = (label: 'normal' | 'anomaly') => {
    setPending((all) => {
      const next = new Map(all);
      for (const entry of selected) {
        if (entry.label === label) next.delete(entry.sourceRef);
        else next.set(entry.sourceRef, { entry, label });
      }
      return next;
    });
    setSelected([]);
  };

  const save = async () => {
    setSaving(true);
    try {
      const changes = [...pending.values()].map(({ entry, label }) => relabel(entry.line, label)).join('\n');
      const lfv = clients.lookoutVision;
      await lfv.send(new UpdateDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, Changes: new TextEncoder().encode(changes) }));
      const dataset = await waitForDataset(lfv, projectName, datasetType);
      if (datasetSucceeded(dataset)) {
        notify('success', `${pending.size} label${pending.size === 1 ? '' : 's'} saved.`);
        setPending(new Map());
      } else notify('error', `The labels were not saved: ${dataset.StatusMessage ?? dataset.Status}`);
      restart();
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
      .send(new ListDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, MaxResults: PAGE_SIZE, NextToken: tokens[page], ...filterInput(filter) }))
      .then((answer) => {
        if (!current) return;
        const read = (answer.DatasetEntries ?? []).map(parseEntry);
        setEntries(read);
        // The anomaly classes seen so far are offered in the annotation tool.
        setKnownClasses((known) => [
          ...known,
          ...read.flatMap((e) => e.classes).filter((c, i, all) => !known.some((k) => k.className === c.className) && all.findIndex((o) => o.className === c.className) === i),
        ]);
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
  }, [clients, projectName, datasetType, page, filter, reloads, notify]);

  const busy = saving || selected.length === 0;
  return (
    <>
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
            description={pending.size ? `${pending.size} unsaved label${pending.size === 1 ? '' : 's'}` : undefined}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button disabled={saving || !entries?.length} onClick={() => setSelected(entries ?? [])}>
                  Select page
                </Button>
                <Button disabled={busy} onClick={() => classify('normal')}>
                  Classify as normal
                </Button>
                <Button disabled={busy} onClick={() => classify('anomaly')}>
                  Classify as anomaly
                </Button>
                <Button disabled={saving || selected.length !== 1} onClick={() => setPainting(selected[0])}>
                  Paint mask
                </Button>
                <Button disabled={saving || pending.size === 0} onClick={() => setPending(new Map())}>
                  Discard changes
                </Button>
                <Button variant="primary" disabled={pending.size === 0} loading={saving} onClick={() => void save()}>
                  Save changes
                </Button>
              </SpaceBetween>
            }
          >
            Images
          </Header>
        }
        filter={
          <SegmentedControl
            label="Show images"
            selectedId={filter}
            onChange={({ detail }) => {
              setFilter(detail.selectedId as LabelFilter);
              setSelected([]);
              setTokens([undefined]);
              setPage(0);
            }}
            options={[
              { id: 'all', text: 'All' },
              { id: 'normal', text: 'Normal' },
              { id: 'anomaly', text: 'Anomaly' },
              { id: 'unlabelled', text: 'Unlabelled' },
            ]}
          />
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
            { id: 'label', content: (e) => <LabelBadge entry={e} pending={pending.get(e.sourceRef)?.label} /> },
          ],
        }}
        empty={<Box textAlign="center">{filter === 'all' ? 'No images in this dataset.' : `No ${filter} images.`}</Box>}
      />
      {painting && (
        <MaskEditor
          clients={clients}
          projectName={projectName}
          datasetType={datasetType}
          entry={painting}
          knownClasses={knownClasses}
          onClose={(saved) => {
            setPainting(undefined);
            if (saved) {
              notify('success', `The mask of ${painting.sourceRef.split('/').pop()} was saved.`);
              restart();
              onChanged();
            }
          }}
        />
      )}
    </>
  );
}
