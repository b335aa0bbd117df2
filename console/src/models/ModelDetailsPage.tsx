import { DescribeModelCommand, type ModelDescription, StopModelCommand } from '@aws-sdk/client-lookoutvision';
import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { type EvaluationResult, readEvaluationResult, readTestResults, type TestImageResult } from './evaluationFiles';
import { FalseAlarmRateControl } from './FalseAlarmRateControl';
import { isChanging, modelStatusType } from './modelStatus';
import { PerformanceMetrics } from './PerformanceMetrics';
import { StartModelModal } from './StartModelModal';
import { TestResults } from './TestResults';
import { TrialDetection } from './TrialDetection';
import { previewAt, thresholdAt } from './thresholdPreview';

/** One model: status and hosting, evaluation figures, its operating point, test results and trial detections. */
export function ModelDetailsPage({ clients, projectName, modelVersion, notify }: { clients: Clients; projectName: string; modelVersion: string; notify: Notify }) {
  const [model, setModel] = useState<ModelDescription | undefined>();
  const [evaluation, setEvaluation] = useState<EvaluationResult | undefined>();
  const [starting, setStarting] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [testResults, setTestResults] = useState<TestImageResult[] | undefined>();
  // The threshold slider's position (0: calibrated); the test results are judged at it.
  const [position, setPosition] = useState(0);

  const load = useCallback(async () => {
    try {
      setModel((await clients.lookoutVision.send(new DescribeModelCommand({ ProjectName: projectName, ModelVersion: modelVersion }))).ModelDescription);
    } catch (e) {
      notify('error', `Could not read model ${modelVersion}. ${errorText(e)}`);
    }
  }, [clients, projectName, modelVersion, notify]);
  useEffect(() => void load(), [load]);
  // Training, starting and stopping end on their own: the status is read again until they do.
  useEffect(() => {
    if (!isChanging(model?.Status)) return;
    const timer = setTimeout(() => void load(), 2_000);
    return () => clearTimeout(timer);
  }, [model, load]);
  const evaluated = model?.EvaluationResult?.Key;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once the model has an evaluation result file
  useEffect(() => {
    if (!model || !evaluated) return;
    readEvaluationResult(clients, model)
      .then(setEvaluation)
      .catch((e: unknown) => notify('error', `Could not read the evaluation results. ${errorText(e)}`));
  }, [clients, evaluated, notify]);
  const manifestKey = model?.EvaluationManifest?.Key;
  // biome-ignore lint/correctness/useExhaustiveDependencies: read once the model has an evaluation manifest
  useEffect(() => {
    if (!model || !manifestKey) return;
    readTestResults(clients, model)
      .then(setTestResults)
      .catch((e: unknown) => {
        notify('error', `Could not read the test results. ${errorText(e)}`);
        setTestResults([]);
      });
  }, [clients, manifestKey, notify]);
  const preview = useMemo(() => (evaluation?.Vigil && testResults ? previewAt(testResults, thresholdAt(evaluation.Vigil, position)) : undefined), [evaluation, testResults, position]);

  const stop = async () => {
    setStopping(true);
    try {
      await clients.lookoutVision.send(new StopModelCommand({ ProjectName: projectName, ModelVersion: modelVersion }));
      notify('info', `Model ${modelVersion} is stopping.`);
      await load();
    } catch (e) {
      notify('error', `Could not stop the model. ${errorText(e)}`);
    } finally {
      setStopping(false);
    }
  };

  if (!model) return <StatusIndicator type="loading">Loading model</StatusIndicator>;
  const status = model.Status ?? '';
  const canStart = status === 'TRAINED' || status === 'HOSTING_FAILED';
  const hosted = status === 'HOSTED';
  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description={model.Description}
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button iconName="refresh" ariaLabel="Refresh model" onClick={() => void load()} />
            <Button disabled={!hosted} loading={stopping} onClick={() => void stop()}>
              Stop hosting
            </Button>
            <Button variant="primary" disabled={!canStart} onClick={() => setStarting(true)}>
              Start hosting
            </Button>
          </SpaceBetween>
        }
      >
        Model {modelVersion}
      </Header>
      <div data-testid="model-status">
        <StatusIndicator type={modelStatusType(status)}>{status}</StatusIndicator>
        {hosted && model.MinInferenceUnits !== undefined && ` (${model.MinInferenceUnits} to ${model.MaxInferenceUnits ?? model.MinInferenceUnits} inference units)`}
      </div>
      {status.endsWith('FAILED') && model.StatusMessage && (
        <Alert type="error" header={status === 'TRAINING_FAILED' ? 'Training failed' : 'Hosting failed'}>
          {model.StatusMessage}
        </Alert>
      )}
      {model.Performance && <PerformanceMetrics model={model} evaluation={evaluation} />}
      {evaluation?.Vigil && <FalseAlarmRateControl clients={clients} model={model} evaluation={evaluation.Vigil} position={position} setPosition={setPosition} preview={preview} notify={notify} />}
      {model.EvaluationManifest?.Key && <TestResults clients={clients} model={model} results={testResults} preview={preview} projectName={projectName} hosted={hosted} />}
      {hosted && <TrialDetection clients={clients} projectName={projectName} modelVersion={modelVersion} notify={notify} />}
      {starting && (
        <StartModelModal
          clients={clients}
          projectName={projectName}
          modelVersion={modelVersion}
          onClose={(started) => {
            setStarting(false);
            if (started) {
              notify('info', `Model ${modelVersion} is starting.`);
              void load();
            }
          }}
        />
      )}
    </SpaceBetween>
  );
}
