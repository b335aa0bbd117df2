/*
 * Detection-engine benchmark: runs `vigil eval --json` on the full-size sample datasets and prints a table
 * next to the prototype floor of issue 4. Not a test: it prints figures and never fails on them.
 * Run: npm run bench:ml            (main rows + pure PatchCore vs labeled-anomaly head side by side)
 *      node <outDir>/bench/ml.js     (after tsc into any out dir: the CLI is found next to this file)
 *      npm run bench:ml -- --augment   (adds the tilt rows of cookies and circuit boards and the any-orientation
 *                                      rows: flips + 90° rotations; slower training)
 *      node <outDir>/bench/ml.js --tilt       (only: no augmentation vs tilts of ±5°/±10°, aliens seeds 1–8,
 *                                      cookies, circuit boards, same splits, one run)
 *      node <outDir>/bench/ml.js --global     (only: global score fused with the patch score, none vs pyramid
 *                                      vs mean, same six rows and splits as --reweight, one run)
 *      node <outDir>/bench/ml.js --border     (only: border rings of the score grid scored like the interior vs on
 *                                      their own scale, cookies, aliens seeds 1–3, circuit boards, casting, magtile-dev)
 *      node <outDir>/bench/ml.js --level      (only: patch scores as they are vs measured from each image's median
 *                                      cell, same rows as --border, plus magtile-dev with both, one run)
 *      node <outDir>/bench/ml.js --anomaly-head  (only: the labeled-anomaly head on patch-score statistics vs also
 *                                      max-pooled features, cookies, circuit boards, casting, one run)
 *      node <outDir>/bench/ml.js --reweight   (only: image-score re-weighting off vs on, PatchCore eq. 7,
 *                                      on cookies, aliens seeds 1–3, circuit boards, same splits, one run)
 *
 * Datasets (VIGIL_DATASETS, default ../shared/datasets beside the repository; CC BY-SA 4.0 unless noted):
 *  - cookies: training-images split by name (odd numbers train, even numbers test; masks for pixel AUROC)
 *  - aliens: seeded half of the normals train (seeds 1, 2, 3), the rest and all anomalies test; the aliens lie
 *    at slightly varying angles, so their rows are run both plain and with tilted views (`--augment tilt`)
 *  - circuitboard: its train/ folder → its test/ folder (2000×1334 photos, small defects)
 *  - casting (MIT-0): train/ (30 normal + 40 anomalous impellers) → test/ (30 + 30); the line figures re-weight the
 *    test anomalies to 7 % of the parts, the rate of the line the impellers come from
 *  - magtile-dev (Huang, Qiu, Yuan, The Visual Computer 2020): normals only, a seeded half of the normals train,
 *    the rest and both defect kinds test; image AUROC per defect kind (blowhole, crack)
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { auroc } from '../src/ml/metrics.js';
import { datasetsFolder } from './datasets.js';

const run = promisify(execFile);
// Compiled to <outDir>/bench/ml.js: the CLI is <outDir>/src/cli/main.js whatever the out dir (dist, dist-ml…).
const here = dirname(fileURLToPath(import.meta.url));
const datasets = datasetsFolder('cookies', 'aliens', 'circuitboard', 'casting', 'magtile-dev');
const cli = resolve(here, '..', 'src', 'cli', 'main.js');

interface Row {
  dataset: string;
  variant: string;
  floor: string;
  goal: string;
  args: string[];
}

interface Report {
  imageAUROC: number;
  falseAlarmRate: number;
  expectedFalseAlarmRate: number;
  line: { anomalyRate: number; f1: number; bestF1: number };
  images: Array<{ name: string; anomalous: boolean; score: number }>;
  f1: number;
  precision: number;
  recall: number;
  pixelAUROC: number | null;
  trainSeconds: number;
  msPerImage: number;
  resolution: string;
  bankSize: number;
  tiles: number;
  search: { trials: Array<{ width: number; height: number; score: number }> } | null;
  head: { used: boolean; patchcoreAUROC: number; headAUROC: number } | null;
  perClass: Array<{ name: string; f1: number; iou: number }>;
}

/** cookies/training-images laid out as train/ and test/ folders (symlinks), split by odd/even number. */
async function cookiesFolders(into: string): Promise<{ train: string; test: string }> {
  const src = join(datasets, 'cookies');
  for (const split of ['train', 'test']) for (const sub of ['normal', 'anomaly', 'masks']) await mkdir(join(into, split, sub), { recursive: true });
  for (const file of await readdir(join(src, 'training-images'))) {
    const m = /^(normal|anomaly)-(\d+)\.jpg$/.exec(file);
    if (!m) continue;
    const split = Number(m[2]) % 2 ? 'train' : 'test';
    await symlink(join(src, 'training-images', file), join(into, split, m[1]!, file));
    if (m[1] === 'anomaly') await symlink(join(src, 'mask-images', `${basename(file, '.jpg')}.png`), join(into, split, 'masks', `${basename(file, '.jpg')}.png`));
  }
  return { train: join(into, 'train'), test: join(into, 'test') };
}

