/*
 * Training at scale: `vigil eval --json` on N textured tiles of 300–600 px (the 318 normal + 172 anomalous
 * magtile-dev images, all as normals, repeated under new names past 490), tested on 12 of the anomalies.
 * Prints the training seconds per stage, the process's CPU seconds and its peak resident memory.
 * Not a test: it prints figures and never fails on them. Datasets: VIGIL_DATASETS (see bench/datasets.ts).
 * Run: node <outDir>/bench/trainScale.js [N=490 …]   (several N: one run each; the CLI is found next to this file)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { datasetsFolder } from './datasets.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const tiles = join(datasetsFolder('magtile-dev'), 'magtile-dev');
const cli = resolve(here, '..', 'src', 'cli', 'main.js');

async function layout(dir: string, count: number): Promise<void> {
  await mkdir(join(dir, 'normal'), { recursive: true });
  await mkdir(join(dir, 'anomaly'), { recursive: true });
  const sources = [...(await readdir(join(tiles, 'normal'))).map((f) => join(tiles, 'normal', f)), ...(await readdir(join(tiles, 'anomaly'))).map((f) => join(tiles, 'anomaly', f))].sort();
  for (let i = 0; i < count; i++) {
    const source = sources[i % sources.length]!;
    await symlink(source, join(dir, 'normal', `${String(i).padStart(5, '0')}${source.slice(source.lastIndexOf('.'))}`));
  }
  const anomalies = (await readdir(join(tiles, 'anomaly'))).sort().slice(0, 12);
  for (const f of anomalies) await symlink(join(tiles, 'anomaly', f), join(dir, 'anomaly', f));
}

const counts = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
for (const count of counts.length ? counts : [490]) {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-train-scale-'));
  try {
    await layout(dir, count);
    const started = performance.now();
    // /usr/bin/time -v: the child's peak RSS and CPU seconds (the figures that contention does not distort).
    const { stdout, stderr } = await run('/usr/bin/time', ['-v', process.execPath, cli, 'eval', '--json', '--train', dir, '--split', '1', '--seed', '1'], { maxBuffer: 256 * 1024 * 1024 });
    const wall = (performance.now() - started) / 1000;
    const report = JSON.parse(stdout) as {
      trainSeconds: number;
      trainTimings: Record<string, number>;
      bankSize: number;
      coresetCandidates?: number;
      heldOutNormals?: number;
      resolution: string;
      imageAUROC: number;
    };
    const field = (name: string): string => new RegExp(`${name}: (.*)`).exec(stderr)?.[1]?.trim() ?? '?';
    const timings = Object.entries(report.trainTimings)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ');
    console.log(
      `${count} images at ${report.resolution}: train ${report.trainSeconds.toFixed(1)} s (${timings}), bank ${report.bankSize}` +
        `${report.coresetCandidates ? ` of ${report.coresetCandidates} candidates` : ''}${report.heldOutNormals ? `, ${report.heldOutNormals} normals scored` : ''}; ` +
        `process ${wall.toFixed(0)} s wall, ${(Number(field('User time \\(seconds\\)')) + Number(field('System time \\(seconds\\)'))).toFixed(0)} s CPU, peak RSS ${(Number(field('Maximum resident set size \\(kbytes\\)')) / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
