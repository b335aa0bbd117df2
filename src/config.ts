import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';
import { assertBlobKey } from './blob/blobStore.js';

/** Vigil's whole configuration. Precedence: command-line flags, then environment, then config file, then defaults. */
export interface VigilConfig {
  /** Where the metadata database, objects, keys, certificate and credentials live. */
  dataDir: string;
  host: string;
  /** 0 picks any free port. */
  port: number;
  /** The region in ARNs and the default for the printed CLI line. */
  region: string;
  /** Operator-supplied certificate and key (PEM); both or neither. A self-signed pair is generated otherwise. */
  tlsCert?: string;
  tlsKey?: string;
  logLevel: LogLevel;
  /**
   * An external AWS-KMS-protocol endpoint (https URL) that protects data instead of the embedded KMS,
   * with its region (default: region), credentials (both or neither; else the AWS SDK's default chain),
   * a PEM file of certificates to trust, and the key for data that names none (required with an endpoint).
   */
  kmsEndpoint?: string;
  kmsRegion?: string;
  kmsAccessKeyId?: string;
  kmsSecretAccessKey?: string;
  kmsCaFile?: string;
  kmsDefaultKeyId?: string;
  /**
   * A PostgreSQL database for the metadata instead of the embedded SQLite file (postgres://user:password@host:port/db).
   * Several Vigil nodes can share it.
   */
  databaseUrl?: string;
  /**
   * An S3-compatible store (https URL) that holds the sealed objects instead of `<data>/blobs`: its
   * bucket (required with an endpoint), region (default: region), an optional folder of the bucket,
   * credentials (both keys, or a credentials file, or else the AWS SDK's default chain) and a PEM file
   * of certificates to trust. The store only ever receives sealed bytes.
   */
  blobS3Endpoint?: string;
  blobS3Bucket?: string;
  blobS3Region?: string;
  blobS3Prefix?: string;
  blobS3AccessKeyId?: string;
  blobS3SecretAccessKey?: string;
  blobS3CredentialsFile?: string;
  blobS3CaFile?: string;
  /**
   * What this node does when nodes share a PostgreSQL database: `api` answers requests and queues jobs,
   * `worker` also runs the queued jobs (training, dataset imports, packaging), `all` (the default) both.
   */
  role: NodeRole;
  /** How long a worker's claim on a job lasts without a heartbeat: how soon another node takes over the job of one that died. */
  jobLeaseSeconds: number;
}

export type NodeRole = 'api' | 'worker' | 'all';
const NODE_ROLES: readonly NodeRole[] = ['api', 'worker', 'all'];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Settings as given by one source, not yet validated. */
export type ConfigInput = Partial<Record<keyof VigilConfig, string | number | undefined>>;

const ENVIRONMENT: Record<keyof VigilConfig, string> = {
  dataDir: 'VIGIL_DATA_DIR',
  host: 'VIGIL_HOST',
  port: 'VIGIL_PORT',
  region: 'VIGIL_REGION',
  tlsCert: 'VIGIL_TLS_CERT',
  tlsKey: 'VIGIL_TLS_KEY',
  logLevel: 'VIGIL_LOG_LEVEL',
  kmsEndpoint: 'VIGIL_KMS_ENDPOINT',
  kmsRegion: 'VIGIL_KMS_REGION',
  kmsAccessKeyId: 'VIGIL_KMS_ACCESS_KEY_ID',
  kmsSecretAccessKey: 'VIGIL_KMS_SECRET_ACCESS_KEY',
  kmsCaFile: 'VIGIL_KMS_CA_FILE',
  kmsDefaultKeyId: 'VIGIL_KMS_DEFAULT_KEY_ID',
  databaseUrl: 'VIGIL_DATABASE_URL',
  blobS3Endpoint: 'VIGIL_BLOB_S3_ENDPOINT',
  blobS3Bucket: 'VIGIL_BLOB_S3_BUCKET',
  blobS3Region: 'VIGIL_BLOB_S3_REGION',
  blobS3Prefix: 'VIGIL_BLOB_S3_PREFIX',
  blobS3AccessKeyId: 'VIGIL_BLOB_S3_ACCESS_KEY_ID',
  blobS3SecretAccessKey: 'VIGIL_BLOB_S3_SECRET_ACCESS_KEY',
  blobS3CredentialsFile: 'VIGIL_BLOB_S3_CREDENTIALS_FILE',
  blobS3CaFile: 'VIGIL_BLOB_S3_CA_FILE',
  role: 'VIGIL_ROLE',
  jobLeaseSeconds: 'VIGIL_JOB_LEASE_SECONDS',
};

