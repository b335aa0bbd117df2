import type { ModelDescription } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import type { EvaluationResult } from './evaluationFiles';
import { percent } from './format';

/** Precision, recall and F1 on the test images (DescribeModel), and the per-label pixel figures of the evaluation result. */
export function PerformanceMetrics({ model, evaluation }: { model: ModelDescription; evaluation: EvaluationResult | undefined }) {
  const p = model.Performance!;
  const details = evaluation?.EvaluationDetails;
  const pixels = evaluation?.AggregatedEvaluationResults?.Metrics?.PixelAnomalyClassMetrics ?? [];
  const figure = (label: string, value: string, testId: string) => (
    <div>
      <Box variant="awsui-key-label">{label}</Box>
      <div data-testid={testId}>
        <Box variant="awsui-value-large">{value}</Box>
      </div>
    </div>
  );
  return (
    <Container
      header={
        <Header variant="h2" description={details ? `${details.NumberOfTrainingImages} training images, ${details.NumberOfTestingImages} test images` : undefined}>
          Performance metrics
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ColumnLayout columns={3} variant="text-grid">
          {figure('F1 score', percent(p.F1Score), 'metric-f1')}
          {figure('Precision', percent(p.Precision), 'metric-precision')}
          {figure('Recall', percent(p.Recall), 'metric-recall')}
        </ColumnLayout>
        {pixels.length > 0 && (
          <Table
            variant="embedded"
            header={<Header variant="h3">Per anomaly label</Header>}
            items={pixels}
            trackBy="ClassName"
            columnDefinitions={[
              { id: 'label', header: 'Anomaly label', cell: (m) => m.ClassName },
              { id: 'images', header: 'Test images', cell: (m) => m.NumberOfTestingImages },
              { id: 'f1', header: 'F1 score', cell: (m) => percent(m.F1Score) },
              { id: 'precision', header: 'Precision', cell: (m) => percent(m.Precision) },
              { id: 'recall', header: 'Recall', cell: (m) => percent(m.Recall) },
              { id: 'iou', header: 'Average IoU', cell: (m) => percent(m.AIOU) },
            ]}
          />
        )}
      </SpaceBetween>
    </Container>
  );
}
