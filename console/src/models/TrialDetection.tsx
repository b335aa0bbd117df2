import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FileUpload from '@cloudscape-design/components/file-upload';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import ProgressBar from '@cloudscape-design/components/progress-bar';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useEffect, useRef, useState } from 'react';
import type { Notify } from '../App';
import { type Clients, errorText } from '../clients';
import { imageType } from '../imageFiles';
import { detect } from './detect';
import { type TrialImage, TrialResultCard } from './TrialResultCard';

/** Trial detections: images from the computer run through the hosted model, each verdict shown with its mask and open to folding into training. */
export function TrialDetection({ clients, projectName, modelVersion, notify }: { clients: Clients; projectName: string; modelVersion: string; notify: Notify }) {
  const [files, setFiles] = useState<File[]>([]);
  const [trials, setTrials] = useState<TrialImage[]>([]);
  const [done, setDone] = useState<number | undefined>();
  const urls = useRef<string[]>([]);
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), []);

  const run = async () => {
    const batch = files;
    setDone(0);
    const results: TrialImage[] = [];
    for (const file of batch) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      // The type from the bytes, as the server decides; anything else is sent as the browser names it and refused with the server's message.
      const contentType = imageType(bytes) ?? (file.type || 'application/octet-stream');
      const imageUrl = URL.createObjectURL(new Blob([bytes], { type: contentType }));
      urls.current.push(imageUrl);
      try {
        const detection = await detect(clients, projectName, modelVersion, bytes, contentType);
        if (detection.maskUrl) urls.current.push(detection.maskUrl);
        results.push({ name: file.name, bytes, contentType, imageUrl, detection });
      } catch (e) {
        results.push({ name: file.name, bytes, contentType, imageUrl, error: errorText(e) });
      }
      setDone(results.length);
    }
    setTrials((t) => [...results, ...t]);
    setFiles([]);
    setDone(undefined);
    notify('info', `${batch.length} trial image${batch.length === 1 ? '' : 's'} checked by model ${modelVersion}.`);
  };

  return (
    <Container
      header={
        <Header variant="h2" description="Run the hosted model on images from your computer; add the ones you verified to the training dataset.">
          Trial detection
        </Header>
      }
    >
      <SpaceBetween size="l">
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
        <Button variant="primary" disabled={files.length === 0 || done !== undefined} loading={done !== undefined} onClick={() => void run()}>
          Detect anomalies
        </Button>
        {done !== undefined && <ProgressBar value={(done / Math.max(1, files.length)) * 100} label="Detecting" additionalInfo={`${done} of ${files.length}`} />}
        {trials.length === 0 ? (
          <Box color="text-body-secondary">No trial images yet.</Box>
        ) : (
          trials.map((t) => <TrialResultCard key={t.imageUrl} clients={clients} projectName={projectName} trial={t} notify={notify} />)
        )}
      </SpaceBetween>
    </Container>
  );
}
