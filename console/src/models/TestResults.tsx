import type { ModelDescription } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Cards from '@cloudscape-design/components/cards';
import Header from '@cloudscape-design/components/header';
import Pagination from '@cloudscape-design/components/pagination';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Toggle from '@cloudscape-design/components/toggle';
import { useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { readTestResults, type TestImageResult } from './evaluationFiles';
import { TestImageCard } from './TestImageCard';

const PAGE_SIZE = 12;

/**
 * The test images with the model's verdicts from the evaluation manifest, filtered by correct / incorrect;
 * on a hosted model, the predicted anomaly masks (DetectAnomalies on each image shown) laid over them.
 */
export function TestResults({ clients, model, projectName, hosted, notify }: { clients: Clients; model: ModelDescription; projectName: string; hosted: boolean; notify: Notify }) {
  const [results, setResults] = useState<TestImageResult[] | undefined>();
  const [filter, setFilter] = useState('all');
  const [page, setPage] = useState(1);
  const [masks, setMasks] = useState(false);
  const manifestKey = model.EvaluationManifest?.Key;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again only when the manifest changes
  useEffect(() => {
    readTestResults(clients, model)
      .then(setResults)
      .catch((e: unknown) => {
        notify('error', `Could not read the test results. ${errorText(e)}`);
        setResults([]);
      });
  }, [clients, manifestKey, notify]);

  const correct = (r: TestImageResult) => r.actual === r.predicted;
  const all = results ?? [];
  const shown = all.filter((r) => filter === 'all' || (filter === 'correct') === correct(r));
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
            ]}
          />
          <Toggle controlId="show-predicted-masks" checked={masks} disabled={!hosted} onChange={({ detail }) => setMasks(detail.checked)}>
            {hosted ? 'Show predicted masks' : 'Show predicted masks (host the model first)'}
          </Toggle>
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
        sections: [{ id: 'image', content: (r) => <TestImageCard clients={clients} result={r} projectName={projectName} modelVersion={model.ModelVersion!} withMask={masks && hosted} /> }],
      }}
      empty={<Box textAlign="center">No test images{filter === 'all' ? '' : ` ${filter}ly classified`}.</Box>}
    />
  );
}