export const DEFAULT_CONFIG: VigilConfig = {
  dataDir: '.vigil',
  host: '127.0.0.1',
  port: 8443,
  region: 'us-east-1',
  logLevel: 'info',
  role: 'all',
  jobLeaseSeconds: 30,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Builds the configuration. `configFile` (flag --config or VIGIL_CONFIG) is a JSON object with
 * the same keys as VigilConfig. The root key is never part of it: it comes from the key file,
 * VIGIL_ROOT_KEY or a PKCS#11 token (VIGIL_PKCS11_*, environment only).
 */
export function loadConfig(flags: ConfigInput & { config?: string }, env: NodeJS.ProcessEnv = process.env): VigilConfig {
  const configFile = flags.config ?? env.VIGIL_CONFIG;
  const fromFile = configFile ? readConfigFile(configFile) : {};
  const fromEnv: ConfigInput = {};
  for (const [key, name] of Object.entries(ENVIRONMENT) as [keyof VigilConfig, string][]) {
    if (env[name] !== undefined && env[name] !== '') fromEnv[key] = env[name];
  }
  const merged: ConfigInput = { ...DEFAULT_CONFIG, ...defined(fromFile), ...fromEnv, ...defined(flags) };
  return validate(merged);
}

function readConfigFile(path: string): ConfigInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const unknown = Object.keys(parsed).filter((key) => !(key in ENVIRONMENT));
  if (unknown.length) throw new ConfigError(`config file ${path} has unknown settings: ${unknown.join(', ')}`);
  return parsed as ConfigInput;
}

function defined(input: ConfigInput & { config?: string }): ConfigInput {
  const out: ConfigInput = {};
  for (const key of Object.keys(ENVIRONMENT) as (keyof VigilConfig)[]) {
    if (input[key] !== undefined) out[key] = input[key];
  }
  return out;
}

function validate(input: ConfigInput): VigilConfig {
  const text = (key: keyof VigilConfig): string => {
    const value = input[key];
    if (typeof value !== 'string' || value === '') throw new ConfigError(`${key} must be a non-empty string`);
    return value;
  };
  const port = Number(input.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`port must be an integer from 0 to 65535, not ${input.port}`);
  const region = text('region');
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) throw new ConfigError(`region ${region} is not a region name such as us-east-1`);
  const logLevel = text('logLevel') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  if ((input.tlsCert === undefined) !== (input.tlsKey === undefined)) throw new ConfigError('give both tlsCert and tlsKey, or neither');
  const kms = validateKms(input, region);
  const blobS3 = validateBlobS3(input, region);
  const role = text('role') as NodeRole;
  if (!NODE_ROLES.includes(role)) throw new ConfigError(`role must be one of ${NODE_ROLES.join(', ')}, not ${role}`);
  if (role !== 'all' && input.databaseUrl === undefined) {
    throw new ConfigError(`role ${role} needs a database shared by nodes (databaseUrl, VIGIL_DATABASE_URL); the embedded SQLite default is one node of role all`);
  }
  const jobLeaseSeconds = Number(input.jobLeaseSeconds);
  if (!(jobLeaseSeconds >= 1 && jobLeaseSeconds <= 3600)) throw new ConfigError(`jobLeaseSeconds must be a number of seconds from 1 to 3600, not ${input.jobLeaseSeconds}`);
  return {
    dataDir: resolve(text('dataDir')),
    host: text('host'),
    port,
    region,
    tlsCert: input.tlsCert === undefined ? undefined : resolve(text('tlsCert')),
    tlsKey: input.tlsKey === undefined ? undefined : resolve(text('tlsKey')),
    logLevel,
    ...kms,
    ...validateDatabase(input.databaseUrl),
    ...blobS3,
    role,
    jobLeaseSeconds,
  };
}

/** A postgres:// or postgresql:// URL, or nothing for the embedded SQLite file. Messages never show the URL: it may hold a password. */
function validateDatabase(value: ConfigInput['databaseUrl']): Pick<VigilConfig, 'databaseUrl'> {
  if (value === undefined) return {};
  const problem = 'databaseUrl (VIGIL_DATABASE_URL) must be a PostgreSQL URL such as postgres://vigil:password@db.example:5432/vigil';
  if (typeof value !== 'string') throw new ConfigError(problem);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(problem);
  }
  if ((url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || url.hostname === '' || url.pathname.length <= 1) throw new ConfigError(problem);
  return { databaseUrl: value };
}

