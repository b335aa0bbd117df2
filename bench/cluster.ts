/*
 * Scale out, on this machine: DetectAnomalies throughput with 1, 2 and 3 `vigil serve` nodes sharing one
 * PostgreSQL and one Ceph RGW (a fixed number of SDK clients spread round-robin over the nodes), then the
 * cost of PostgreSQL + RGW against the embedded default (SQLite + a local directory), one node each, for
 * uploads (S3 PutObject of an image, a CreateDataset import) and detection. Every configuration is measured
 * in every run, one after the other (the order alternates between runs), so that each ratio compares
 * figures taken moments apart; the table gives medians of the runs. Beside each figure, the CPU time every
 * process used (/proc/<pid>/stat) and the whole machine's (/proc/stat), so what caps the throughput is
 * measured, not assumed. Exits 1 if a request was answered other than 200 or 429, never on timing.
 * Run: npm run bench:cluster -- [--clients 8] [--seconds 10] [--runs 3] [--upload-clients 4]
 *   (builds, then node dist/bench/cluster.js). Needs PostgreSQL 15 and Ceph (ceph-mon ceph-osd radosgw
 *   ceph-common) installed: it starts throwaway ones on loopback, as the tests do. Not a test.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDatasetCommand,
  CreateModelCommand,
  CreateProjectCommand,
  DescribeDatasetCommand,
  DescribeModelCommand,
  DetectAnomaliesCommand,
  type LookoutVisionClient,
  StartModelCommand,
} from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type CephRgw, cephSkip, startCephRgw } from '../test/helpers/cephRgw.js';
import { aliensTrainingSet } from '../test/helpers/datasets.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { ServeProcess, sleep } from '../test/reliability/serveProcess.js';
import { machineBusySeconds, schedulerGroups, treeCpuSeconds } from './cpuTime.js';
import { median, option, percentile } from './figures.js';

const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 10);
const RUNS = option('runs', 3);
const UPLOAD_CLIENTS = option('upload-clients', 4);
const CORES = cpus().length;

for (const skip of [postgresSkip, cephSkip]) if (skip) throw new Error(skip);

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

/** Every answer of the whole run by operation and HTTP status; anything but 200 and 429 fails the run. */
const statuses = new Map<string, number>();
function count(operation: string, status: number): void {
  statuses.set(`${operation} ${status}`, (statuses.get(`${operation} ${status}`) ?? 0) + 1);
}

interface Window {
  /** Latencies of the requests answered 200, ms, sorted. */
  latencies: number[];
  throttled: number;
  seconds: number;
}

/** `clients` loops, each sending `send(client, i)` one after the other for `seconds`; no retries (the clients make one attempt). */
async function load(operation: string, clients: number, seconds: number, send: (client: number, i: number) => Promise<unknown>): Promise<Window> {
  const latencies: number[] = [];
  let throttled = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < end; i++) {
        const sent = performance.now();
        try {
          await send(client, i);
          latencies.push(performance.now() - sent);
          count(operation, 200);
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
          count(operation, status);
          if (status === 429) throttled++;
          // A refused connection fails at once: pause so that one broken node does not spin.
          else await sleep(100);
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), throttled, seconds: (performance.now() - started) / 1000 };
}

/** Cores used on average during `work` by each group of processes, by this benchmark's own process, and by the whole machine. */
async function withCpu<T>(groups: number[][], work: () => Promise<T>): Promise<{ result: T; groups: number[]; bench: number; machine: number }> {
  const roots = groups.flat();
  const before = { tree: await treeCpuSeconds(roots), bench: process.cpuUsage(), machine: await machineBusySeconds(), at: performance.now() };
  const result = await work();
  const tree = await treeCpuSeconds(roots);
  const machine = await machineBusySeconds();
  const bench = process.cpuUsage(before.bench);
  const wall = (performance.now() - before.at) / 1000;
  const used = tree.map((seconds, i) => seconds - before.tree[i]!);
  let at = 0;
  const perGroup = groups.map((pids) => {
    const sum = used.slice(at, at + pids.length).reduce((a, b) => a + b, 0);
    at += pids.length;
    return sum / wall;
  });
  return { result, groups: perGroup, bench: (bench.user + bench.system) / 1e6 / wall, machine: (machine - before.machine) / wall };
}

