import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Tiles from '@cloudscape-design/components/tiles';
import { useConsoleBucket } from '../../useConsoleBucket';
import { ImageFilePicker } from './ImageFilePicker';
import type { ImageSource } from './imageSource';

/** The source of one dataset's images: upload from the computer, an S3 prefix, or a manifest. */
export function ImageSourceFields({ name, source, onChange, problem }: { name: string; source: ImageSource; onChange(source: ImageSource): void; problem?: string }) {
  const { bucket, requestSetup } = useConsoleBucket();
  return (
    <SpaceBetween size="m">
      <FormField label={`Image source (${name})`}>
        <Tiles
          ariaLabel={`Image source (${name})`}
          value={source.kind}
          onChange={({ detail }) =>
            onChange(detail.value === 'upload' ? { kind: 'upload', files: [] } : detail.value === 's3' ? { kind: 's3', uri: '', autoLabel: true } : { kind: 'manifest', uri: '' })
          }
          items={[
            { value: 'upload', label: 'Upload images from your computer', description: 'Unlabelled; label them in the gallery.' },
            { value: 's3', label: 'Import images from an S3 bucket', description: 'Optionally labelled by their normal/ and anomaly/ folders.' },
            { value: 'manifest', label: 'Import a manifest file', description: 'A SageMaker Ground Truth manifest in S3.' },
          ]}
        />
      </FormField>
      {source.kind !== 'manifest' && bucket === null && (
        <Alert type="warning" action={<Button onClick={requestSetup}>Set up the console bucket</Button>}>
          The console needs its S3 bucket to keep uploaded images and the manifests it writes.
        </Alert>
      )}
      {source.kind === 'upload' && (
        <FormField label="Images" errorText={problem}>
          <ImageFilePicker files={source.files} onChange={(files) => onChange({ ...source, files })} />
        </FormField>
      )}
      {source.kind === 's3' && (
        <SpaceBetween size="s">
          <FormField label="S3 URI" description="The folder that holds the images, e.g. s3://my-bucket/cookies/." errorText={problem}>
            <Input value={source.uri} onChange={({ detail }) => onChange({ ...source, uri: detail.value })} placeholder="s3://bucket/prefix/" name={`${name}-s3-uri`} />
          </FormField>
          <Checkbox checked={source.autoLabel} onChange={({ detail }) => onChange({ ...source, autoLabel: detail.checked })}>
            Automatic labelling: images in normal/ are normal, images in anomaly/ are anomalies
          </Checkbox>
        </SpaceBetween>
      )}
      {source.kind === 'manifest' && (
        <FormField label="Manifest file" description="The S3 URI of a SageMaker Ground Truth manifest." errorText={problem}>
          <Input value={source.uri} onChange={({ detail }) => onChange({ ...source, uri: detail.value })} placeholder="s3://bucket/train.manifest" name={`${name}-manifest-uri`} />
        </FormField>
      )}
    </SpaceBetween>
  );
}
