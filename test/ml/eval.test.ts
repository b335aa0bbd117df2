import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { COOKIES as cookies } from '../helpers/datasets.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('vigil eval', () => {
  let dir: string;

  before(async () => {
    // A tiny train/test layout of real cookie photos (symlinks, read-only sources).
    dir = await mkdtemp(join(tmpdir(), 'vigil-eval-'));
    const place = async (split: string, kind: 'normal' | 'anomaly', n: number, withMask = true): Promise<void> => {
      await mkdir(join(dir, split, kind), { recursive: true });
      await symlink(join(cookies, 'training-images', `${kind}-${n}.jpg`), join(dir, split, kind, `${kind}-${n}.jpg`));
      if (kind === 'anomaly' && withMask) {
        await mkdir(join(dir, split, 'masks'), { recursive: true });
        await symlink(join(cookies, 'mask-images', `anomaly-${n}.png`), join(dir, split, 'masks', `anomaly-${n}.png`));
      }
    };
    for (const n of [1, 3, 5, 7]) await place('train', 'normal', n);
    for (const n of [1, 3]) await place('train', 'anomaly', n);
    for (const n of [2, 4]) await place('test', 'normal', n);
    for (const n of [2, 4]) await place('test', 'anomaly', n);
    for (const n of [9, 11, 13, 15]) await place('plain', 'normal', n);
    for (const n of [5, 7]) await place('plain', 'anomaly', n, false);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints one JSON object with the figures', async () => {
    const { stdout } = await run(process.execPath, [cli, 'eval', '--train', join(dir, 'train'), '--test', join(dir, 'test'), '--json', '--resolution', '128']);
    const report = JSON.parse(stdout);
    for (const key of ['imageAUROC', 'f1', 'precision', 'recall', 'threshold', 'trainSeconds', 'msPerImage']) assert.equal(typeof report[key], 'number', key);
    assert.equal(typeof report.pixelAUROC, 'number'); // masks exist
    assert.ok(report.imageAUROC >= 0 && report.imageAUROC <= 1);
    assert.deepEqual(report.testImages, { normal: 2, anomaly: 2 });
    assert.equal(report.images.length, 4);
    assert.ok(Array.isArray(report.prCurve) && report.prCurve.length >= 1);
    for (const c of report.perClass) assert.ok(c.f1 >= 0 && c.f1 <= 1 && c.iou >= 0 && c.iou <= c.f1);
  });

  it('splits with a printed seed when there is no test folder, and reports null pixel AUROC without masks', async () => {
    const { stdout, stderr } = await run(process.execPath, [cli, 'eval', '--train', join(dir, 'plain'), '--seed', '7', '--resolution', '128']);
    assert.match(stderr, /split seed 7/);
    assert.match(stdout, /image AUROC/);
    assert.match(stdout, /pixel AUROC\s+n\/a/);
    assert.match(stdout, /ms per image {2}\(2 normal \+ 2 anomalous test images/);
  });

  it('adds tilted views of the training normals with --augment tilt, and refuses an unknown kind', async () => {
    const { stdout } = await run(process.execPath, [cli, 'eval', '--train', join(dir, 'train'), '--test', join(dir, 'test'), '--json', '--resolution', '128', '--augment', 'tilt']);
    assert.equal(JSON.parse(stdout).augmentation, 'tilt');
    await assert.rejects(run(process.execPath, [cli, 'eval', '--train', join(dir, 'train'), '--test', join(dir, 'test'), '--augment', 'sideways']), (e: { stderr: string }) =>
      /augment must be none, tilt, any-orientation \(not sideways\)/.test(e.stderr),
    );
    await assert.rejects(run(process.execPath, [cli, 'eval', '--train', join(dir, 'train'), '--test', join(dir, 'test'), '--surface', 'wood']), (e: { stderr: string }) =>
      /surface must be part, texture \(not wood\)/.test(e.stderr),
    );
  });

  it('fails clearly on a folder without images', async () => {
    await assert.rejects(run(process.execPath, [cli, 'eval', '--train', join(dir, 'nothing')]), (e: { stderr: string }) => /no images under normal\/ or anomaly\//.test(e.stderr));
  });
});
