/*
 * DetectAnomalies through the real SDK over HTTPS, at concurrency 1 and 8, next to the detection
 * engine's own time per image, and CreateModel → TRAINED wall time. Not a test: it prints figures.
 * Run: npm run bench:api   (builds, then: node dist/bench/api.js); the full-size cookies from VIGIL_DATASETS
 * (default ../shared/datasets beside the repository), not the test fixtures.
 */

import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { CreateModelCommand, DescribeModelCommand, DetectAnomaliesCommand, StartModelCommand } from '@aws-sdk/client-lookoutvision';
import { loadDetector } from '../src/ml/index.js';
import { cookieManifest, putCookieImages } from '../test/helpers/datasets.js';
import { startTestVigil } from '../test/helpers/vigil.js';
import { datasetsFolder } from './datasets.js';
import { percentile } from './figures.js';

const COOKIES = join(datasetsFolder('cookies'), 'cookies');

const REQUESTS = { 1: 60, 8: 160 } as const;

const vigil = await startTestVigil();
const client = vigil.lookoutVision();
try {
  const { buckets, projects, datasets, models } = vigil.services;
  await buckets.createBucket('bench');
  await putCookieImages(buckets, 'bench', COOKIES);
  await buckets.putObject({ bucket: 'bench', key: 'train.manifest', body: Readable.from([Buffer.from(await cookieManifest('bench', undefined, COOKIES))]) });
  await projects.create({ projectName: 'cookies' });
  await datasets.create({ projectName: 'cookies', datasetType: 'train', manifest: { Bucket: 'bench', Key: 'train.manifest' } });
  await vigil.jobs.idle();

  const trainStart = performance.now();
  await client.send(new CreateModelCommand({ ProjectName: 'cookies', OutputConfig: { S3Location: { Bucket: 'bench', Prefix: 'out/' } } }));
  await vigil.jobs.idle();
  const trainSeconds = (performance.now() - trainStart) / 1000;
  const model = (await client.send(new DescribeModelCommand({ ProjectName: 'cookies', ModelVersion: '1' }))).ModelDescription!;
  const units = Math.min(2, cpus().length);
  await client.send(new StartModelCommand({ ProjectName: 'cookies', ModelVersion: '1', MinInferenceUnits: units }));
  await vigil.jobs.idle();

  const names = (await readdir(join(COOKIES, 'test-images'))).sort();
  const images = await Promise.all(names.map((name) => readFile(join(COOKIES, 'test-images', name))));

  // The engine alone, in this process, one thread: the floor for the API's latency.
  const record = await models.describe({ projectName: 'cookies', modelVersion: '1' });
  const detector = await loadDetector(new Uint8Array(await vigil.blobs.getBuffer(record.artifactBlob!, { 'vigil:model': record.arn })), { threads: 1 });
  for (const image of images.slice(0, 3)) await detector.detect(image);
  const engine: number[] = [];
  for (const image of images) {
    const start = performance.now();
    await detector.detect(image);
    engine.push(performance.now() - start);
  }
  engine.sort((a, b) => a - b);

  for (let i = 0; i < 6; i++) {
    await client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: images[i % images.length] }));
  }
  const rows: string[] = [];
  for (const concurrency of [1, 8] as const) {
    const latencies: number[] = [];
    let next = 0;
    let retries = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < REQUESTS[concurrency]) {
          const image = images[next++ % images.length];
          const sent = performance.now();
          const answer = await client.send(new DetectAnomaliesCommand({ ProjectName: 'cookies', ModelVersion: '1', ContentType: 'image/jpeg', Body: image }));
          retries += (answer.$metadata.attempts ?? 1) - 1;
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    rows.push(
      `concurrency ${concurrency}: ${latencies.length} requests  p50 ${percentile(latencies, 50).toFixed(0)} ms  p99 ${percentile(latencies, 99).toFixed(0)} ms  ` +
        `${(latencies.length / seconds).toFixed(1)} images/s  (429 retries: ${retries})`,
    );
  }
  console.log('command: npm run bench:api  (node dist/bench/api.js)');
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0].model}; cookies 576×768 JPEG, ${units} inference units`);
  console.log(`CreateModel → TRAINED: ${trainSeconds.toFixed(1)} s (63 images, F1 ${model.Performance?.F1Score?.toFixed(3)})`);
  console.log(`engine alone, 1 thread: p50 ${percentile(engine, 50).toFixed(0)} ms per image (median of ${engine.length})`);
  for (const row of rows) console.log(row);
} finally {
  client.destroy();
  await vigil.stop();
}
