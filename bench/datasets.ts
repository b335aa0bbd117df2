/*
 * Where the benchmarks find the full-size sample datasets (cookies/, aliens/, circuitboard/, casting/,
 * magtile-dev/; not in this repository, which keeps only small test fixtures): the folder named by
 * VIGIL_DATASETS, else ../shared/datasets beside the repository.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Compiled to <outDir>/bench/datasets.js: the repository root is the out dir's parent. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The datasets folder, after checking that it holds each of `needed` (dataset folder names); otherwise
 * prints what is missing and how to point the benchmark at it, and exits with status 2.
 */
export function datasetsFolder(...needed: string[]): string {
  const folder = resolve(process.env.VIGIL_DATASETS ?? join(root, '..', 'shared', 'datasets'));
  const missing = needed.filter((name) => !existsSync(join(folder, name)));
  if (!existsSync(folder) || missing.length > 0) {
    const what = existsSync(folder) ? `${folder} has no ${missing.join(', ')}` : `${folder} does not exist`;
    process.stderr.write(
      `vigil bench: the sample datasets are not there (${what}).\n` +
        'Set VIGIL_DATASETS to the folder that holds them (cookies/, aliens/, circuitboard/, casting/, magtile-dev/);\n' +
        'by default it is ../shared/datasets beside the repository. The tests do not need it (they use test/fixtures).\n',
    );
    process.exit(2);
  }
  return folder;
}
