import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DetectAnomaliesCommand, type LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { HostedModel } from '../../src/jobs/modelRuntime.js';
import { ALIENS, hostedAliensModel } from '../helpers/datasets.js';
import { postgresSkip, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { s3Client } from '../helpers/s3.js';
import { sendRaw, sendSigned } from '../helpers/signedRequest.js';
import { startTestVigil, type TestVigil } from '../helpers/vigil.js';
import { killLeftovers, ServeProcess } from '../reliability/serveProcess.js';

/** The job lease, and so how long a node that stopped heartbeating still counts as live. */
const LEASE_SECONDS = 2;
const MODEL = { ProjectName: 'aliens', ModelVersion: '1' };

/** Detections of a node's hosted models that can be held back at the units' door: they stay admitted (in flight) until released. */
interface HeldDetections {
  /** Detections waiting at the door now. */
  readonly waiting: number;
  hold(): void;
  release(): void;
}

/** Wraps the node's own runtime so that every model it hosts from now on passes its detections through a door the test opens and closes. */
function holdDetections(vigil: TestVigil): HeldDetections {
  // biome-ignore lint/complexity/useLiteralKeys: deps is private; the test wraps the node's own runtime.
  const runtime = vigil.services.hosting['deps'].runtime;
  const host = runtime.host;
  let door: Promise<void> | undefined;
  let open = () => {};
  let waiting = 0;
  runtime.host = async (artifact, units) => {
    const hosted: HostedModel = await host(artifact, units);
    const detect = hosted.detect.bind(hosted);
    hosted.detect = async (image, options) => {
      waiting++;
      await door;
      waiting--;
      return detect(image, options);
    };
    return hosted;
  };
  return {
    get waiting() {
      return waiting;
    },
    hold() {
      door = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      door = undefined;
      open();
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}

/**
 * Nodes sharing a PostgreSQL database (two in this process, one `vigil serve` child) and an object store
 * (a third, embedded Vigil's S3 API): a model hosted on 1 inference unit admits about one node's worth of
 * DetectAnomalies at once across them all, the rest 429 ThrottlingException; a node killed with SIGKILL
 * leaves its share to the others within the lease, a node stopped cleanly at once.
 */
describe('DetectAnomalies throttled per model across the nodes', { skip: postgresSkip }, () => {
  let postgres: TestPostgres;
  let objectStore: TestVigil;
  let dir: string;
  let a: TestVigil;
  let b: TestVigil;
  let bStopped = false;
  let c: ServeProcess;
  let cCert: string;
  let image: Buffer;
  const clients: LookoutVisionClient[] = [];

  before(async () => {
    postgres = await startPostgres();
    objectStore = await startTestVigil();
    const bucketMaker = s3Client(objectStore);
    await bucketMaker.send(new CreateBucketCommand({ Bucket: 'vigil-objects' }));
    bucketMaker.destroy();
    dir = await mkdtemp(join(tmpdir(), 'vigil-throttle-'));
    await writeFile(join(dir, 'store-ca.pem'), objectStore.tls.cert, { mode: 0o600 });
    const env = {
      VIGIL_DATABASE_URL: await postgres.createDatabase(),
      VIGIL_BLOB_S3_ENDPOINT: objectStore.endpoint,
      VIGIL_BLOB_S3_BUCKET: 'vigil-objects',
      VIGIL_BLOB_S3_ACCESS_KEY_ID: objectStore.rootAccessKey.accessKeyId,
      VIGIL_BLOB_S3_SECRET_ACCESS_KEY: objectStore.rootAccessKey.secretAccessKey,
      VIGIL_BLOB_S3_CA_FILE: join(dir, 'store-ca.pem'),
      VIGIL_ROOT_KEY: randomBytes(32).toString('base64'),
      VIGIL_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
    };
    // Started at once, as nodes of a cluster may be: they migrate the new database one after the other.
    [a, b, c] = await Promise.all([startTestVigil({ env }), startTestVigil({ env }), ServeProcess.start(join(dir, 'node-c'), ['--role', 'api'], env)]);
    cCert = await readFile(join(dir, 'node-c', 'tls', 'cert.pem'), 'utf8');
    image = await readFile(join(ALIENS, 'normal', '1.png'));
  });
  after(async () => {
    for (const client of clients) client.destroy();
    killLeftovers();
    await a?.stop();
    if (!bStopped) await b?.stop();
    await objectStore?.stop();
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (node: TestVigil) => {
    const made = node.lookoutVision({ maxAttempts: 1 });
    clients.push(made);
    return made;
  };
  // Every node of the cluster has the same root access key (it is in the database).
  const metricsOf = async (endpoint: string, ca: string, credentials = a.rootAccessKey) => {
    const response = await sendSigned(endpoint, ca, { method: 'GET', path: '/_vigil/metrics', credentials });
    assert.equal(response.status, 200, response.body);
    const value = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(response.body)?.[1]);
    return { liveNodes: value('vigil_cluster_live_nodes'), limit: value('vigil_detect_admission_limit'), text: response.body };
  };
  const limitOf = async (node: TestVigil) => (await metricsOf(node.endpoint, node.tls.cert)).limit;
  const liveNodesOf = async (node: TestVigil) => (await node.services.health.check()).liveNodes;

  /** Sends `count` detections to each node at once while their doors are shut; returns how many each admitted and the refusals. */
  async function burst(nodes: { vigil: TestVigil; held: HeldDetections; client: LookoutVisionClient }[], count: number) {
    for (const node of nodes) node.held.hold();
    const sent = nodes.map((node) => Array.from({ length: count }, () => node.client.send(new DetectAnomaliesCommand({ ...MODEL, ContentType: 'image/png', Body: image }))));
    const refused: unknown[] = [];
    for (const request of sent.flat()) request.catch((error: unknown) => refused.push(error));
    const admitted = () => nodes.map((node) => node.held.waiting);
    await until('every detection is admitted or refused', () => admitted().reduce((x, y) => x + y, 0) + refused.length === nodes.length * count);
    const admittedPerNode = admitted();
    for (const node of nodes) node.held.release();
    const answered = await Promise.allSettled(sent.flat());
    const answers = answered.filter((outcome) => outcome.status === 'fulfilled').map((outcome) => outcome.value);
    for (const answer of answers) assert.equal(typeof answer.DetectAnomalyResult?.IsAnomalous, 'boolean');
    assert.equal(
      answers.length,
      admittedPerNode.reduce((x, y) => x + y, 0),
      'every admitted detection is answered',
    );
    return { admittedPerNode, refused };
  }

  test('1 inference unit: the nodes admit one unit’s worth at once between them (the rest 429 ThrottlingException); a node killed leaves its share to the others within the lease, one stopped cleanly at once', async (t) => {
    const heldA = holdDetections(a);
    const heldB = holdDetections(b);
    await hostedAliensModel(a, a.lookoutVision());
    // B and C load the model on their first detection (each node hosts what it serves).
    const cClient = c.lookoutVision();
    clients.push(cClient);
    await Promise.all([client(b), cClient].map((sender) => sender.send(new DetectAnomaliesCommand({ ...MODEL, ContentType: 'image/png', Body: image }))));

    // Three live nodes: 1 unit holds 9 requests (1 in work, 8 waiting), 3 a node.
    await until('every node counts three live nodes', async () => (await liveNodesOf(a)) === 3 && (await liveNodesOf(b)) === 3);
    const cMetrics = await metricsOf(c.endpoint, cCert);
    assert.deepEqual([cMetrics.liveNodes, cMetrics.limit, await limitOf(a), await limitOf(b)], [3, 3, 3, 3]);
    const nodes = [
      { vigil: a, held: heldA, client: client(a) },
      { vigil: b, held: heldB, client: client(b) },
    ];
    const three = await burst(nodes, 8);
    assert.deepEqual(three.admittedPerNode, [3, 3], 'each of the two nodes admits its third; C holds the last third');
    assert.equal(three.refused.length, 10);
    for (const error of three.refused as { name: string; $metadata: { httpStatusCode: number }; message: string }[]) {
      assert.equal(error.name, 'ThrottlingException');
      assert.equal(error.$metadata.httpStatusCode, 429);
      assert.match(error.message, /across the nodes \(3 at once on this node\); retry shortly/);
    }
    // On the wire: Lookout for Vision's error body and Retry-After.
    heldA.hold();
    const inFlight = Array.from({ length: 3 }, () => nodes[0].client.send(new DetectAnomaliesCommand({ ...MODEL, ContentType: 'image/png', Body: image })));
    await until('three detections are in flight on A', () => heldA.waiting === 3);
    const wire = await sendSigned(a.endpoint, a.tls.cert, {
      method: 'POST',
      path: '/2020-11-20/projects/aliens/models/1/detect',
      headers: { 'content-type': 'image/png' },
      body: image,
      credentials: a.rootAccessKey,
    });
    heldA.release();
    await Promise.all(inFlight);
    assert.equal(wire.status, 429);
    assert.equal(wire.headers['x-amzn-errortype'], 'ThrottlingException');
    assert.equal(wire.headers['retry-after'], '1');
    assert.deepEqual(Object.keys(wire.json()).sort(), ['Message', 'QuotaCode', 'ServiceCode', '__type']);
    assert.deepEqual([wire.json().__type, wire.json().QuotaCode, wire.json().ServiceCode], ['ThrottlingException', 'requests', 'lookoutvision']);

    // C dies without a word: within the lease (and a heartbeat), A and B divide the 9 between them, 5 and 4.
    await c.kill9();
    const grewBackMs = await until('A and B count two live nodes', async () => (await liveNodesOf(a)) === 2 && (await liveNodesOf(b)) === 2, 10_000);
    t.diagnostic(`the shares grew back ${grewBackMs} ms after the kill (lease ${LEASE_SECONDS} s)`);
    assert.ok(grewBackMs <= LEASE_SECONDS * 1000 + 2000, `the shares grew back ${grewBackMs} ms after the kill`);
    assert.deepEqual([(await limitOf(a)) + (await limitOf(b)), Math.max(await limitOf(a), await limitOf(b))], [9, 5]);
    const two = await burst(nodes, 8);
    assert.deepEqual([...two.admittedPerNode].sort(), [4, 5]);
    assert.equal(two.refused.length, 7);
    assert.ok((two.refused as { name: string }[]).every((error) => error.name === 'ThrottlingException'));

    // B stops cleanly: it deletes its row, so A takes the whole capacity at its next heartbeat, not a lease later.
    const stopped = Date.now();
    await b.stop();
    bStopped = true;
    await until('A counts itself alone', async () => (await liveNodesOf(a)) === 1, 5_000);
    t.diagnostic(`a clean stop freed its share ${Date.now() - stopped} ms after the stop began`);
    assert.ok(Date.now() - stopped < LEASE_SECONDS * 1000, 'a clean stop frees its share before the lease would have');
    assert.equal(await limitOf(a), 9);
  });

  test('the embedded default has no node registry: no live-node count in its health report or its metrics', async () => {
    const report = await objectStore.services.health.check();
    assert.equal(report.liveNodes, undefined);
    const health = await sendRaw(objectStore.endpoint, objectStore.tls.cert, { method: 'GET', path: '/_vigil/health', headers: { host: new URL(objectStore.endpoint).host } });
    assert.ok(!health.body.includes('liveNodes'));
    const { text } = await metricsOf(objectStore.endpoint, objectStore.tls.cert, objectStore.rootAccessKey);
    assert.match(text, /# TYPE vigil_inference_units gauge/);
    assert.doesNotMatch(text, /vigil_cluster_live_nodes|vigil_detect_admission_limit/);
  });
});
