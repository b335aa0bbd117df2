import { randomBytes, randomInt } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type BlobEngine, openBlobEngine } from './blob/openBlobEngine.js';
import { SealedBlobStore } from './blob/sealedBlobStore.js';
import { endpointOf, type VigilConfig } from './config.js';
import { EmbeddedKms } from './crypto/embeddedKms.js';
import { ExternalKms } from './crypto/externalKms.js';
import type { Kms } from './crypto/kms.js';
import { openRootKey } from './crypto/openRootKey.js';
import type { RootKey } from './crypto/rootKey.js';
import { checkRootKey, installedRootKeyFormat } from './crypto/rootKeyCheck.js';
import { type BackgroundJobs, InProcessJobs } from './jobs/backgroundJobs.js';
import { JobQueue } from './jobs/jobQueue.js';
import { localModelRuntime } from './jobs/modelRuntime.js';
import { NodeRegistry } from './jobs/nodeRegistry.js';
import { SharedJobQueue } from './jobs/sharedJobQueue.js';
import { createHttpsServer } from './server/httpsServer.js';
import type { Services } from './server/services.js';
import { loadTlsMaterial, type TlsMaterial } from './server/tls.js';
import { type AccessKeyPair, AccessKeys } from './service/accessKeys.js';
import { BucketSettings } from './service/bucketSettings.js';
import { Buckets } from './service/buckets.js';
import { ClusterAdmission } from './service/clusterAdmission.js';
import { DataKeyRewrap } from './service/dataKeyRewrap.js';
import { DatasetContents } from './service/datasetContents.js';
import { Datasets } from './service/datasets.js';
import { DetectionMetrics } from './service/detectionMetrics.js';
import { Health } from './service/health.js';
import { Idempotency } from './service/idempotency.js';
import { LifecycleSweeper, SECONDS_PER_DAY } from './service/lifecycleSweeper.js';
import { ModelHosting } from './service/modelHosting.js';
import { ModelPackaging } from './service/modelPackaging.js';
import { Models } from './service/models.js';
import { ModelTrainer } from './service/modelTrainer.js';
import { MultipartUploads } from './service/multipartUploads.js';
import { ObjectTagging } from './service/objectTagging.js';
import { Projects } from './service/projects.js';
import { SessionCredentials } from './service/sessionCredentials.js';
import { Tags } from './service/tags.js';
import { lockDataDirectory } from './store/dataDirectoryLock.js';
import type { MetadataStore } from './store/metadataStore.js';
import { openPostgresStore } from './store/postgresStore.js';
import { openSqliteStore } from './store/sqliteStore.js';
import { writeFileAtomic } from './util/atomicFile.js';

export interface RunningVigil {
  /** https://host:port, with the port actually bound. */
  endpoint: string;
  port: number;
  accountId: string;
  tls: TlsMaterial;
  credentialsPath: string;
  rootAccessKey: AccessKeyPair;
  /** The embedded KMS: it protects the data unless an external KMS is configured. */
  kms: EmbeddedKms;
  /** The external KMS (VIGIL_KMS_ENDPOINT) that protects the data instead, when configured. */
  externalKms?: ExternalKms;
  /** Object storage; everything in it is sealed under the KMS. */
  blobs: SealedBlobStore;
  store: MetadataStore;
  server: FastifyInstance<Server>;
  /** Background work; tests wait on jobs.idle() (with a shared database: until no node has a job left). */
  jobs: { idle(): Promise<void> };
  /** This node's name in the job leases it takes. */
  nodeId: string;
  /** The use cases behind the APIs. */
  services: Services;
  /** Applies the buckets' lifecycle rules: at start, then every VIGIL_LIFECYCLE_SWEEP_SECONDS. */
  lifecycle: LifecycleSweeper;
  /** Stops accepting connections, lets in-flight requests finish, then closes the stores. */
  close(): Promise<void>;
}

/** How often worker nodes sharing a database look for work whose job was lost. */
const LOST_JOB_SWEEP_MS = 5 * 60_000;
/** With a shared database: how often a node lets go of models stopped through another node. */
const HOSTING_SWEEP_MS = 5_000;

