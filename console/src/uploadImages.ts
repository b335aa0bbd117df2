import type { S3Client } from '@aws-sdk/client-s3';
import { imageType } from './imageFiles';
import { putObjectBytes } from './s3Objects';

/** What became of one chosen file. */
export type UploadOutcome = { file: string; key: string } | { file: string; error: string };

/** Files read and sent at once: enough to keep the connection busy, few enough to keep memory small. */
const CONCURRENCY = 4;
/** Lookout for Vision's largest image (8 MB). */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024;

/**
 * Puts each file that is a PNG or JPEG image (judged by its bytes) under prefix in bucket with
 * PutObject. A file that is refused, or whose upload fails, is reported with its reason and the
 * others go on; onProgress is told after every file.
 */
export async function uploadImages(s3: S3Client, bucket: string, prefix: string, files: readonly File[], onProgress: (done: number, total: number) => void): Promise<UploadOutcome[]> {
  const outcomes: UploadOutcome[] = new Array(files.length);
  const keys = uniqueKeys(prefix, files);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      outcomes[index] = await uploadOne(s3, bucket, keys[index], file);
      onProgress(++done, files.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, files.length) }, worker));
  return outcomes;
}

async function uploadOne(s3: S3Client, bucket: string, key: string, file: File): Promise<UploadOutcome> {
  if (file.size > MAX_IMAGE_BYTES) return { file: file.name, error: 'is larger than 8 MB.' };
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const type = imageType(bytes);
    if (!type) return { file: file.name, error: 'is not a PNG or JPEG image.' };
    await putObjectBytes(s3, bucket, key, bytes, type);
    return { file: file.name, key };
  } catch (e) {
    return { file: file.name, error: `could not be uploaded: ${(e as Error).message}` };
  }
}

/** One key per file: the file name made safe for a key, numbered when two files share it. */
function uniqueKeys(prefix: string, files: readonly File[]): string[] {
  const seen = new Map<string, number>();
  return files.map((file) => {
    const safe = file.name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'image';
    const count = seen.get(safe) ?? 0;
    seen.set(safe, count + 1);
    return prefix + (count === 0 ? safe : safe.replace(/(\.[^.]*)?$/, `-${count}$1`));
  });
}