/** A setting that is absent or a non-empty string. */
function optionalText(input: ConfigInput, key: keyof VigilConfig): string | undefined {
  const value = input[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${key} must be a non-empty string`);
  return value;
}

/** The external KMS settings: all absent without an endpoint. Error messages never show the secret. */
function validateKms(input: ConfigInput, region: string): Partial<VigilConfig> {
  const given = (key: keyof VigilConfig) => optionalText(input, key);
  const endpoint = given('kmsEndpoint');
  const rest = (['kmsRegion', 'kmsAccessKeyId', 'kmsSecretAccessKey', 'kmsCaFile', 'kmsDefaultKeyId'] as const).filter((key) => input[key] !== undefined);
  if (endpoint === undefined) {
    if (rest.length) throw new ConfigError(`${rest.join(', ')} apply only with kmsEndpoint (VIGIL_KMS_ENDPOINT)`);
    return {};
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError('kmsEndpoint must be an https URL such as https://kms.example:8443');
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new ConfigError('kmsEndpoint must be an https URL such as https://kms.example:8443, without path, query or user information');
  }
  const kmsRegion = given('kmsRegion') ?? region;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(kmsRegion)) throw new ConfigError(`kmsRegion ${kmsRegion} is not a region name such as us-east-1`);
  const accessKeyId = given('kmsAccessKeyId');
  const secretAccessKey = given('kmsSecretAccessKey');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('give both kmsAccessKeyId and kmsSecretAccessKey (VIGIL_KMS_ACCESS_KEY_ID, VIGIL_KMS_SECRET_ACCESS_KEY), or neither');
  }
  const defaultKeyId = given('kmsDefaultKeyId');
  if (defaultKeyId === undefined) throw new ConfigError('kmsDefaultKeyId (VIGIL_KMS_DEFAULT_KEY_ID) is required with kmsEndpoint: the key that protects data that names no key');
  const caFile = given('kmsCaFile');
  return {
    kmsEndpoint: url.origin,
    kmsRegion,
    kmsAccessKeyId: accessKeyId,
    kmsSecretAccessKey: secretAccessKey,
    kmsCaFile: caFile === undefined ? undefined : resolve(caFile),
    kmsDefaultKeyId: defaultKeyId,
  };
}

const BLOB_S3_SETTINGS = ['blobS3Bucket', 'blobS3Region', 'blobS3Prefix', 'blobS3AccessKeyId', 'blobS3SecretAccessKey', 'blobS3CredentialsFile', 'blobS3CaFile'] as const;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The S3 object store settings: all absent without an endpoint. Error messages never show the secret. */
function validateBlobS3(input: ConfigInput, region: string): Partial<VigilConfig> {
  const given = (key: keyof VigilConfig) => optionalText(input, key);
  const endpoint = given('blobS3Endpoint');
  if (endpoint === undefined) {
    const rest = BLOB_S3_SETTINGS.filter((key) => input[key] !== undefined);
    if (rest.length) throw new ConfigError(`${rest.join(', ')} apply only with blobS3Endpoint (VIGIL_BLOB_S3_ENDPOINT)`);
    return {};
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError('blobS3Endpoint must be an https URL such as https://s3.example:7480');
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new ConfigError('blobS3Endpoint must be an https URL such as https://s3.example:7480, without path, query or user information');
  }
  const bucket = given('blobS3Bucket');
  if (bucket === undefined) throw new ConfigError('blobS3Bucket (VIGIL_BLOB_S3_BUCKET) is required with blobS3Endpoint: the bucket that holds the objects');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) throw new ConfigError(`blobS3Bucket ${bucket} is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)`);
  const blobRegion = given('blobS3Region') ?? region;
  // S3-compatible stores name their regions freely (Ceph: its zonegroup, "garage", ...).
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(blobRegion)) throw new ConfigError(`blobS3Region ${blobRegion} is not a region name such as us-east-1`);
  const prefix = given('blobS3Prefix');
  if (prefix !== undefined && !isBlobKey(prefix)) {
    throw new ConfigError(`blobS3Prefix ${JSON.stringify(prefix)} must be folder names of letters, digits and ._=+@,- joined by "/", without a leading or trailing "/"`);
  }
  const accessKeyId = given('blobS3AccessKeyId');
  const secretAccessKey = given('blobS3SecretAccessKey');
  const credentialsFile = given('blobS3CredentialsFile');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new ConfigError('give both blobS3AccessKeyId and blobS3SecretAccessKey (VIGIL_BLOB_S3_ACCESS_KEY_ID, VIGIL_BLOB_S3_SECRET_ACCESS_KEY), or neither');
  }
  if (accessKeyId !== undefined && credentialsFile !== undefined) {
    throw new ConfigError('give the object store credentials as keys or as blobS3CredentialsFile (VIGIL_BLOB_S3_CREDENTIALS_FILE), not both');
  }
  const caFile = given('blobS3CaFile');
  return {
    blobS3Endpoint: url.origin,
    blobS3Bucket: bucket,
    blobS3Region: blobRegion,
    blobS3Prefix: prefix,
    blobS3AccessKeyId: accessKeyId,
    blobS3SecretAccessKey: secretAccessKey,
    blobS3CredentialsFile: credentialsFile === undefined ? undefined : resolve(credentialsFile),
    blobS3CaFile: caFile === undefined ? undefined : resolve(caFile),
  };
}

function isBlobKey(key: string): boolean {
  try {
    assertBlobKey(key);
    return true;
  } catch {
    return false;
  }
}

/** The endpoint that reaches a Vigil listening on `host`: a wildcard listener is reached on loopback. */
export function endpointOf(host: string, port: number): string {
  const hostname = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : isIPv6(host) ? `[${host}]` : host;
  return `https://${hostname}:${port}`;
}