/** Image AUROC of each defect kind (the anomaly file name up to its first `_`, where it has one) against all test normals. */
function perKind(images: Report['images']): string {
  const normals = images.filter((i) => !i.anomalous).map((i) => i.score);
  const kinds = new Map<string, number[]>();
  for (const i of images.filter((x) => x.anomalous)) {
    if (!i.name.includes('_')) return '—';
    const kind = i.name.split('_')[0]!;
    kinds.set(kind, [...(kinds.get(kind) ?? []), i.score]);
  }
  if (kinds.size < 2) return '—';
  return [...kinds].map(([kind, scores]) => `${kind} ${fmt(auroc([...scores, ...normals], [...scores.map(() => true), ...normals.map(() => false)]))}`).join(', ');
}

const fmt = (v: number | null | undefined, d = 3): string => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));

async function main(): Promise<void> {
  const withAugment = process.argv.includes('--augment');
  const tmp = await mkdtemp(join(tmpdir(), 'vigil-bench-ml-'));
  try {
    const cookies = await cookiesFolders(join(tmp, 'cookies'));
    const circuit = { train: join(datasets, 'circuitboard', 'train'), test: join(datasets, 'circuitboard', 'test') };
    const aliens = join(datasets, 'aliens');
    const cookiesRow: Row = { dataset: 'cookies', variant: 'default', floor: '0.983', goal: '≥0.99 (px ≥0.97)', args: ['--train', cookies.train, '--test', cookies.test] };
    const circuitRow: Row = { dataset: 'circuitboard', variant: 'default', floor: '0.925', goal: '≥0.97', args: ['--train', circuit.train, '--test', circuit.test] };
    const castingRow: Row = {
      dataset: 'casting',
      variant: 'default',
      floor: '0.978',
      goal: '≥0.99; 7 %: F1 ≥0.85, FAR ≤2 %',
      args: ['--train', join(datasets, 'casting', 'train'), '--test', join(datasets, 'casting', 'test')],
    };
    const magtileRow: Row = {
      dataset: 'magtile-dev',
      variant: 'normals only, seed 1',
      floor: '0.620 (px 0.565)',
      goal: '≥0.90 (px ≥0.90)',
      args: ['--train', join(datasets, 'magtile-dev'), '--seed', '1', '--split', '0.5'],
    };
    const aliensRow = (seed: number): Row => ({ dataset: 'aliens', variant: `seed ${seed}`, floor: '1.000', goal: '≥0.995', args: ['--train', aliens, '--seed', String(seed)] });
    const pureRow = (r: Row): Row => ({ ...r, variant: 'PatchCore only', args: [...r.args, '--no-anomalies'] });
    const tilted = (r: Row): Row => ({ ...r, variant: `${r.variant}, tilt`, args: [...r.args, '--augment', 'tilt'] });
    const reweightRows = (): Row[] =>
      [cookiesRow, pureRow(cookiesRow), ...[1, 2, 3].map(aliensRow), circuitRow].flatMap((r) => [
        { ...r, variant: `${r.variant}, max`, args: [...r.args, '--no-reweight'] },
        { ...r, variant: `${r.variant}, re-weighted`, args: [...r.args, '--reweight'] },
      ]);
    const globalRows = (): Row[] =>
      reweightRows()
        .filter((r) => r.variant.endsWith(', max'))
        .flatMap((r) =>
          (['none', 'pyramid', 'mean'] as const).map((kind) => ({
            ...r,
            variant: `${r.variant.replace(', max', '')}, global ${kind}`,
            args: [...r.args.filter((a) => a !== '--no-reweight'), '--global-score', kind],
          })),
        );
    const borderRows = (): Row[] =>
      [cookiesRow, ...[1, 2, 3].map(aliensRow), circuitRow, castingRow, magtileRow].flatMap((r) => [
        { ...r, variant: `${r.variant}, border as interior`, args: r.args },
        { ...r, variant: `${r.variant}, border scaled`, args: [...r.args, '--border-scale'] },
      ]);
    const levelRows = (): Row[] => [
      ...[cookiesRow, ...[1, 2, 3].map(aliensRow), circuitRow, castingRow, magtileRow].flatMap((r) => [
        { ...r, variant: `${r.variant}, as they are`, args: r.args },
        { ...r, variant: `${r.variant}, levelled`, args: [...r.args, '--level-scores'] },
      ]),
      { ...magtileRow, variant: `${magtileRow.variant}, border scaled`, args: [...magtileRow.args, '--border-scale'] },
      { ...magtileRow, variant: `${magtileRow.variant}, border scaled, levelled`, args: [...magtileRow.args, '--border-scale', '--level-scores'] },
    ];
    const withFeatures = (r: Row): Row => ({ ...r, variant: `${r.variant}, head on scores and features`, args: [...r.args, '--anomaly-head', 'scores-and-features'] });
    const headRows = (): Row[] => [cookiesRow, circuitRow, castingRow].flatMap((r) => [r, withFeatures(r)]);
    const tiltRows = (): Row[] => [...[1, 2, 3, 4, 5, 6, 7, 8].map(aliensRow), cookiesRow, circuitRow].flatMap((r) => [r, tilted(r)]);
    const mainRows = (): Row[] => [
      cookiesRow,
      pureRow(cookiesRow),
      ...[1, 2, 3].map(aliensRow),
      ...[1, 2, 3].map((seed) => tilted(aliensRow(seed))),
      circuitRow,
      pureRow(circuitRow),
      castingRow,
      pureRow(castingRow),
      withFeatures(castingRow),
      magtileRow,
      { ...magtileRow, variant: `${magtileRow.variant}, texture`, args: [...magtileRow.args, '--surface', 'texture'] },
      // Tiles: the same boards at 1008×672 (half their size) in two overlapping backbone tiles, against the default 672×448.
      { ...circuitRow, variant: '1008 px, tiles', args: [...circuitRow.args, '--resolution', '1008'] },
      { ...circuitRow, variant: '1008 px, tiles, PatchCore only', args: [...circuitRow.args, '--resolution', '1008', '--no-anomalies'] },
      ...(withAugment
        ? [tilted(cookiesRow), tilted(circuitRow), ...[aliensRow(1), circuitRow].map((r) => ({ ...r, variant: `${r.variant}, any orientation`, args: [...r.args, '--augment', 'any-orientation'] }))]
        : []),
    ];
    const rows = process.argv.includes('--border')
      ? borderRows()
      : process.argv.includes('--level')
        ? levelRows()
        : process.argv.includes('--tilt')
          ? tiltRows()
          : process.argv.includes('--global')
            ? globalRows()
            : process.argv.includes('--anomaly-head')
              ? headRows()
              : process.argv.includes('--reweight')
                ? reweightRows()
                : mainRows();
    const header = [
      'dataset',
      'variant',
      'image AUROC',
      'floor',
      'goal',
      'per kind',
      'pixel AUROC',
      'px F1/IoU',
      'F1',
      'P',
      'R',
      'FAR (expected)',
      'F1 at 7 % (best)',
      'train s',
      'ms/img',
      'resolution',
      'tiles',
      'bank',
      'head (cv vs LOO)',
    ];
    const lines: string[][] = [];
    process.stderr.write(`vigil eval on ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), detection on 1 thread\n`);
    for (const row of rows) {
      process.stderr.write(`… ${row.dataset} ${row.variant}\n`);
      const { stdout } = await run(process.execPath, [cli, 'eval', '--json', ...row.args], { maxBuffer: 64 * 1024 * 1024 });
      const r = JSON.parse(stdout) as Report;
      lines.push([
        row.dataset,
        row.variant,
        fmt(r.imageAUROC),
        row.floor,
        row.goal,
        perKind(r.images),
        fmt(r.pixelAUROC),
        r.perClass.length ? r.perClass.map((c) => `${fmt(c.f1, 2)}/${fmt(c.iou, 2)}`).join(' ') : '—',
        fmt(r.f1),
        fmt(r.precision),
        fmt(r.recall),
        `${fmt(r.falseAlarmRate)} (${fmt(r.expectedFalseAlarmRate)})`,
        `${fmt(r.line.f1)} (${fmt(r.line.bestF1)})`,
        fmt(r.trainSeconds, 1),
        fmt(r.msPerImage, 1),
        r.resolution + (r.search ? ` (of ${r.search.trials.map((c) => `${Math.max(c.width, c.height)}:${fmt(c.score)}`).join(' ')})` : ''),
        String(r.tiles),
        String(r.bankSize),
        r.head ? `${r.head.used ? 'used' : 'off'} (${fmt(r.head.headAUROC)} vs ${fmt(r.head.patchcoreAUROC)})` : '—',
      ]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const print = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    process.stdout.write(`${[print(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(print)].join('\n')}\n`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