/** The aliens images uploaded to the node's bucket `bench`, with their manifest `train.manifest`; returns the images. */
async function uploadAliens(s3: S3Client): Promise<Buffer[]> {
  await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
  const set = await aliensTrainingSet('bench');
  for (const { key, image } of set) await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: key, Body: image }));
  await s3.send(new PutObjectCommand({ Bucket: 'bench', Key: 'train.manifest', Body: set.map((s) => s.line).join('\n') }));
  return set.map((s) => s.image);
}

/** Imports `train.manifest` into a new project's train dataset; resolves with the seconds from CreateDataset to CREATE_COMPLETE. */
async function importDataset(client: LookoutVisionClient, project: string): Promise<number> {
  await client.send(new CreateProjectCommand({ ProjectName: project }));
  const started = performance.now();
  await client.send(new CreateDatasetCommand({ ProjectName: project, DatasetType: 'train', DatasetSource: { GroundTruthManifest: { S3Object: { Bucket: 'bench', Key: 'train.manifest' } } } }));
  for (;;) {
    const { Status, StatusMessage } = (await client.send(new DescribeDatasetCommand({ ProjectName: project, DatasetType: 'train' }))).DatasetDescription!;
    if (Status === 'CREATE_COMPLETE') return (performance.now() - started) / 1000;
    if (Status !== 'CREATE_IN_PROGRESS') throw new Error(`the import of ${project} ended ${Status}: ${StatusMessage}`);
    await sleep(50);
  }
}

/** Trains model 1 of project `aliens` on the uploaded images and hosts it on one inference unit (on the node asked; others load it when asked to detect). */
async function trainAndHost(client: LookoutVisionClient): Promise<void> {
  await importDataset(client, 'aliens');
  await client.send(new CreateModelCommand({ ProjectName: 'aliens', OutputConfig: { S3Location: { Bucket: 'bench', Prefix: 'models/' } } }));
  const status = async () => (await client.send(new DescribeModelCommand({ ProjectName: 'aliens', ModelVersion: '1' }))).ModelDescription!;
  while ((await status()).Status === 'TRAINING') await sleep(500);
  await client.send(new StartModelCommand({ ProjectName: 'aliens', ModelVersion: '1', MinInferenceUnits: 1, MaxInferenceUnits: 1 }));
  while ((await status()).Status === 'STARTING_HOSTING') await sleep(300);
  const model = await status();
  if (model.Status !== 'HOSTED') throw new Error(`the model is ${model.Status}, not HOSTED: ${model.StatusMessage}`);
}

const detect = (client: LookoutVisionClient, image: Buffer) => client.send(new DetectAnomaliesCommand({ ProjectName: 'aliens', ModelVersion: '1', ContentType: 'image/png', Body: image }));

/** A few detections one after the other, the first of which may wait for the node to load the model. */
async function warmUp(client: LookoutVisionClient, images: Buffer[]): Promise<void> {
  for (let i = 0; i < 5; i++) await detect(client, images[i % images.length]!);
}

const dirs: string[] = [];
const serving: ServeProcess[] = [];
let postgres: TestPostgres | undefined;
let rgw: CephRgw | undefined;
async function node(env: NodeJS.ProcessEnv, role?: string): Promise<ServeProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vigil-cluster-bench-'));
  dirs.push(dataDir);
  const serve = await ServeProcess.start(dataDir, role ? ['--role', role] : [], env);
  serving.push(serve);
  return serve;
}

interface ClusterFigures {
  nodes: number;
  detectPerSecond: number;
  p50: number;
  p99: number;
  throttled: number;
  nodeCores: number[];
  postgresCores: number;
  rgwCores: number;
  benchCores: number;
  machineCores: number;
}
/** Cores the machine spent besides this benchmark's processes: other users' work. */
function otherWork(r: ClusterFigures): number {
  return Math.max(0, r.machineCores - r.nodeCores.reduce((a, b) => a + b, 0) - r.postgresCores - r.rgwCores - r.benchCores);
}

/** Cores used during a window by the node, PostgreSQL, the RGW, and other users' work (the machine less those and the benchmark). */
interface Cores {
  node: number;
  postgres: number;
  rgw: number;
  other: number;
}

