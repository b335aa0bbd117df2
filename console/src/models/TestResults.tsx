import type { ModelDescription } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Cards from '@cloudscape-design/components/cards';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import { useState } from 'react';
import type { Clients } from '../clients';
import type { TestImageResult } from './evaluationFiles';
import type { Overlay } from './MaskedImage';
import { TestImageCard } from './TestImageCard';
import type { ThresholdPreview } from './thresholdPreview';

const PAGE_SIZE = 12;

const FILTER_NAMES: Record<string, string> = { correct: 'correctly classified', incorrect: 'incorrectly classified', changed: 'whose verdict changes at this threshold' };

/**
 * The test images with the model's verdicts from the evaluation manifest, judged at the threshold the slider
 * chose (the preview; the manifest's own verdicts without one), filtered by correct / incorrect / changed; on a
 * hosted model, the predicted anomaly masks or heatmaps (DetectAnomalies on each image shown) laid over them.
 */
export function TestResults({
  clients,
  model,
  results,
  preview,
  projectName,
  hosted,
}: {
  clients: Clients;
  model: ModelDescription;
  results: TestImageResult[] | undefined;
  preview: ThresholdPreview | undefined;
  projectName: string;
  hosted: boolean;
}) {
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState(1);
  const [predictions, setPredictions] = useState(false);
  const [overlay, setOverlay] = useState<Overlay>('mask');

  const verdict = (r: TestImageResult) => preview?.verdicts.get(r.sourceRef) ?? r.predicted;
  const correct = (r: TestImageResult) => r.actual === verdict(r);
  const all = results ?? [];
  const shown = all.filter((r) => (filter === 'all' ? true : filter === 'changed' ? verdict(r) !== r.predicted : (filter === 'correct') === correct(r)));
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const right = all.filter(correct).length;
  return (
    <Cards
      loading={results === undefined}
      loadingText="Loading test results"
      items={shown.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)}
      trackBy="sourceRef"
      cardsPerRow={[{ cards: 2 }, { minWidth: 700, cards: 3 }, { minWidth: 1000, cards: 4 }]}
      header={
        <Header variant="h2" description={results ? `${right} correct, ${all.length - right} incorrect of ${all.length} test images` : undefined}>
          Test results
        </Header>
      }
      filter={
        <SpaceBetween direction="horizontal" size="l">
          <SegmentedControl
            selectedId={filter}
            label="Show"
            onChange={({ detail }) => {
              setFilter(detail.selectedId);
              setPage(1);
            }}
            options={[
              { id: 'all', text: 'All' },
              { id: 'correct', text: 'Correct' },
              { id: 'incorrect', text: 'Incorrect' },
              { id: 'changed', text: 'Changed by the threshold', disabled: !preview },
            ]}
          />
          <Toggle controlId="show-predicted-masks" checked={predictions} disabled={!hosted} onChange={({ detail }) => setPredictions(detail.checked)}>
            {hosted ? 'Show predictions' : 'Show predictions (host the model first)'}
          </Toggle>
          {predictions && hosted && (
            <SegmentedControl
              selectedId={overlay}
              label="Overlay"
              onChange={({ detail }) => setOverlay(detail.selectedId as Overlay)}
              options={[
                { id: 'mask', text: 'Anomaly mask' },
                { id: 'heatmap', text: 'Heatmap' },
              ]}
            />
          )}
        </SpaceBetween>
      }
      pagination={
        <Pagination
          currentPageIndex={page}
          pagesCount={pages}
          onChange={({ detail }) => setPage(detail.currentPageIndex)}
          ariaLabels={{ nextPageLabel: 'Next page', previousPageLabel: 'Previous page', pageLabel: (n) => `Page ${n}` }}
        />
      }
      cardDefinition={{
        header: (r) => <span title={r.sourceRef}>{r.sourceRef.split('/').pop()}</span>,
        sections: [
          {
            id: 'image',
            content: (r) => (
              <TestImageCard clients={clients} result={r} verdict={verdict(r)} projectName={projectName} modelVersion={model.ModelVersion!} overlay={predictions && hosted ? overlay : undefined} />
            ),
          },
        ],
      }}
      empty={<Box textAlign="center">No test images{filter === 'all' ? '' : ` ${FILTER_NAMES[filter]}`}.</Box>}
    />
  );
}
