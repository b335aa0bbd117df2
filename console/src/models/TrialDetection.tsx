import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useRef, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { imageType } from '../imageFiles';
import { parseS3Uri } from '../s3Uri';
import { detect, releaseDetection } from './detect';
import { type TrialImage, TrialResultCard } from './TrialResultCard';
import { fileSources, MAX_TRIAL_IMAGES, prefixSources, type TrialSource } from './trialImages';

/**
 * Trial detections: images from the computer or under an S3 prefix run through the hosted model, each verdict
 * shown with its mask and heatmap and open to folding into training.
 */
export function TrialDetection({ clients, projectName, modelVersion, notify }: { clients: Clients; projectName: string; modelVersion: string; notify: Notify }) {
  const [source, setSource] = useState<'upload' | 's3'>('upload');
  const [files, setFiles] = useState<File[]>([]);
  const [uri, setUri] = useState('');
  const [uriError, setUriError] = useState<string | undefined>();
  const [trials, setTrials] = useState<TrialImage[]>([]);
  const [progress, setProgress] = useState<{ done: number; total: number } | undefined>();
  const urls = useRef<string[]>([]);
  const detections = useRef<TrialImage['detection'][]>([]);
  useEffect(
    () => () => {
      urls.current.forEach((u) => URL.revokeObjectURL(u));
      detections.current.forEach(releaseDetection);
    },
    [],
  );

  const runOn = async (batch: TrialSource[]) => {
    setProgress({ done: 0, total: batch.length });
    const results: TrialImage[] = [];
    let done = 0;
    for (const item of batch) {
      try {
        const bytes = new Uint8Array(await item.read());
        // The type from the bytes, as the server decides; anything else is sent untyped and refused with the server's message.
        const contentType = imageType(bytes) ?? 'application/octet-stream';
        const imageUrl = URL.createObjectURL(new Blob([bytes], { type: contentType }));
        urls.current.push(imageUrl);
        try {
          const detection = await detect(clients, projectName, modelVersion, bytes, contentType);
          detections.current.push(detection);
          results.push({ name: item.name, bytes, contentType, imageUrl, detection });
        } catch (e) {
          results.push({ name: item.name, bytes, contentType, imageUrl, error: errorText(e) });
        }
      } catch (e) {
        notify('error', `${item.name} could not be read. ${errorText(e)}`);
      }
      done += 1;
      setProgress({ done, total: batch.length });
    }
    setTrials((t) => [...results, ...t]);
    setProgress(undefined);
    notify('info', `${results.length} trial image${results.length === 1 ? '' : 's'} checked by model ${modelVersion}.`);
  };

  const run = async () => {
    if (source === 'upload') {
      const batch = fileSources(files);
      setFiles([]);
      await runOn(batch);
      return;
    }
    if (!parseS3Uri(uri)) {
      setUriError('Enter an S3 URI of the form s3://bucket/prefix/.');
      return;
    }
    setProgress({ done: 0, total: 0 });
    let batch: TrialSource[];
    try {
      batch = await prefixSources(clients, uri);
    } catch (e) {
      setProgress(undefined);
      notify('error', `No trial detection was run. ${errorText(e)}`);
      return;
    }
    await runOn(batch);
  };

  const ready = source === 'upload' ? files.length > 0 : uri.trim() !== '';
  return (
    <Container
      header={
        <Header variant="h2" description="Run the hosted model on images from your computer or under an S3 prefix; add the ones you verified to the training dataset.">
          Trial detection
        </Header>
      }
    >
      <SpaceBetween size="l">
        <SegmentedControl
          selectedId={source}
          label="Images from"
          onChange={({ detail }) => setSource(detail.selectedId as 'upload' | 's3')}
          options={[
            { id: 'upload', text: 'Your computer' },
            { id: 's3', text: 'An S3 prefix' },
          ]}
        />
        {source === 'upload' ? (
          <FormField label="Images" description="PNG or JPEG, up to 8 MB each.">
            <FileUpload
              multiple
              value={files}
              onChange={({ detail }) => setFiles(detail.value)}
              accept="image/png,image/jpeg"
              showFileSize
              i18nStrings={{
                uploadButtonText: (multiple) => (multiple ? 'Choose images' : 'Choose image'),
                dropzoneText: (multiple) => (multiple ? 'Drop images to check' : 'Drop image to check'),
                removeFileAriaLabel: (i) => `Remove image ${i + 1}`,
                limitShowFewer: 'Show fewer',
                limitShowMore: 'Show more',
                errorIconAriaLabel: 'Error',
              }}
            />
          </FormField>
        ) : (
          <FormField label="S3 prefix" description={`Every PNG and JPEG image under it, in its folders too (up to ${MAX_TRIAL_IMAGES}), is read through the S3 API and checked.`} errorText={uriError}>
            <Input
              name="trialS3Uri"
              value={uri}
              placeholder="s3://bucket/prefix/"
              ariaLabel="S3 prefix of the trial images"
              onChange={({ detail }) => {
                setUri(detail.value);
                setUriError(undefined);
              }}
            />
          </FormField>
        )}
        <Button variant="primary" disabled={!ready || progress !== undefined} loading={progress !== undefined} onClick={() => void run()}>
          Detect anomalies
        </Button>
        {progress !== undefined && (
          <ProgressBar value={(progress.done / Math.max(1, progress.total)) * 100} label="Detecting" additionalInfo={progress.total ? `${progress.done} of ${progress.total}` : 'Listing the images'} />
        )}
        {trials.length === 0 ? (
          <Box color="text-body-secondary">No trial images yet.</Box>
        ) : (
          trials.map((t) => <TrialResultCard key={t.imageUrl} clients={clients} projectName={projectName} trial={t} notify={notify} />)
        )}
      </SpaceBetween>
    </Container>
  );
}
