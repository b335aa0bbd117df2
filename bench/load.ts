/*
 * Load: N concurrent SDK clients against a real `vigil serve` child process for T seconds, each
 * doing DetectAnomalies on a hosted model (one inference unit) and an S3 PUT and GET in turn.
 * Prints per-run and median p50/p99 latency, throughput, every HTTP status seen (only 200 and 429
 * are allowed: the exit code is 1 otherwise) and the server's peak RSS (VmHWM). Not a test.
 * Run: npm run bench:load -- [--clients 32] [--seconds 15] [--runs 3]   (builds, then node dist/bench/load.js)
 * Uses the aliens images of test/fixtures, so it needs nothing beside the repository.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDatasetCommand, CreateModelCommand, CreateProjectCommand, DescribeDatasetCommand, DescribeModelCommand, DetectAnomaliesCommand, StartModelCommand } from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { aliensTrainingSet } from '../test/helpers/datasets.js';
import { ServeProcess, sleep } from '../test/reliability/serveProcess.js';
import { median, option, percentile } from './figures.js';

const CLIENTS = option('clients', 32);
const SECONDS = option('seconds', 15);
const RUNS = option('runs', 3);

/** Peak resident set size of a process so far, in MiB (Linux: VmHWM). */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]) / 1024;
}

const dataDir = await mkdtemp(join(tmpdir(), 'vigil-load-'));
const serve = await ServeProcess.start(dataDir);
let failed = false;
try {
  const s3 = serve.s3();
  const lookoutVision = serve.lookoutVision();
  await s3.send(new CreateBucketCommand({ Bucket: 'load' }));
  const set = await aliensTrainingSet('load');
  for (const { key, image } of set) await s3.send(new PutObjectCommand({ Bucket: 'load', Key: key, Body: image }));
  const images = set.map((s) => s.image);
  await s3.send(new PutObjectCommand({ Bucket: 'load', Key: 'train.manifest', Body: set.map((s) => s.line).join('\n') }));
  await lookoutVision.send(new CreateProjectCommand({ ProjectName: 'aliens' }));
  await lookoutVision.send(new CreateDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'load', Key: 'train.manifest' } } } }));
  const datasetStatus = async () => (await lookoutVision.send(new DescribeDatasetCommand({ ProjectName: 'aliens', DatasetType: 'train' }))).DatasetDescription!.Status!;
  while ((await datasetStatus()) === 'CREATE_IN_PROGRESS') await sleep(300);
  await lookoutVision.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'load', Prefix: 'models/' } } }));
  const status = async () => (await lookoutVision.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!.Status!;
  while ((await status()) === 'TRAINING') await sleep(500);
  await lookoutVision.send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1 }));
  while ((await status()) === 'STARTING_HOSTING') await sleep(500);
  if ((await status()) !== 'HOSTED') throw new Error(`the model is ${await status()}, not HOSTED`);
  const body = randomBytes(64 * 1024);

  const results: { detectP50: number; detectP99: number; s3P50: number; s3P99: number; throughput: number; detectPerSecond: number; rss: number }[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const statuses = new Map<string, number>();
    const count = (operation: string, code: number) => statuses.set(`${operation} ${code}`, (statuses.get(`${operation} ${code}`) ?? 0) + 1);
    const detect: number[] = [];
    const objects: number[] = [];
    const timed = async (operation: string, latencies: number[], send: () => Promise<unknown>) => {
      const sent = performance.now();
      try {
        await send();
        latencies.push(performance.now() - sent);
        count(operation, 200);
      } catch (error) {
        count(operation, (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0);
      }
    };
    const end = performance.now() + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; performance.now() < end; i++) {
          await timed('DetectAnomalies', detect, () =>
            lookoutVision.send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: images[(client + i) % images.length] })),
          );
          const key = `objects/${client}/${i % 20}`;
          await timed('PutObject', objects, () => s3.send(new PutObjectCommand({ Bucket: 'load', Key: key, Body: body })));
          await timed('GetObject', objects, async () => {
            const object = await s3.send(new GetObjectCommand({ Bucket: 'load', Key: key }));
            await object.Body!.transformToByteArray();
          });
        }
      }),
    );
    const seconds = SECONDS;
    detect.sort((a, b) => a - b);
    objects.sort((a, b) => a - b);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const rss = await peakRssMiB(serve.pid);
    const other = [...statuses.keys()].filter((key) => !/ (200|429)$/.test(key));
    if (other.length > 0) failed = true;
    results.push({
      detectP50: percentile(detect, 50),
      detectP99: percentile(detect, 99),
      s3P50: percentile(objects, 50),
      s3P99: percentile(objects, 99),
      throughput: total / seconds,
      detectPerSecond: detect.length / seconds,
      rss,
    });
    const r = results.at(-1)!;
    console.log(
      `run ${run}: ${CLIENTS} clients × ${seconds} s: ${r.throughput.toFixed(1)} requests/s (${r.detectPerSecond.toFixed(1)} DetectAnomalies/s answered 200); ` +
        `DetectAnomalies p50 ${r.detectP50.toFixed(0)} ms p99 ${r.detectP99.toFixed(0)} ms; S3 PUT/GET 64 KiB p50 ${r.s3P50.toFixed(0)} ms p99 ${r.s3P99.toFixed(0)} ms; ` +
        `server peak RSS ${rss.toFixed(0)} MiB`,
    );
    console.log(`  statuses: ${[...statuses].map(([key, n]) => `${key}: ${n}`).join(', ')}${other.length > 0 ? `  — NOT ALLOWED: ${other.join(', ')}` : ''}`);
  }
  const m = (pick: (r: (typeof results)[number]) => number) => median(results.map(pick));
  console.log(
    `median of ${RUNS}: ${m((r) => r.throughput).toFixed(1)} requests/s, ${m((r) => r.detectPerSecond).toFixed(1)} DetectAnomalies/s; ` +
      `DetectAnomalies p50 ${m((r) => r.detectP50).toFixed(0)} ms p99 ${m((r) => r.detectP99).toFixed(0)} ms; ` +
      `S3 p50 ${m((r) => r.s3P50).toFixed(0)} ms p99 ${m((r) => r.s3P99).toFixed(0)} ms; peak RSS ${Math.max(...results.map((r) => r.rss)).toFixed(0)} MiB`,
  );
  console.log(failed ? 'FAILED: a status other than 200 and 429 was answered' : 'only 200 and 429 were answered');
  s3.destroy();
  lookoutVision.destroy();
} finally {
  await serve.stop();
  await rm(dataDir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