/** How often the lifecycle rules are applied: hourly (S3 applies them about once a day); rules count whole days. */
const LIFECYCLE_SWEEP_SECONDS = 3600;

/** How often keys past their deletion date are destroyed, due keys rotated and expired client tokens forgotten. */
const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

/** Starts Vigil: SQLite or PostgreSQL metadata, objects in a local directory or an S3-compatible store, the embedded or an external KMS. */
export async function startVigil(config: VigilConfig, env: NodeJS.ProcessEnv = process.env): Promise<RunningVigil> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Before anything is opened or cleaned: a second process would empty this one's blobs/tmp and share its database.
  const lock = lockDataDirectory(config.dataDir);
  let store: MetadataStore;
  try {
    store = config.databaseUrl === undefined ? openSqliteStore(join(config.dataDir, 'metadata.db')) : await openPostgresStore(config.databaseUrl);
  } catch (error) {
    lock.release();
    throw error;
  }
  let opened: RootKey | undefined;
  let external: ExternalKms | undefined;
  let blobEngine: BlobEngine | undefined;
  let registry: NodeRegistry | undefined;
  try {
    // A root key on a PKCS#11 token is generated only for a new installation, never for one sealed under another key.
    const rootKey = await openRootKey(config.dataDir, env, { installedFormat: await installedRootKeyFormat(store.settings) });
    opened = rootKey;
    await checkRootKey(store.settings, rootKey);
    const accountId = await store.settings.putIfAbsent('account.id', String(randomInt(1e11, 1e12)));
    const installation = { region: config.region, accountId };
    const daySeconds = positiveSeconds(env, 'VIGIL_KMS_DAY_SECONDS');
    // Test and debug knobs (as Ceph's rgw_lc_debug_interval): a shorter lifecycle "day", a more frequent sweep.
    const lifecycleDaySeconds = positiveSeconds(env, 'VIGIL_LIFECYCLE_DAY_SECONDS') ?? SECONDS_PER_DAY;
    const lifecycleSweepSeconds = positiveSeconds(env, 'VIGIL_LIFECYCLE_SWEEP_SECONDS') ?? LIFECYCLE_SWEEP_SECONDS;
    const kms = await EmbeddedKms.open(store, rootKey, { ...installation, daySeconds });
    const externalKms = config.kmsEndpoint === undefined ? undefined : await openExternalKms(config, config.kmsEndpoint);
    external = externalKms;
    const dataKms: Kms = externalKms ?? kms;
    const idempotency = new Idempotency(store.idempotency);
    blobEngine = await openBlobEngine(config, accountId);
    const blobs = new SealedBlobStore(blobEngine.engine, dataKms);
    const accessKeys = new AccessKeys(store, rootKey);
    const rootAccessKey = await accessKeys.ensureRootAccessKey();
    const credentialsPath = join(config.dataDir, 'credentials');
    await writeCredentialsFile(credentialsPath, rootAccessKey);
    const tls = await loadTlsMaterial(config);

    const logger = pino(
      {
        level: config.logLevel,
        base: undefined,
        // Paths only: a query string may carry a presigned signature, and headers carry credentials.
        serializers: { req: (req: { method: string; url: string }) => ({ method: req.method, path: req.url.split('?')[0] }) },
      },
      pino.destination(2),
    );
    // Hosting, and every job of the embedded default, runs on the in-process queue.
    const jobs = new JobQueue(2, (name, error) => logger.error({ err: error, job: name }, 'background job failed'));
    const nodeId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    // With a shared database, training, imports and packaging are rows that any worker node claims.
    const shared = store.jobs
      ? new SharedJobQueue(store.jobs, {
          nodeId,
          claims: config.role !== 'api',
          leaseMs: config.jobLeaseSeconds * 1000,
          concurrency: 2,
          pollMs: 1000,
          onFailure: (job, error) => logger.error({ err: error, job }, 'background job failed'),
        })
      : undefined;
    const background: BackgroundJobs = shared ?? new InProcessJobs(jobs);
    // With a shared database, each node heartbeats in the node registry and admits its share of each
    // hosted model's capacity; a node counts as dead once its heartbeat is older than the job lease.
    registry = store.nodes
      ? new NodeRegistry(store.nodes, {
          nodeId,
          role: config.role,
          windowMs: config.jobLeaseSeconds * 1000,
          onFailure: (error) => logger.error({ err: error }, 'the node registry heartbeat failed'),
        })
      : undefined;
    const projects = new Projects(store, idempotency, installation);
    const buckets = new Buckets(store, blobs, dataKms);
    const multipartUploads = new MultipartUploads(store, blobs, dataKms, buckets);
    const lifecycle = new LifecycleSweeper(store, buckets, multipartUploads, lifecycleDaySeconds);
    // Leftovers of a crash; nothing writes yet. Not with a shared database: another node may be writing
    // an object whose row it has not committed yet.
    if (!shared) await buckets.removeUnreferencedBlobs();
    const contents = new DatasetContents(blobs);
    const datasets = new Datasets(store, contents, buckets, background, idempotency, projects);
    const metrics = new DetectionMetrics();
    const nodes = registry;
    const liveNodes = nodes && (() => nodes.liveCount);
    if (liveNodes) metrics.cluster(liveNodes);
    // The converted backbone is cached beside the data (public weights, not user data).
    const runtime = localModelRuntime({ cacheDir: join(config.dataDir, 'cache', 'backbone') });
    const training = new ModelTrainer({ store, contents, blobs, buckets, kms: dataKms, jobs: background, runtime, logger });
    const hosting = new ModelHosting({
      store,
      blobs,
      kms: dataKms,
      background,
      jobs,
      idempotency,
      projects,
      runtime,
      metrics,
      maxInferenceUnits: cpus().length,
      admission: nodes && new ClusterAdmission((capacity) => nodes.shareOf(capacity)),
    });
    const models = new Models({ store, blobs, buckets, kms: dataKms, idempotency, projects, installation, training, hosting });
    const packaging = new ModelPackaging({ store, blobs, buckets, kms: dataKms, jobs: background, idempotency, projects, installation });
    // With a shared database another live node may be running these: recovery then leaves them to their jobs.
    await datasets.recover(background.shared);
    await models.recover(background.shared);
    await packaging.recover(background.shared);
    const services: Services = {
      accessKeys,
      sessionCredentials: new SessionCredentials(accessKeys, rootKey),
      projects,
      datasets,
      buckets,
      bucketSettings: new BucketSettings(store, dataKms),
      lifecycle,
      multipartUploads,
      objectTagging: new ObjectTagging(store, buckets),
      tags: new Tags(store.models, installation),
      models,
      hosting,
      packaging,
      metrics,
      health: new Health(store.settings, blobEngine.engine, config.role, liveNodes),
      keyRewrap: new DataKeyRewrap(blobs, dataKms),
      keys: kms,
      externalKmsEndpoint: externalKms?.endpoint,
    };
    // Before it serves: its first detections are already throttled by its share.
    await nodes?.start();
    const server = await createHttpsServer({ tls, logger, services, accountId });
    await server.listen({ host: config.host, port: config.port });
    const port = (server.server.address() as { port: number }).port;
    shared?.start();
    // A node that stopped between a status change and queuing its job leaves work no job stands for: the
    // worker nodes look for it now and then (at start, recovery did).
    const lostJobTimer =
      shared && config.role !== 'api'
        ? setInterval(
            () => {
              (async () => {
                await models.requeueLostTraining();
                await hosting.requeueLost();
                await packaging.requeueLost();
                await datasets.rollBackLostJobs();
              })().catch((error: unknown) => logger.error({ err: error }, 'looking for work whose job was lost failed'));
            },
            Math.max(LOST_JOB_SWEEP_MS, 2 * config.jobLeaseSeconds * 1000),
          ).unref()
        : undefined;
    const hostingTimer = shared
      ? setInterval(() => hosting.releaseStopped().catch((error: unknown) => logger.error({ err: error }, 'releasing models stopped on other nodes failed')), HOSTING_SWEEP_MS).unref()
      : undefined;
    const maintenanceTimer = setInterval(() => {
      // With an external KMS, keys are that KMS's business.
      if (!externalKms) kms.destroyDueKeys().catch((error: unknown) => logger.error({ err: error }, 'destroying keys past their deletion date failed'));
      if (!externalKms) kms.rotateDueKeys().catch((error: unknown) => logger.error({ err: error }, 'rotating keys on their schedule failed'));
      idempotency.purgeExpired().catch((error: unknown) => logger.error({ err: error }, 'purging expired client tokens failed'));
    }, MAINTENANCE_INTERVAL_MS).unref();
    if (!externalKms) await kms.destroyDueKeys();
    const sweepLifecycle = () => {
      lifecycle
        .sweep()
        .then((counts) => {
          if (Object.values(counts).some((count) => count > 0)) logger.info(counts, 'lifecycle rules applied');
        })
        .catch((error: unknown) => logger.error({ err: error }, 'applying lifecycle rules failed'));
    };
    sweepLifecycle();
    const lifecycleTimer = setInterval(sweepLifecycle, lifecycleSweepSeconds * 1000).unref();

    return {
      endpoint: endpointOf(config.host, port),
      port,
      accountId,
      tls,
      credentialsPath,
      rootAccessKey: { accessKeyId: rootAccessKey.accessKeyId, secretAccessKey: rootAccessKey.secretAccessKey },
      kms,
      externalKms,
      blobs,
      store,
      server,
      jobs: {
        async idle() {
          await jobs.idle();
          if (shared) await shared.drained();
          await jobs.idle();
        },
      },
      nodeId,
      services,
      lifecycle,
      async close() {
        clearInterval(maintenanceTimer);
        clearInterval(lifecycleTimer);
        await lifecycle.idle();
        clearInterval(lostJobTimer);
        clearInterval(hostingTimer);
        await server.close();
        await nodes?.close();
        await shared?.close();
        await jobs.close();
        await hosting.close();
        await store.close();
        externalKms?.close();
        blobEngine?.close();
        rootKey.close();
        lock.release();
      },
    };
  } catch (error) {
    await registry?.close();
    await store.close();
    opened?.close();
    external?.close();
    blobEngine?.close();
    lock.release();
    throw error;
  }
}

