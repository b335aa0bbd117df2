import Badge from '@cloudscape-design/components/badge';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useState } from 'react';
import type { Clients } from '../clients';
import { imageType } from '../imageFiles';
import { getObjectBytes } from '../s3Objects';
import { parseS3Uri } from '../s3Uri';
import { type Detection, detect, releaseDetection } from './detect';
import type { TestImageResult } from './evaluationFiles';
import { percent } from './format';
import { MaskedImage, type Overlay } from './MaskedImage';

/**
 * A test image, its label and verdict (at the threshold the page chose: `verdict`, beside the evaluation's own);
 * with an overlay, the mask or heatmap the hosted model predicts for it laid over it.
 */
export function TestImageCard({
  clients,
  result,
  verdict,
  projectName,
  modelVersion,
  overlay,
}: {
  clients: Clients;
  result: TestImageResult;
  verdict: 'normal' | 'anomaly';
  projectName: string;
  modelVersion: string;
  overlay: Overlay | undefined;
}) {
  const withPrediction = overlay !== undefined;
  const [image, setImage] = useState<{ url: string; bytes: Uint8Array<ArrayBuffer>; type: string } | undefined>();
  const [detection, setDetection] = useState<Detection | undefined>();
  const [failed, setFailed] = useState<string | undefined>();

  useEffect(() => {
    const at = parseS3Uri(result.sourceRef);
    if (!at) {
      setFailed('Image unavailable');
      return;
    }
    let current = true;
    let url: string | undefined;
    getObjectBytes(clients.s3, at.bucket, at.key)
      .then(({ bytes, contentType }) => {
        if (!current) return;
        // Objects put without a type are application/octet-stream: DetectAnomalies needs the image's own type.
        const type = imageType(bytes) ?? contentType ?? 'image/jpeg';
        const copy = new Uint8Array(bytes);
        url = URL.createObjectURL(new Blob([copy], { type }));
        setImage({ url, bytes: copy, type });
      })
      .catch(() => current && setFailed('Image unavailable'));
    return () => {
      current = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [clients, result.sourceRef]);
  useEffect(() => {
    if (!withPrediction || !image) return;
    let current = true;
    let found: Detection | undefined;
    detect(clients, projectName, modelVersion, image.bytes, image.type)
      .then((d) => {
        found = d;
        if (current) setDetection(d);
        else releaseDetection(d);
      })
      .catch(() => current && setFailed('Detection failed'));
    return () => {
      current = false;
      releaseDetection(found);
      setDetection(undefined);
    };
  }, [clients, projectName, modelVersion, image, withPrediction]);

  const name = result.sourceRef.split('/').pop() ?? '';
  const correct = result.actual === verdict;
  const changed = verdict !== result.predicted;
  return (
    <SpaceBetween size="xs">
      {failed && <StatusIndicator type="warning">{failed}</StatusIndicator>}
      {image ? (
        <MaskedImage imageUrl={image.url} maskUrl={detection?.maskUrl} heatmapUrl={detection?.heatmapUrl} alt={name} overlay={overlay ?? 'none'} />
      ) : (
        !failed && <StatusIndicator type="loading">Loading</StatusIndicator>
      )}
      {changed ? (
        <div>
          Label: <b>{result.actual ?? 'unlabelled'}</b>, predicted at this threshold: <b>{verdict}</b> (<b>{result.predicted}</b> at the calibrated threshold)
        </div>
      ) : (
        <div>
          Label: <b>{result.actual ?? 'unlabelled'}</b>, predicted: <b>{result.predicted}</b> ({percent(result.confidence)})
        </div>
      )}
      <SpaceBetween direction="horizontal" size="xs">
        <Badge color={correct ? 'green' : 'red'}>{correct ? 'Correct' : 'Incorrect'}</Badge>
        {changed && <Badge color="blue">Changed by the threshold</Badge>}
      </SpaceBetween>
      {detection && detection.anomalies.length > 0 && <div data-testid="predicted-labels">Predicted: {detection.anomalies.map((a) => `${a.name} ${percent(a.area)}`).join(', ')}</div>}
    </SpaceBetween>
  );
}
