/** What is laid over an image: the model's anomaly mask, its heatmap, or nothing. */
export type Overlay = 'mask' | 'heatmap' | 'none';

/** An image with a model's anomaly mask or heatmap laid over it, half transparent. */
export function MaskedImage({ imageUrl, maskUrl, heatmapUrl, alt, overlay = 'mask' }: { imageUrl: string; maskUrl?: string; heatmapUrl?: string; alt: string; overlay?: Overlay }) {
  return (
    <div className="vigil-masked-image">
      <img src={imageUrl} alt={alt} />
      {maskUrl && overlay === 'mask' && <img className="vigil-mask" src={maskUrl} alt={`Anomaly mask of ${alt}`} />}
      {heatmapUrl && overlay === 'heatmap' && <img className="vigil-heatmap" src={heatmapUrl} alt={`Heatmap of ${alt}`} />}
    </div>
  );
}
