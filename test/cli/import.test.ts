import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeDatasetCommand, ListDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import { ALIENS, COOKIES } from '../helpers/datasets.js';
import { startTestVigil, type TestVigil, VIGIL_CLI } from '../helpers/vigil.js';

describe('vigil import', () => {
  let vigil: TestVigil;
  let work: string;
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [VIGIL_CLI, 'import', '--endpoint', vigil.endpoint, '--data-dir', vigil.dataDir, ...args],
        { env: { PATH: process.env.PATH, HOME: work }, cwd: work },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
  const describeDataset = async (project: string, type = 'train') => {
    const client = vigil.lookoutVision();
    try {
      return (await client.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: type }))).DatasetDescription!;
    } finally {
      client.destroy();
    }
  };

  before(async () => {
    vigil = await startTestVigil();
    work = await mkdtemp(join(tmpdir(), 'vigil-import-'));
  });
  after(async () => {
    await vigil.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('a folder of normal/ and anomaly/ images becomes a labelled dataset; a second import adds to it', async () => {
    const normals = (await readdir(join(ALIENS, 'normal'))).length;
    const anomalies = (await readdir(join(ALIENS, 'anomaly'))).length;
    const first = await run(['--project', 'aliens', '--folder', ALIENS]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`aliens/train: CREATE_COMPLETE, ${normals + anomalies} images \\(${normals} normal, ${anomalies} anomaly, 0 unlabelled\\)`));
    assert.deepEqual((await describeDataset('aliens')).ImageStats, { Total: normals + anomalies, Labeled: normals + anomalies, Normal: normals, Anomaly: anomalies });

    // A folder with a few more images, and a file that is not an image, goes into the existing dataset.
    const more = join(work, 'more');
    await mkdir(join(more, 'normal'), { recursive: true });
    await copyFile(join(ALIENS, 'normal', '1.png'), join(more, 'normal', 'extra copy.png'));
    await writeFile(join(more, 'normal', 'notes.txt'), 'not an image');
    const second = await run(['--project', 'aliens', '--folder', more]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /skipping .*notes\.txt: not a PNG or JPEG image/);
    assert.match(second.stdout, new RegExp(`UPDATE_COMPLETE, ${normals + anomalies + 1} images \\(${normals + 1} normal`));
  });

  test('a local manifest with relative paths uploads its images and masks and keeps the classes', async () => {
    const result = await run(['--project', 'cookies', '--dataset', 'test', '--manifest', join(COOKIES, 'manifests', 'template.manifest'), '--images-dir', COOKIES]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /cookies\/test: CREATE_COMPLETE, 63 images \(31 normal, 32 anomaly, 0 unlabelled\)/);
    const client = vigil.lookoutVision();
    try {
      const page = await client.send(new ListDatasetEntriesCommand({ ProjectName: 'cookies', DatasetType: 'test', SourceRefContains: 'anomaly-7.jpg' }));
      const entry = JSON.parse(page.DatasetEntries![0]);
      assert.match(entry['source-ref'], /^s3:\/\/vigil-datasets\/cookies\/test\/.+\/training-images\/anomaly-7\.jpg$/);
      assert.match(entry['anomaly-mask-ref'], /^s3:\/\/vigil-datasets\/.+\/mask-images\/anomaly-7\.png$/);
      assert.deepEqual(entry['anomaly-mask-ref-metadata']['internal-color-map'], { '0': { 'class-name': 'cracked', 'hex-color': '#23A436' } });
    } finally {
      client.destroy();
    }
  });

  test('failures exit non-zero with a message a person can act on', async () => {
    const empty = join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const none = await run(['--project', 'p', '--folder', empty]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /has no images in normal\/ or anomaly\//);

    const both = await run(['--project', 'p', '--folder', empty, '--manifest', 'x']);
    assert.match(both.stderr, /exactly one of --folder and --manifest/);

    // Aliens (275×190) into the cookie project (288×384): the dataset fails and says why.
    const mixed = await run(['--project', 'cookies', '--folder', ALIENS]);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /dataset cookies\/train is CREATE_FAILED: .*275×190 pixels; every image of project cookies must be 288×384/);

    const escaping = join(work, 'escaping.manifest');
    await writeFile(escaping, `${JSON.stringify({ 'source-ref': '../../etc/passwd' })}\n`);
    const refused = await run(['--project', 'p', '--manifest', escaping]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /source-ref must be a path inside/);
  });
});
