import { ListTagsForResourceCommand, type ModelDescription, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-lookoutvision';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Slider from '@cloudscape-design/components/slider';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useCallback, useEffect, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import type { EvaluationResult } from './evaluationFiles';
import { percent, rate } from './format';
import type { ThresholdPreview } from './thresholdPreview';

/** Vigil's reserved operating-setting tag (src/service/reservedTags.ts): applies to the hosted model from the next DetectAnomalies. */
export const FALSE_ALARM_RATE_TAG = 'vigil:false-alarm-rate';

/**
 * The threshold you can move: position 0 is the model's calibrated threshold, the others the false-alarm-rate
 * targets of the operating curve in the evaluation result, each shown with the false-alarm rate and recall
 * expected there (estimated from held-out training images), and what it would have decided on the test images
 * (the preview, from their scores). Applying it sets or removes the tag. The position is the page's: the test
 * results follow it.
 */
export function FalseAlarmRateControl({
  clients,
  model,
  evaluation,
  position,
  setPosition,
  preview,
  notify,
}: {
  clients: Clients;
  model: ModelDescription;
  evaluation: NonNullable<EvaluationResult['Vigil']>;
  position: number;
  setPosition: (position: number) => void;
  preview: ThresholdPreview | undefined;
  notify: Notify;
}) {
  const curve = evaluation.OperatingCurve;
  const [applied, setApplied] = useState<string | null | undefined>();
  const [busy, setBusy] = useState(false);

  const positionOf = useCallback((value: string | null) => (value === null ? 0 : curve.findIndex((p) => p.FalseAlarmRateTarget === Number(value)) + 1), [curve]);
  useEffect(() => {
    clients.lookoutVision
      .send(new ListTagsForResourceCommand({ ResourceArn: model.ModelArn }))
      .then((answer) => {
        const value = answer.Tags?.find((t) => t.Key === FALSE_ALARM_RATE_TAG)?.Value ?? null;
        setApplied(value);
        setPosition(Math.max(0, positionOf(value)));
      })
      .catch((e: unknown) => notify('error', `Could not read the model's tags. ${errorText(e)}`));
  }, [clients, model.ModelArn, positionOf, setPosition, notify]);

  const point = position === 0 ? undefined : curve[position - 1];
  const expectedRate = point ? point.ExpectedFalseAlarmRate : evaluation.ExpectedFalseAlarmRate;
  const expectedRecall = point ? point.ExpectedRecall : evaluation.ExpectedRecall;
  const chosen = point ? String(point.FalseAlarmRateTarget) : null;
  const label = (p: number) => (p === 0 ? 'Calibrated' : rate(curve[p - 1].FalseAlarmRateTarget));

  const apply = async () => {
    setBusy(true);
    try {
      const lfv = clients.lookoutVision;
      if (chosen === null) await lfv.send(new UntagResourceCommand({ ResourceArn: model.ModelArn, TagKeys: [FALSE_ALARM_RATE_TAG] }));
      else await lfv.send(new TagResourceCommand({ ResourceArn: model.ModelArn, Tags: [{ Key: FALSE_ALARM_RATE_TAG, Value: chosen }] }));
      setApplied(chosen);
      notify('success', chosen === null ? 'The model uses its calibrated threshold.' : `The model flags about ${rate(Number(chosen))} of good parts from the next detection on.`);
    } catch (e) {
      notify('error', `The threshold was not changed. ${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Container
      header={
        <Header
          variant="h2"
          description={`The share of good parts the model may flag. Applied at once to the hosted model through the ${FALSE_ALARM_RATE_TAG} tag.`}
          actions={
            <Button disabled={applied === undefined || chosen === applied} loading={busy} onClick={() => void apply()}>
              Apply threshold
            </Button>
          }
        >
          Threshold
        </Header>
      }
    >
      <SpaceBetween size="l">
        <FormField label="False-alarm-rate target" description={`In use: ${applied === undefined ? '…' : applied === null ? 'calibrated threshold' : rate(Number(applied))}`}>
          <Slider value={position} min={0} max={curve.length} step={1} valueFormatter={label} onChange={({ detail }) => setPosition(detail.value)} ariaLabel="False-alarm-rate target" />
        </FormField>
        <ColumnLayout columns={3} variant="text-grid">
          <div>
            <Box variant="awsui-key-label">Chosen</Box>
            <div data-testid="threshold-chosen">{label(position)}</div>
          </div>
          <div>
            <Box variant="awsui-key-label">Expected false-alarm rate</Box>
            <div data-testid="threshold-false-alarm-rate">{rate(expectedRate)}</div>
          </div>
          <div>
            <Box variant="awsui-key-label">Expected recall</Box>
            <div data-testid="threshold-recall">{expectedRecall === null ? 'Unknown (trained on normal images only)' : percent(expectedRecall)}</div>
          </div>
        </ColumnLayout>
        {preview && (
          <ColumnLayout columns={5} variant="text-grid">
            <div>
              <Box variant="awsui-key-label">Anomalies caught</Box>
              <div data-testid="preview-true-positives">{preview.truePositives}</div>
            </div>
            <div>
              <Box variant="awsui-key-label">False alarms</Box>
              <div data-testid="preview-false-positives">{preview.falsePositives}</div>
            </div>
            <div>
              <Box variant="awsui-key-label">Anomalies missed</Box>
              <div data-testid="preview-false-negatives">{preview.falseNegatives}</div>
            </div>
            <div>
              <Box variant="awsui-key-label">Normals passed</Box>
              <div data-testid="preview-true-negatives">{preview.trueNegatives}</div>
            </div>
            <div>
              <Box variant="awsui-key-label">Verdicts changed</Box>
              <div data-testid="preview-changed">{preview.changed}</div>
            </div>
          </ColumnLayout>
        )}
        {preview && <Box variant="small">On the test images at this threshold (from their scores in the evaluation manifest); the test results below follow the slider.</Box>}
        {evaluation.MeasuredFalseAlarmRate !== null && (
          <Box variant="small">
            At the calibrated threshold, {percent(evaluation.MeasuredFalseAlarmRate)} of the {evaluation.NumberOfTestingNormalImages} normal test images were flagged.
          </Box>
        )}
      </SpaceBetween>
    </Container>
  );
}
