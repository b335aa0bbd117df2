/** An image with a model's anomaly mask laid over it, half transparent; the mask can be hidden. */
export function MaskedImage({ imageUrl, maskUrl, alt, showMask = true }: { imageUrl: string; maskUrl?: string; alt: string; showMask?: boolean }) {
  return (
    <div className="vigil-masked-image">
      <img src={imageUrl} alt={alt} />
      {maskUrl && showMask && <img className="vigil-mask" src={maskUrl} alt={`Anomaly mask of ${alt}`} />}
    </div>
  );
}