interface EngineFigures {
  putPerSecond: number;
  putP50: number;
  putP99: number;
  putCores: Cores;
  importSeconds: number;
  detectOneP50: number;
  detectOneP99: number;
  detectPerSecond: number;
  detectP50: number;
  detectP99: number;
  detectCores: Cores;
}

try {
  const setupStarted = performance.now();
  postgres = await startPostgres();
  rgw = await startCephRgw();
  const rgwS3 = rgw.client();
  await rgwS3.send(new CreateBucketCommand({ Bucket: 'vigil-objects' }));
  rgwS3.destroy();
  const shared = {
    VIGIL_DATABASE_URL: await postgres.createDatabase(),
    VIGIL_BLOB_S3_ENDPOINT: rgw.endpoint,
    VIGIL_BLOB_S3_BUCKET: 'vigil-objects',
    VIGIL_BLOB_S3_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    VIGIL_BLOB_S3_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    VIGIL_BLOB_S3_CA_FILE: rgw.caPath,
    VIGIL_ROOT_KEY: randomBytes(32).toString('base64'),
  };
  const rgwPids = await rgw.daemonPids();
  // One after the other: the first creates the schema.
  const nodes = [await node(shared, 'all'), await node(shared, 'all'), await node(shared, 'all')];
  const clients = nodes.map((n) => n.lookoutVision());
  const images = await uploadAliens(nodes[0]!.s3());
  await trainAndHost(clients[0]!);
  for (const client of clients) await warmUp(client, images);
  console.log(`setup (PostgreSQL, Ceph RGW, 3 nodes, training, hosting): ${fixed((performance.now() - setupStarted) / 1000, 0)} s`);
  console.log(`${CORES} cores; ${CLIENTS} detect clients, ${UPLOAD_CLIENTS} upload clients, ${SECONDS} s windows, ${RUNS} runs`);
  // What three hosting nodes cost with nothing to do (timers, the job queue's polling, keeping the model).
  const idle = await withCpu([...nodes.map((n) => [n.pid]), [postgres.pid], rgwPids], () => sleep(5000));
  console.log(
    `idle for 5 s: nodes ${idle.groups
      .slice(0, 3)
      .map((c) => fixed(c, 3))
      .join(' + ')} cores, PostgreSQL ${fixed(idle.groups[3]!, 3)}, RGW ${fixed(idle.groups[4]!, 3)}; whole machine ${fixed(idle.machine, 2)} of ${CORES}`,
  );
  const scheduler = await schedulerGroups([process.pid, ...nodes.map((n) => n.pid)]);
  if (scheduler)
    console.log(
      `kernel.sched_autogroup_enabled = ${scheduler.enabled ? 1 : 0}; this benchmark and its nodes are in ${scheduler.groups.join(', ')}` +
        (scheduler.enabled && scheduler.groups.length === 1 ? ": one session's CPU share, however many nodes run" : ''),
    );
  console.log('');

  const cluster: ClusterFigures[][] = [];
  for (let run = 1; run <= RUNS; run++) {
    const figures: ClusterFigures[] = [];
    for (const count of run % 2 === 1 ? [1, 2, 3] : [3, 2, 1]) {
      const used = nodes.slice(0, count);
      const measured = await withCpu([...used.map((n) => [n.pid]), [postgres.pid], rgwPids], () =>
        load('DetectAnomalies', CLIENTS, SECONDS, (client, i) => detect(clients[client % count]!, images[(client + i) % images.length]!)),
      );
      const { latencies, throttled, seconds } = measured.result;
      figures.push({
        nodes: count,
        detectPerSecond: latencies.length / seconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        throttled,
        nodeCores: measured.groups.slice(0, count),
        postgresCores: measured.groups[count]!,
        rgwCores: measured.groups[count + 1]!,
        benchCores: measured.bench,
        machineCores: measured.machine,
      });
      const f = figures.at(-1)!;
      console.log(
        `run ${run}, ${count} node(s): ${fixed(f.detectPerSecond)} DetectAnomalies/s, p50 ${fixed(f.p50, 0)} ms, p99 ${fixed(f.p99, 0)} ms, ${f.throttled} × 429; ` +
          `cores: nodes ${f.nodeCores.map((c) => fixed(c, 2)).join(' + ')}, PostgreSQL ${fixed(f.postgresCores, 2)}, RGW ${fixed(f.rgwCores, 2)}, bench ${fixed(f.benchCores, 2)}, other work ${fixed(otherWork(f), 2)}, machine ${fixed(f.machineCores, 2)} of ${CORES}`,
      );
    }
    cluster.push(figures.sort((a, b) => a.nodes - b.nodes));
  }
  for (const client of clients) client.destroy();
  // The comparison runs one node of each kind: the other two would only sit idle.
  for (const n of nodes.slice(1)) await n.stop();

  const embedded = await node({});
  const engines = [
    { name: 'embedded (SQLite + directory)', serve: embedded, pids: [[embedded.pid], [], []] },
    { name: 'PostgreSQL + Ceph RGW', serve: nodes[0]!, pids: [[nodes[0]!.pid], [postgres.pid], rgwPids] },
  ];
  const embeddedClient = embedded.lookoutVision();
  await uploadAliens(embedded.s3());
  await trainAndHost(embeddedClient);
  await warmUp(embeddedClient, images);
  embeddedClient.destroy();
  console.log('');

  const byEngine: EngineFigures[][] = engines.map(() => []);
  for (let run = 1; run <= RUNS; run++) {
    for (const e of run % 2 === 1 ? [0, 1] : [1, 0]) {
      const { name, serve, pids } = engines[e]!;
      const s3 = serve.s3();
      const client = serve.lookoutVision();
      const cores = (m: { groups: number[]; bench: number; machine: number }): Cores => {
        const [node, postgres, rgw] = m.groups as [number, number, number];
        return { node, postgres, rgw, other: Math.max(0, m.machine - node - postgres - rgw - m.bench) };
      };
      const put = await withCpu(pids, () =>
        load('PutObject', UPLOAD_CLIENTS, SECONDS, (c, i) => s3.send(new PutObjectCommand({ Bucket: 'bench', Key: `uploads/${c}/${i % 10}.png`, Body: images[(c + i) % images.length] }))),
      );
      const importSeconds = await importDataset(client, `import-${run}`);
      const one = await load('DetectAnomalies', 1, Math.max(1, SECONDS / 2), (_, i) => detect(client, images[i % images.length]!));
      const many = await withCpu(pids, () => load('DetectAnomalies', CLIENTS, SECONDS, (c, i) => detect(client, images[(c + i) % images.length]!)));
      s3.destroy();
      client.destroy();
      const f: EngineFigures = {
        putPerSecond: put.result.latencies.length / put.result.seconds,
        putP50: percentile(put.result.latencies, 50),
        putP99: percentile(put.result.latencies, 99),
        putCores: cores(put),
        importSeconds,
        detectOneP50: percentile(one.latencies, 50),
        detectOneP99: percentile(one.latencies, 99),
        detectPerSecond: many.result.latencies.length / many.result.seconds,
        detectP50: percentile(many.result.latencies, 50),
        detectP99: percentile(many.result.latencies, 99),
        detectCores: cores(many),
      };
      byEngine[e]!.push(f);
      console.log(
        `run ${run}, ${name}: PutObject ${fixed(f.putPerSecond)}/s p50 ${fixed(f.putP50, 0)} ms; import ${fixed(f.importSeconds, 2)} s; ` +
          `DetectAnomalies 1 client p50 ${fixed(f.detectOneP50, 0)} ms, ${CLIENTS} clients ${fixed(f.detectPerSecond)}/s p50 ${fixed(f.detectP50, 0)} ms`,
      );
    }
  }

  // The tables: Markdown, medians of the runs; ratios are the median of each run's own ratio.
  const m = <T>(rows: T[], pick: (row: T) => number) => median(rows.map(pick));
  const row = (cells: (string | number)[]) => console.log(`| ${cells.join(' | ')} |`);
  console.log(`\n### DetectAnomalies with 1, 2 and 3 nodes sharing PostgreSQL + Ceph RGW (${CLIENTS} clients round-robin, ${SECONDS} s, median of ${RUNS} runs, ${CORES} cores)\n`);
  row([
    'nodes',
    'DetectAnomalies/s',
    '× 1 node',
    'p50 ms',
    'p99 ms',
    '429',
    'cores used: each node',
    'all nodes',
    'node CPU ms a detection',
    'PostgreSQL',
    'RGW',
    'bench clients',
    'other work',
    'whole machine',
  ]);
  row(Array(14).fill('---'));
  for (const count of [1, 2, 3]) {
    const runs = cluster.map((run) => run.find((f) => f.nodes === count)!);
    const ratio = median(cluster.map((run) => run[count - 1]!.detectPerSecond / run[0]!.detectPerSecond));
    const med = (pick: (f: ClusterFigures) => number, digits: number) => fixed(m(runs, pick), digits);
    const allNodes = (f: ClusterFigures) => f.nodeCores.reduce((a, b) => a + b, 0);
    row([
      count,
      med((f) => f.detectPerSecond, 1),
      fixed(ratio, 2),
      med((f) => f.p50, 0),
      med((f) => f.p99, 0),
      med((f) => f.throttled, 0),
      Array.from({ length: count }, (_, i) => med((f) => f.nodeCores[i]!, 2)).join(' + '),
      med(allNodes, 2),
      med((f) => (allNodes(f) / f.detectPerSecond) * 1000, 1),
      med((f) => f.postgresCores, 2),
      med((f) => f.rgwCores, 2),
      med((f) => f.benchCores, 2),
      med(otherWork, 2),
      `${med((f) => f.machineCores, 2)} of ${CORES}`,
    ]);
  }
  console.log(`\n### PostgreSQL + Ceph RGW against the embedded default, one node each (median of ${RUNS} runs)\n`);
  row(['measure', 'embedded (SQLite + directory)', 'PostgreSQL + Ceph RGW', 'shared / embedded']);
  row(Array(4).fill('---'));
  const [embeddedRuns, sharedRuns] = byEngine as [EngineFigures[], EngineFigures[]];
  const value = (label: string, pick: (f: EngineFigures) => number, digits: number) => {
    const ratio = median(embeddedRuns.map((run, i) => pick(sharedRuns[i]!) / pick(run)));
    row([label, fixed(m(embeddedRuns, pick), digits), fixed(m(sharedRuns, pick), digits), fixed(ratio, 2)]);
  };
  const cores = (label: string, pick: (f: EngineFigures) => Cores) => {
    const cell = (runs: EngineFigures[]) =>
      (['node', 'postgres', 'rgw', 'other'] as const)
        .map((part) =>
          fixed(
            m(runs, (f) => pick(f)[part]),
            2,
          ),
        )
        .join(' / ');
    row([label, cell(embeddedRuns), cell(sharedRuns), '']);
  };
  const imageKiB = fixed(median(images.map((i) => i.length)) / 1024, 0);
  value(`S3 PutObject of an aliens image (~${imageKiB} KiB), ${UPLOAD_CLIENTS} clients: objects/s`, (f) => f.putPerSecond, 1);
  value('PutObject p50 ms', (f) => f.putP50, 0);
  value('PutObject p99 ms', (f) => f.putP99, 0);
  cores('PutObject cores used: node / PostgreSQL / RGW / other work', (f) => f.putCores);
  value(`CreateDataset import of ${images.length} images, s`, (f) => f.importSeconds, 2);
  value('DetectAnomalies, 1 client: p50 ms', (f) => f.detectOneP50, 0);
  value('DetectAnomalies, 1 client: p99 ms', (f) => f.detectOneP99, 0);
  value(`DetectAnomalies, ${CLIENTS} clients: /s`, (f) => f.detectPerSecond, 1);
  value(`DetectAnomalies, ${CLIENTS} clients: p50 ms`, (f) => f.detectP50, 0);
  value(`DetectAnomalies, ${CLIENTS} clients: p99 ms`, (f) => f.detectP99, 0);
  cores(`DetectAnomalies, ${CLIENTS} clients: cores used: node / PostgreSQL / RGW / other work`, (f) => f.detectCores);
} finally {
  for (const serve of serving) await serve.stop();
  await rgw?.stop();
  await postgres?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}

const refused = [...statuses.keys()].filter((key) => !/ (200|429)$/.test(key));
console.log(`\nstatuses: ${[...statuses].map(([key, n]) => `${key}: ${n}`).join(', ')}`);
if (refused.length > 0) console.log(`FAILED: answered other than 200 and 429: ${refused.join(', ')}`);
process.exitCode = refused.length > 0 ? 1 : 0;
