import { DetectAnomaliesCommand } from '@aws-sdk/client-lookoutvision';
import type { Clients } from '../clients';

/** A hosted model's verdict on one image, with its anomaly mask (segmentation models) as a blob: URL. */
export interface Detection {
  isAnomalous: boolean;
  confidence: number | undefined;
  /** Anomaly classes found, with the colour each is painted in the mask and its share of the image. */
  anomalies: { name: string; color?: string; area?: number }[];
  maskUrl: string | undefined;
}

/** DetectAnomalies on a hosted model; the caller revokes maskUrl when the image leaves the page. */
export async function detect(clients: Clients, projectName: string, modelVersion: string, body: Uint8Array, contentType: string): Promise<Detection> {
  const answer = await clients.lookoutVision.send(new DetectAnomaliesCommand({ ProjectName: projectName, ModelVersion: modelVersion, Body: body, ContentType: contentType }));
  const result = answer.DetectAnomalyResult!;
  return {
    isAnomalous: result.IsAnomalous === true,
    confidence: result.Confidence,
    anomalies: (result.Anomalies ?? []).filter((a) => a.Name !== 'background').map((a) => ({ name: a.Name!, color: a.PixelAnomaly?.Color, area: a.PixelAnomaly?.TotalPercentageArea })),
    maskUrl: result.AnomalyMask?.length ? URL.createObjectURL(new Blob([result.AnomalyMask as Uint8Array<ArrayBuffer>], { type: 'image/png' })) : undefined,
  };
}
