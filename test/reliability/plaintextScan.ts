import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Every file under a data directory (SQLite with its WAL and shared memory, blobs, keys, temporary
 * files) that holds one of the byte sequences; the converted public backbone cache is skipped.
 * Returns "file: marker index" lines, empty when nothing leaked.
 */
export async function filesHolding(dataDir: string, markers: readonly Buffer[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (relative(dataDir, path) !== join('cache', 'backbone')) await walk(path);
      } else if (entry.isFile()) {
        const bytes = await readFile(path).catch(() => undefined); // a file removed while scanning is not a leak
        if (!bytes) continue;
        markers.forEach((marker, index) => {
          if (bytes.includes(marker)) found.push(`${relative(dataDir, path)}: marker ${index}`);
        });
      }
    }
  };
  await walk(dataDir);
  return found;
}

/** Windows of an image's bytes past its header: what would show if the image were stored as it came. */
export function imageWindows(image: Buffer, count = 4, length = 48): Buffer[] {
  const windows: Buffer[] = [];
  for (let i = 1; i <= count; i++) {
    const start = Math.floor((image.length * i) / (count + 1));
    windows.push(image.subarray(start, start + length));
  }
  return windows;
}
