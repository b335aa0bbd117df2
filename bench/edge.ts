/*
 * Edge Agent latency: a model trained on 768×576 images (the cookie fixtures stretched to that size), packaged
 * by StartModelPackagingJob, installed with the edge installer and served by `vigil edge serve` in its own
 * process; DetectAnomalies from a grpc-js client over the Unix socket, one call at a time and 4 at a time.
 * Prints p50 / p99 and the bytes each call carries. Not a test: it prints figures and never fails on them.
 * Run: npm run build && node dist/bench/edge.js
 */

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CreateModelCommand, StartModelPackagingJobCommand } from '@aws-sdk/client-lookoutvision';
import sharp from 'sharp';
import { installPackage } from '../src/edge/edgeInstall.js';
import { COOKIES } from '../test/helpers/datasets.js';
import { edgeClient } from '../test/helpers/edgeClient.js';
import { s3Client } from '../test/helpers/s3.js';
import { startTestVigil } from '../test/helpers/vigil.js';

const WIDTH = 768;
const HEIGHT = 576;
const SEQUENTIAL = 100;
const CONCURRENT = { calls: 100, inFlight: 4 };
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const resized = (path: string) => sharp(path).resize(WIDTH, HEIGHT, { fit: 'fill' });

const work = await mkdtemp(join(tmpdir(), 'vigil-edge-bench-'));
const vigil = await startTestVigil();
const client = vigil.lookoutVision();
const s3 = s3Client(vigil);
let agent: ReturnType<typeof spawn> | undefined;
try {
  const { buckets, projects, datasets } = vigil.services;
  await buckets.createBucket('edge-bench');
  const lines: string[] = [];
  for (const file of (await readdir(join(COOKIES, 'training-images'))).sort()) {
    const className = file.startsWith('normal') ? 'normal' : 'anomaly';
    await buckets.putObject({
      bucket: 'edge-bench',
      key: `images/${file}`,
      body: Readable.from([
        await resized(join(COOKIES, 'training-images', file))
          .jpeg({ quality: 95 })
          .toBuffer(),
      ]),
    });
    lines.push(JSON.stringify({ 'source-ref': `s3://edge-bench/images/${file}`, 'anomaly-label': 1, 'anomaly-label-metadata': { 'class-name': className, type: 'groundtruth/image-classification' } }));
  }
  await buckets.putObject({ bucket: 'edge-bench', key: 'train.manifest', body: Readable.from([Buffer.from(lines.join('\n'))]) });
  await projects.create({ projectName: 'edge-bench' });
  await datasets.create({ projectName: 'edge-bench', datasetType: 'train', manifest: { Bucket: 'edge-bench', Key: 'train.manifest' } });
  await vigil.jobs.idle();
  await client.send(new CreateModelCommand({ ProjectName: 'edge-bench', OutputConfig: { S3Location: { Bucket: 'edge-bench', Prefix: 'model/' } } }));
  await vigil.jobs.idle();
  await client.send(
    new StartModelPackagingJobCommand({
      ProjectName: 'edge-bench',
      ModelVersion: '1',
      Configuration: { Greengrass: { TargetPlatform: { Os: 'LINUX', Arch: 'X86_64' }, S3OutputLocation: { Bucket: 'edge-bench', Prefix: 'packages/' }, ComponentName: 'bench' } },
    }),
  );
  await vigil.jobs.idle();
  const edgeDir = join(work, 'edge');
  await installPackage(edgeDir, { location: 's3://edge-bench/packages/bench/1.0.0/', s3 });

  const socket = join(work, 'agent.sock');
  const started = spawn(process.execPath, [CLI, 'edge', 'serve', '--dir', edgeDir, '--socket', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  agent = started;
  await new Promise<void>((resolve, reject) => {
    started.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    started.once('exit', (code) => reject(new Error(`the agent exited (${code})`)));
  });
  const edge = edgeClient(socket);
  await edge.StartModel({ model_component: 'bench' });
  while (((await edge.DescribeModel({ model_component: 'bench' })).model_description as { status: string }).status === 'STARTING') await new Promise((r) => setTimeout(r, 100));

  const bitmaps = await Promise.all(
    (await readdir(join(COOKIES, 'test-images'))).sort().map(async (file) => ({
      width: WIDTH,
      height: HEIGHT,
      byte_data: await resized(join(COOKIES, 'test-images', file))
        .removeAlpha()
        .raw()
        .toBuffer(),
    })),
  );
  const detect = async (i: number) => {
    const t = performance.now();
    const answer = await edge.DetectAnomalies({ model_component: 'bench', bitmap: bitmaps[i % bitmaps.length] });
    return { ms: performance.now() - t, answer };
  };
  for (let i = 0; i < 5; i++) await detect(i);
  const sequential: number[] = [];
  let responseBytes = 0;
  for (let i = 0; i < SEQUENTIAL; i++) {
    const { ms, answer } = await detect(i);
    sequential.push(ms);
    const mask = (answer.detect_anomaly_result as { anomaly_mask?: { byte_data?: Buffer } | null }).anomaly_mask?.byte_data;
    responseBytes = Math.max(responseBytes, mask?.length ?? 0);
  }
  const concurrent: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT.inFlight }, async () => {
      while (next < CONCURRENT.calls) concurrent.push((await detect(next++)).ms);
    }),
  );
  const wall = performance.now() - t0;
  sequential.sort((a, b) => a - b);
  concurrent.sort((a, b) => a - b);
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  process.stdout.write(
    `Edge Agent DetectAnomalies over a Unix socket, ${WIDTH}×${HEIGHT} RGB888 (${(WIDTH * HEIGHT * 3).toLocaleString('en')} bytes a request${responseBytes ? `, ${responseBytes.toLocaleString('en')}-byte masks back` : ', no mask: classification model'})\n`,
  );
  process.stdout.write(`| calls in flight | calls | p50 | p99 | per second |\n|---|---|---|---|---|\n`);
  process.stdout.write(`| 1 | ${SEQUENTIAL} | ${f(percentile(sequential, 50))} | ${f(percentile(sequential, 99))} | ${(1000 / (sequential.reduce((a, b) => a + b, 0) / SEQUENTIAL)).toFixed(1)} |\n`);
  process.stdout.write(`| ${CONCURRENT.inFlight} | ${CONCURRENT.calls} | ${f(percentile(concurrent, 50))} | ${f(percentile(concurrent, 99))} | ${((CONCURRENT.calls * 1000) / wall).toFixed(1)} |\n`);
  edge.close();
} finally {
  if (agent && agent.exitCode === null) {
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent!.once('exit', resolve));
  }
  client.destroy();
  s3.destroy();
  await vigil.stop();
  await rm(work, { recursive: true, force: true });
}
