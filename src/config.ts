import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { resolve } from 'node:path';

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
}

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
};

export const DEFAULT_CONFIG: VigilConfig = {
  dataDir: '.vigil',
  host: '127.0.0.1',
  port: 8443,
  region: 'us-east-1',
  logLevel: 'info',
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Builds the configuration. `configFile` (flag --config or VIGIL_CONFIG) is a JSON object with
 * the same keys as VigilConfig. The root key is never part of it: it comes from the key file or
 * VIGIL_ROOT_KEY only.
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
  return {
    dataDir: resolve(text('dataDir')),
    host: text('host'),
    port,
    region,
    tlsCert: input.tlsCert === undefined ? undefined : resolve(text('tlsCert')),
    tlsKey: input.tlsKey === undefined ? undefined : resolve(text('tlsKey')),
    logLevel,
  };
}

/** The endpoint that reaches a Vigil listening on `host`: a wildcard listener is reached on loopback. */
export function endpointOf(host: string, port: number): string {
  const hostname = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : isIPv6(host) ? `[${host}]` : host;
  return `https://${hostname}:${port}`;
}
