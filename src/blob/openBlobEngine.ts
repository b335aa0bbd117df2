import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VigilConfig } from '../config.js';
import type { BlobStore } from './blobStore.js';
import { FsBlobStore } from './fsBlobStore.js';
import { S3BlobStore } from './s3BlobStore.js';

export interface BlobEngine {
  engine: BlobStore;
  close(): void;
}

/**
 * The engine the configuration names: `<data>/blobs` by default, or a bucket of an S3-compatible
 * store (VIGIL_BLOB_S3_*), checked and claimed for this installation (account id) before use.
 */
export async function openBlobEngine(config: VigilConfig, installation: string): Promise<BlobEngine> {
  if (config.blobS3Endpoint === undefined || config.blobS3Bucket === undefined) {
    return { engine: await FsBlobStore.open(join(config.dataDir, 'blobs')), close: () => undefined };
  }
  let ca: Buffer | undefined;
  if (config.blobS3CaFile !== undefined) {
    ca = await readFile(config.blobS3CaFile).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cannot read the object store CA file ${config.blobS3CaFile} (VIGIL_BLOB_S3_CA_FILE): ${error.code ?? error.message}`);
    });
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`the object store CA file ${config.blobS3CaFile} (VIGIL_BLOB_S3_CA_FILE) holds no PEM certificate`);
  }
  const credentials =
    config.blobS3CredentialsFile !== undefined
      ? await readCredentialsFile(config.blobS3CredentialsFile)
      : config.blobS3AccessKeyId !== undefined && config.blobS3SecretAccessKey !== undefined
        ? { accessKeyId: config.blobS3AccessKeyId, secretAccessKey: config.blobS3SecretAccessKey }
        : undefined;
  const store = await S3BlobStore.open({
    endpoint: config.blobS3Endpoint,
    region: config.blobS3Region ?? config.region,
    bucket: config.blobS3Bucket,
    prefix: config.blobS3Prefix,
    credentials,
    ca,
  });
  try {
    await store.claim(installation);
  } catch (error) {
    store.close();
    throw error;
  }
  return { engine: store, close: () => store.close() };
}

/**
 * One access key in AWS shared-credentials format (aws_access_key_id, aws_secret_access_key lines under
 * any profile name, as another Vigil's `<data>/credentials`). Refused when other users can read it, as
 * ssh refuses such key files; errors name the file, never its content.
 */
async function readCredentialsFile(path: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const setting = `${path} (VIGIL_BLOB_S3_CREDENTIALS_FILE)`;
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the object store credentials file ${setting}: ${error.code ?? error.message}`);
  });
  if ((info.mode & 0o077) !== 0) throw new Error(`the object store credentials file ${setting} can be read by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  const text = await readFile(path, 'utf8');
  const values = (name: string) => [...text.matchAll(new RegExp(`^\\s*${name}\\s*=\\s*(\\S+)\\s*$`, 'gm'))].map((match) => match[1]!);
  const accessKeyIds = values('aws_access_key_id');
  const secretAccessKeys = values('aws_secret_access_key');
  if (accessKeyIds.length !== 1 || secretAccessKeys.length !== 1) {
    throw new Error(`the object store credentials file ${setting} must hold exactly one aws_access_key_id and one aws_secret_access_key line`);
  }
  return { accessKeyId: accessKeyIds[0]!, secretAccessKey: secretAccessKeys[0]! };
}
