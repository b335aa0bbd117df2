/** The image formats Lookout for Vision accepts, recognised by their first bytes (not by the file name). */
export type ImageType = 'image/png' | 'image/jpeg';

export function imageType(bytes: Uint8Array): ImageType | undefined {
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

/** Whether an S3 key names an image by its extension, as the S3 import chooses objects without reading them. */
export function isImageKey(key: string): boolean {
  return /\.(png|jpe?g)$/i.test(key);
}