/** A number of seconds > 0 from the environment, or undefined when unset. */
function positiveSeconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  const seconds = Number(text);
  if (!(seconds > 0 && Number.isFinite(seconds))) throw new Error(`${name} must be a positive number of seconds`);
  return seconds;
}

/** The root access key in AWS shared-credentials format (profile "vigil"), rewritten only when it differs. */
async function writeCredentialsFile(path: string, key: AccessKeyPair): Promise<void> {
  const content =
    `# Vigil root access key. Use: AWS_SHARED_CREDENTIALS_FILE=${path} AWS_PROFILE=vigil\n` + `[vigil]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current !== content) await writeFileAtomic(path, content, 0o600);
}

/** The external KMS the configuration names, its default key checked (exists, Enabled); a clear Error otherwise. */
async function openExternalKms(config: VigilConfig, endpoint: string): Promise<ExternalKms> {
  let ca: Buffer | undefined;
  if (config.kmsCaFile !== undefined) {
    ca = await readFile(config.kmsCaFile).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the KMS CA file ${config.kmsCaFile} (VIGIL_KMS_CA_FILE): ${error.code ?? error.message}`);
    });
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`the KMS CA file ${config.kmsCaFile} (VIGIL_KMS_CA_FILE) holds no PEM certificate`);
  }
  const credentials = config.kmsAccessKeyId !== undefined && config.kmsSecretAccessKey !== undefined ? { accessKeyId: config.kmsAccessKeyId, secretAccessKey: config.kmsSecretAccessKey } : undefined;
  return ExternalKms.open({ endpoint, region: config.kmsRegion ?? config.region, credentials, ca, defaultKeyId: config.kmsDefaultKeyId ?? '' });
}
