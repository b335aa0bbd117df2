import { readFile } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { LookoutVisionClient } from '@aws-sdk/client-lookoutvision';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { endpointOf, type VigilConfig } from '../config.js';

export interface ApiClients {
  endpoint: string;
  lookoutVision: LookoutVisionClient;
  s3: S3Client;
  destroy(): void;
}

/**
 * SDK clients for a running Vigil, as any AWS user would make them: the endpoint of the
 * configuration (or --endpoint), credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or else
 * `<data>/credentials`, and the generated certificate (or --ca-bundle) as the trusted CA.
 */
export async function apiClients(config: VigilConfig, options: ConnectionOptions): Promise<ApiClients> {
  const { endpoint, ca, credentials } = await apiConnection(config, options);
  const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca, keepAlive: true, maxSockets: 8 }) });
  const common = { region: config.region, endpoint, credentials, requestHandler };
  const lookoutVision = new LookoutVisionClient(common);
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  return {
    endpoint,
    lookoutVision,
    s3,
    destroy() {
      lookoutVision.destroy();
      s3.destroy();
    },
  };
}

export interface ConnectionOptions {
  endpoint?: string;
  caBundle?: string;
}

export interface ApiConnection {
  endpoint: string;
  /** The CA certificate(s) to trust, PEM. */
  ca: Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Where a running Vigil is and how to authenticate to it (see apiClients). */
export async function apiConnection(config: VigilConfig, options: ConnectionOptions): Promise<ApiConnection> {
  const endpoint = options.endpoint ?? endpointOf(config.host, config.port);
  const ca = await readFile(options.caBundle ?? config.tlsCert ?? join(config.dataDir, 'tls', 'cert.pem'));
  const credentials =
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY }
      : await credentialsFile(join(config.dataDir, 'credentials'));
  return { endpoint, ca, credentials };
}

/** The [vigil] profile of the credentials file that `vigil serve` writes. */
async function credentialsFile(path: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new Error(`no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run vigil serve once to create ${path}`);
  });
  const value = (name: string) => new RegExp(`^${name}\\s*=\\s*(\\S+)`, 'm').exec(text)?.[1];
  const accessKeyId = value('aws_access_key_id');
  const secretAccessKey = value('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) throw new Error(`${path} does not hold aws_access_key_id and aws_secret_access_key`);
  return { accessKeyId, secretAccessKey };
}
