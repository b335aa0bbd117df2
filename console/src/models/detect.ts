import { DetectAnomaliesCommand } from '@aws-sdk/client-lookoutvision';
import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import type { Clients } from '../clients';
import { heatmapUrl } from './heatmap';

/** A hosted model's verdict on one image, with its anomaly mask (segmentation models) and heatmap (any model) as blob: URLs. */
export interface Detection {
  isAnomalous: boolean;
  confidence: number | undefined;
  /** Anomaly classes found, with the colour each is painted in the mask and its share of the image. */
  anomalies: { name: string; color?: string; area?: number }[];
  maskUrl: string | undefined;
  /** The anomaly map (Vigil's x-vigil-anomaly-map extension) coloured as a heatmap. */
  heatmapUrl: string | undefined;
}

/** Revokes a detection's blob: URLs. */
export function releaseDetection(d: Detection | undefined): void {
  if (d?.maskUrl) URL.revokeObjectURL(d.maskUrl);
  if (d?.heatmapUrl) URL.revokeObjectURL(d.heatmapUrl);
}

/**
 * DetectAnomalies on a hosted model through the SDK, asking for Vigil's anomaly map with the x-vigil-anomaly-map
 * header (signed like the rest). The SDK parses Lookout for Vision's members and ignores the extension's, so the
 * raw answer is kept on the way in and VigilAnomalyMap read from it. The caller releases the detection's URLs.
 */
export async function detect(clients: Clients, projectName: string, modelVersion: string, body: Uint8Array, contentType: string): Promise<Detection> {
  const client = clients.lookoutVision;
  const command = new DetectAnomaliesCommand({ ProjectName: projectName, ModelVersion: modelVersion, Body: body, ContentType: contentType });
  let anomalyMap: string | undefined;
  command.middlewareStack.add(
    (next) => (args) => {
      (args.request as HttpRequest).headers['x-vigil-anomaly-map'] = 'png';
      return next(args);
    },
    { step: 'build', name: 'vigilAnomalyMapHeader' },
  );
  command.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as HttpResponse;
      const bytes = await client.config.streamCollector(response.body);
      response.body = bytes;
      if (response.statusCode === 200) {
        const raw = JSON.parse(new TextDecoder().decode(bytes)) as { DetectAnomalyResult?: { VigilAnomalyMap?: string } };
        anomalyMap = raw.DetectAnomalyResult?.VigilAnomalyMap;
      }
      return out;
    },
    { step: 'deserialize', name: 'vigilAnomalyMapBody', priority: 'low' },
  );
  const answer = await client.send(command);
  const result = answer.DetectAnomalyResult!;
  return {
    isAnomalous: result.IsAnomalous === true,
    confidence: result.Confidence,
    anomalies: (result.Anomalies ?? []).filter((a) => a.Name !== 'background').map((a) => ({ name: a.Name!, color: a.PixelAnomaly?.Color, area: a.PixelAnomaly?.TotalPercentageArea })),
    maskUrl: result.AnomalyMask?.length ? URL.createObjectURL(new Blob([result.AnomalyMask as Uint8Array<ArrayBuffer>], { type: 'image/png' })) : undefined,
    heatmapUrl: anomalyMap ? await heatmapUrl(Uint8Array.from(atob(anomalyMap), (c) => c.charCodeAt(0))) : undefined,
  };
}
